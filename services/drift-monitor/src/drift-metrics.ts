/**
 * The drift monitor's Prometheus metrics, named and labelled as docs/monitoring-contract (alerts,
 * dashboards and the alert receiver are written against these names): gauges labelled by feature,
 * model_version (the integer as a string) and window ("count" | "time"), never by card. The gauges are
 * rewritten as a whole after each recompute (reset, then set), so the series of a retired champion or a
 * feature no longer monitored disappear instead of going stale.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

type WindowLabels = 'model_version' | 'window';
type FeatureLabels = 'feature' | WindowLabels;

export interface DriftMetrics {
  readonly featurePsi: Gauge<FeatureLabels>;
  readonly featureJs: Gauge<FeatureLabels>;
  readonly featureKs: Gauge<FeatureLabels>;
  readonly featureChi2: Gauge<FeatureLabels>;
  readonly featurePValue: Gauge<FeatureLabels>;
  readonly featureDrifted: Gauge<FeatureLabels>;
  readonly featureMissing: Gauge<FeatureLabels>;
  readonly referenceMissing: Gauge<'feature' | 'model_version'>;
  readonly driftedRatio: Gauge<WindowLabels>;
  readonly datasetDrifted: Gauge<WindowLabels>;
  readonly scorePsi: Gauge<WindowLabels>;
  readonly scoreKs: Gauge<WindowLabels>;
  readonly scorePValue: Gauge<WindowLabels>;
  readonly windowEvents: Gauge<WindowLabels>;
  readonly windowEvaluations: Counter<'window' | 'verdict'>;
  readonly windowRepresentative: Gauge<WindowLabels>;
  readonly events: Counter<'stream'>;
  readonly realisedAuc: Gauge<'model_version'>;
  readonly realisedAp: Gauge<'model_version'>;
  readonly realisedPrecision: Gauge<'model_version'>;
  readonly realisedEce: Gauge<'model_version'>;
  readonly realisedLabelled: Gauge<'model_version'>;
  readonly estimatedAuc: Gauge<'model_version'>;
  readonly estimatedAp: Gauge<'model_version'>;
  readonly estimatedPrecision: Gauge<'model_version'>;
  readonly estimatedEvents: Gauge<'model_version'>;
  readonly referenceAuc: Gauge<'model_version'>;
  readonly referenceAp: Gauge<'model_version'>;
  readonly performanceDelta: Gauge<'metric' | 'model_version'>;
  readonly championInfo: Gauge<'model_name' | 'model_version' | 'previous_version'>;
  readonly updateDuration: Histogram;
  readonly labelJoins: Counter<'outcome'>;
  readonly lateEvents: Counter<'stream'>;
  readonly ignoredEvents: Counter<'stream' | 'reason'>;
}

export function driftMetrics(registry: Registry): DriftMetrics {
  const registers = [registry];
  const feature = (name: string, help: string): Gauge<FeatureLabels> =>
    new Gauge({ name, help, labelNames: ['feature', 'model_version', 'window'], registers });
  const window = (name: string, help: string): Gauge<WindowLabels> => new Gauge({ name, help, labelNames: ['model_version', 'window'], registers });
  const version = (name: string, help: string): Gauge<'model_version'> => new Gauge({ name, help, labelNames: ['model_version'], registers });
  return {
    featurePsi: feature('drift_feature_psi', 'Population stability index of a feature against the champion reference profile'),
    featureJs: feature('drift_feature_js_distance', 'Jensen-Shannon distance (log base 2, [0,1]) of a feature against the reference'),
    featureKs: feature('drift_feature_ks_statistic', 'Kolmogorov-Smirnov statistic (binned CDFs) of a numeric feature'),
    featureChi2: feature('drift_feature_chi2_statistic', 'Chi-square statistic of a categorical feature'),
    featurePValue: feature('drift_feature_p_value', 'p-value of the feature test (KS for numeric, chi-square for categorical), uncorrected'),
    featureDrifted: feature('drift_feature_drifted', '1 when the feature test rejects after multiple-testing correction AND its PSI is at least the floor'),
    featureMissing: feature('drift_feature_missing_ratio', 'Share of missing values of a feature in the window'),
    referenceMissing: new Gauge({
      name: 'drift_reference_missing_ratio',
      help: 'Share of missing values of a feature in the reference (training) profile',
      labelNames: ['feature', 'model_version'],
      registers,
    }),
    driftedRatio: window('drift_features_drifted_ratio', 'Share of monitored features that drifted'),
    datasetDrifted: window('drift_dataset_drifted', 'Dataset-level drift verdict (1 = drifted)'),
    scorePsi: window('drift_score_psi', 'PSI of the champion score against its reference distribution'),
    scoreKs: window('drift_score_ks_statistic', 'KS statistic of the champion score against its reference distribution'),
    scorePValue: window('drift_score_p_value', 'KS p-value of the champion score'),
    windowEvents: window('drift_window_events', 'Events in the window (count: the sliding window now; time: the last closed tumbling window)'),
    windowRepresentative: window('drift_window_representative', '1 when the count window mixes every input partition (a fair sample); 0 while catching up partition by partition, when no verdict is raised'),
    windowEvaluations: new Counter({
      name: 'drift_window_evaluations_total',
      help: 'Sliding count-window evaluations by dataset verdict (drifted, not_drifted, unrepresentative): the false-alarm count of a stationary run',
      labelNames: ['window', 'verdict'],
      registers,
    }),
    events: new Counter({ name: 'drift_events_total', help: 'Events consumed by the monitor, by stream (enriched, scored, labels)', labelNames: ['stream'], registers }),
    realisedAuc: version('drift_realised_roc_auc', 'ROC AUC over the last labelled events'),
    realisedAp: version('drift_realised_average_precision', 'Average precision over the last labelled events'),
    realisedPrecision: version('drift_realised_precision_at_review', 'Precision at the review threshold over the last labelled events'),
    realisedEce: version('drift_realised_calibration_error', 'Expected calibration error (10 bins) over the last labelled events'),
    realisedLabelled: version('drift_realised_labelled_events', 'Labelled events in the performance window'),
    estimatedAuc: version('drift_estimated_roc_auc', 'Expected ROC AUC from the calibrated scores (CBPE), before labels'),
    estimatedAp: version('drift_estimated_average_precision', 'Expected average precision from the calibrated scores (CBPE)'),
    estimatedPrecision: version('drift_estimated_precision_at_review', 'Expected precision at the review threshold from the calibrated scores (CBPE)'),
    estimatedEvents: version('drift_estimated_events', 'Scored events in the estimation window'),
    referenceAuc: version('drift_reference_roc_auc', 'ROC AUC of the champion on its training holdout (manifest)'),
    referenceAp: version('drift_reference_average_precision', 'Average precision of the champion on its training holdout (manifest)'),
    performanceDelta: new Gauge({
      name: 'drift_performance_delta_vs_previous',
      help: 'Current champion minus the previous champion, per metric; present once both have enough events',
      labelNames: ['metric', 'model_version'],
      registers,
    }),
    championInfo: new Gauge({
      name: 'drift_champion_info',
      help: 'The champion being monitored (value 1)',
      labelNames: ['model_name', 'model_version', 'previous_version'],
      registers,
    }),
    updateDuration: new Histogram({
      name: 'drift_update_duration_seconds',
      help: 'Time to recompute the drift and performance statistics (per micro-batch recompute)',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    }),
    labelJoins: new Counter({
      name: 'drift_label_joins_total',
      help: 'Labels joined to their score (matched), or whose score was not (or no longer) held (unmatched)',
      labelNames: ['outcome'],
      registers,
    }),
    lateEvents: new Counter({
      name: 'drift_late_events_total',
      help: 'Events too late for any open tumbling window (older than the previous window plus the allowed lateness)',
      labelNames: ['stream'],
      registers,
    }),
    ignoredEvents: new Counter({
      name: 'drift_ignored_events_total',
      help: 'Events not compared: no champion known yet, or scored by a model version the monitor does not follow',
      labelNames: ['stream', 'reason'],
      registers,
    }),
  };
}
