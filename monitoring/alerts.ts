import { durations, thresholds, type ThresholdName } from './thresholds.ts';

/**
 * The alerts, once. Each is "value op threshold": `value` is PromQL for the measured quantity, already
 * gated by its evidence floor (an empty or thin window yields no series, so it can never fire);
 * Prometheus gets `value op threshold` as one expression, Grafana gets `value` as its query followed by
 * reduce(last) and a threshold expression. Labels every alert carries (monitoring contract): severity,
 * action (what the alert receiver does: retrain | rollback | none) and model_version where the series
 * have it.
 */

export type Severity = 'critical' | 'warning' | 'info';
export type Action = 'retrain' | 'rollback' | 'none';
export type RuleGroup = 'drift' | 'model' | 'pipeline' | 'slo';

export interface AlertDefinition {
  readonly name: string;
  readonly group: RuleGroup;
  readonly value: string;
  readonly op: '>' | '<';
  readonly threshold: ThresholdName;
  /** Compare against minus the threshold (a margin below zero, as for the rollback delta). */
  readonly negateThreshold?: boolean;
  readonly for: keyof typeof durations.for;
  readonly severity: Severity;
  readonly action: Action;
  /** Annotation templates; `$VALUE` becomes `$value` (Prometheus) or `$values.B.Value` (Grafana). */
  readonly summary: string;
  readonly description: string;
  /**
   * Evidence looked up when the alert fires and attached as annotations for the messages people get
   * (see `evidenceAnnotations`): `drifted_features` lists the features of the alert's model version the
   * drift monitor flags, with their PSI.
   */
  readonly evidence?: readonly Evidence[];
}

export type Evidence = 'drifted_features';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

const th = thresholds;
const w = durations.window;

function pct(name: ThresholdName): string {
  return `${+(th[name].value * 100).toFixed(4)}%`;
}

function num(name: ThresholdName): string {
  return String(th[name].value);
}

// --- gates -------------------------------------------------------------------------------------------

/** Only series of a window holding enough events; `and` keeps the left-hand value. */
const windowGate = `and on(model_version, window) (drift_window_events >= ${num('minWindowEvents')})`;
/** Only the current champion: a retired version's series may linger until the monitor drops them. */
const championGate = `and on(model_version) (drift_champion_info == 1)`;

function driftByModel(metric: string, extraBy = ''): string {
  const by = extraBy === '' ? 'model_version' : `model_version, ${extraBy}`;
  return `max by (${by}) (${metric} ${windowGate} ${championGate})`;
}

/** Largest of the ROC AUC and AP drops of one family (realised or estimated) against the holdout reference. */
function performanceDrop(family: 'realised' | 'estimated', gateMetric: string, floor: ThresholdName): string {
  // label_replace keeps the two drops apart: `or` drops a right-hand series whose labels match the left's.
  const drop = (m: string) => `label_replace(drift_reference_${m} - on(model_version) drift_${family}_${m}, "metric", "${m}", "", "")`;
  return (
    `max by (model_version) (${drop('roc_auc')} or ${drop('average_precision')}) ` +
    `and on(model_version) (${gateMetric} >= ${num(floor)}) ${championGate}`
  );
}

// --- latency SLO (multiwindow, multi-burn-rate) -------------------------------------------------------

const LATENCY = 'scoring_end_to_end_latency_seconds';

/**
 * Prometheus 3 writes classic-histogram `le` values as floats ("1.0") where 2.x kept the exposition's
 * text ("1"); the dev stack runs the Debian 2.x package and compose runs 3.x, so match both.
 */
function leMatcher(bound: number): string {
  const text = String(bound).replace('.', '\\\\.');
  return Number.isInteger(bound) ? `le=~"${text}|${text}\\\\.0"` : `le=~"${text}"`;
}

export function sloErrorRatioRecord(window: string): string {
  return `riskstream:scoring_latency_slo_errors:ratio_rate${window}`;
}

/** Every window a burn-rate alert reads, each recorded once. */
export const burnWindows = [...new Set([w.burnFastLong, w.burnFastShort, w.burnSlowLong, w.burnSlowShort])];

export const recordingRules: readonly RecordingRule[] = burnWindows.map((window) => ({
  record: sloErrorRatioRecord(window),
  expr:
    `1 - sum(rate(${LATENCY}_bucket{${leMatcher(th.latencySloSeconds.value)}}[${window}])) ` +
    `/ sum(rate(${LATENCY}_count[${window}]))`,
}));

const errorBudget = `(1 - ${num('latencySloObjective')})`;

function burn(long: string, short: string, factor: ThresholdName): string {
  return (
    `${sloErrorRatioRecord(long)} / ${errorBudget} ` +
    `and on() (${sloErrorRatioRecord(short)} / ${errorBudget} > ${num(factor)}) ` +
    `and on() (sum(increase(${LATENCY}_count[${long}])) >= ${num('minLatencyEvents')})`
  );
}

// --- the alerts ----------------------------------------------------------------------------------------

export const alerts: readonly AlertDefinition[] = [
  {
    name: 'FeatureDriftShareHigh',
    group: 'drift',
    value: driftByModel('drift_features_drifted_ratio'),
    op: '>',
    threshold: 'driftedFeatureShare',
    for: 'drift',
    severity: 'warning',
    action: 'retrain',
    summary: 'Many features of model version {{ $labels.model_version }} have drifted',
    description:
      '{{ $VALUE | humanizePercentage }} of the features of model version {{ $labels.model_version }} are flagged drifted ' +
      `(threshold ${pct('driftedFeatureShare')}, windows with at least ${num('minWindowEvents')} events); retraining on recent data.`,
    evidence: ['drifted_features'],
  },
  {
    name: 'DatasetDriftDetected',
    group: 'drift',
    value: driftByModel('drift_dataset_drifted'),
    op: '>',
    threshold: 'datasetDriftVerdict',
    for: 'drift',
    severity: 'warning',
    action: 'retrain',
    summary: 'The drift monitor judges the input of model version {{ $labels.model_version }} drifted',
    description:
      'drift_dataset_drifted is 1 for model version {{ $labels.model_version }} in a window with at least ' +
      `${num('minWindowEvents')} events: at least one monitored feature's test rejects after the multiple-testing ` +
      'correction with a PSI above the effect-size floor. Retraining on recent data.',
    evidence: ['drifted_features'],
  },
  {
    name: 'FeaturePsiHigh',
    group: 'drift',
    value: driftByModel('drift_feature_psi', 'feature'),
    op: '>',
    threshold: 'featurePsi',
    for: 'featurePsi',
    severity: 'info',
    action: 'none',
    summary: 'Feature {{ $labels.feature }} shifted (PSI {{ $VALUE | printf "%.3f" }})',
    description:
      'PSI of {{ $labels.feature }} against the training reference is {{ $VALUE | printf "%.3f" }} for model version ' +
      `{{ $labels.model_version }} (threshold ${num('featurePsi')}). One feature alone does not trigger a retrain.`,
  },
  {
    name: 'ScoreDistributionDrift',
    group: 'drift',
    value: driftByModel('drift_score_psi'),
    op: '>',
    threshold: 'scorePsi',
    for: 'drift',
    severity: 'warning',
    action: 'none',
    summary: 'Score distribution of model version {{ $labels.model_version }} shifted',
    description:
      'PSI of the champion score against its reference distribution is {{ $VALUE | printf "%.3f" }} for model version ' +
      `{{ $labels.model_version }} (threshold ${num('scorePsi')}): review and decline rates will move.`,
    evidence: ['drifted_features'],
  },
  {
    name: 'RealisedPerformanceDrop',
    group: 'model',
    value: performanceDrop('realised', 'drift_realised_labelled_events', 'minLabelledEvents'),
    op: '>',
    threshold: 'realisedPerformanceDrop',
    for: 'performance',
    severity: 'critical',
    action: 'retrain',
    summary: 'Model version {{ $labels.model_version }} performs worse on labelled traffic than on its holdout',
    description:
      'Realised ROC AUC or average precision of model version {{ $labels.model_version }} is {{ $VALUE | printf "%.3f" }} below ' +
      `its holdout reference (threshold ${num('realisedPerformanceDrop')}, at least ${num('minLabelledEvents')} labelled events); retraining.`,
    evidence: ['drifted_features'],
  },
  {
    name: 'EstimatedPerformanceDrop',
    group: 'model',
    value: performanceDrop('estimated', 'drift_estimated_events', 'minEstimatedEvents'),
    op: '>',
    threshold: 'estimatedPerformanceDrop',
    for: 'performance',
    severity: 'warning',
    action: 'retrain',
    summary: 'Estimated performance of model version {{ $labels.model_version }} dropped',
    description:
      'CBPE-estimated ROC AUC or average precision of model version {{ $labels.model_version }} is {{ $VALUE | printf "%.3f" }} below ' +
      `its holdout reference (threshold ${num('estimatedPerformanceDrop')}, at least ${num('minEstimatedEvents')} events); retraining before labels confirm it.`,
    evidence: ['drifted_features'],
  },
  {
    name: 'CalibrationDrift',
    group: 'model',
    value: `max by (model_version) (drift_realised_calibration_error) and on(model_version) (drift_realised_labelled_events >= ${num('minLabelledEvents')}) ${championGate}`,
    op: '>',
    threshold: 'calibrationError',
    for: 'calibration',
    severity: 'warning',
    action: 'retrain',
    summary: 'Scores of model version {{ $labels.model_version }} are no longer calibrated',
    description:
      'Expected calibration error of model version {{ $labels.model_version }} is {{ $VALUE | printf "%.4f" }} ' +
      `(threshold ${num('calibrationError')}, at least ${num('minLabelledEvents')} labelled events): thresholds on probabilities mean something else now; retraining recalibrates.`,
    evidence: ['drifted_features'],
  },
  {
    name: 'PromotedModelUnderperforms',
    group: 'model',
    // group_left copies previous_version onto the alert: the receiver rolls back to it.
    value:
      '(min by (model_version) (drift_performance_delta_vs_previous) ' +
      '* on(model_version) group_left(model_name, previous_version) (drift_champion_info == 1)) ' +
      `and on(model_version) (max by (model_version) (drift_window_events) >= ${num('minWindowEvents')})`,
    op: '<',
    threshold: 'rollbackMargin',
    negateThreshold: true,
    for: 'rollback',
    severity: 'critical',
    action: 'rollback',
    summary: 'Promoted model version {{ $labels.model_version }} underperforms version {{ $labels.previous_version }}',
    description:
      'The worst metric delta of champion {{ $labels.model_version }} against the previous champion {{ $labels.previous_version }} is ' +
      `{{ $VALUE | printf "%.3f" }} (allowed margin -${num('rollbackMargin')}); rolling back to {{ $labels.previous_version }}.`,
    evidence: ['drifted_features'],
  },
  {
    name: 'ExperimentArmStopped',
    group: 'model',
    // The bandit stops an arm only after the experiment's --min-events labelled events of it.
    value: 'max by (experiment, arm) (drift_experiment_arm_stopped) and on(experiment, arm) (drift_experiment_arm_labelled_events >= 1)',
    op: '>',
    threshold: 'experimentArmStopped',
    for: 'experimentStop',
    severity: 'warning',
    action: 'none',
    summary: 'Experiment {{ $labels.experiment }} stopped arm {{ $labels.arm }}',
    description:
      'The bandit stopped arm {{ $labels.arm }} of experiment {{ $labels.experiment }}: its value per event trails the champion\'s by more than ' +
      'EXPERIMENT_STOP_MARGIN with confidence; its cards are back on the other arms (ARM_WEIGHTS on models.lifecycle.v1). ' +
      '`riskstream experiment status` shows the evidence.',
  },
  {
    name: 'DeadLetterRateHigh',
    group: 'pipeline',
    value:
      `sum by (service, topic) (rate(riskstream_dlq_messages_total[${w.dlq}])) ` +
      `/ sum by (service, topic) (rate(riskstream_messages_consumed_total[${w.dlq}]))`,
    op: '>',
    threshold: 'dlqRatio',
    for: 'dlq',
    severity: 'warning',
    action: 'none',
    summary: '{{ $labels.service }} dead-letters records from {{ $labels.topic }}',
    description:
      `{{ $VALUE | humanizePercentage }} of the records {{ $labels.service }} consumed from {{ $labels.topic }} over ${w.dlq} went to the DLQ ` +
      `(threshold ${pct('dlqRatio')}).`,
  },
  {
    name: 'ConsumerLagHigh',
    group: 'pipeline',
    value: 'sum by (service, topic) (max by (service, topic, partition) (riskstream_consumer_lag_messages))',
    op: '>',
    threshold: 'consumerLag',
    for: 'lag',
    severity: 'warning',
    action: 'none',
    summary: '{{ $labels.service }} falls behind on {{ $labels.topic }}',
    description:
      `{{ $labels.service }} has {{ $VALUE | printf "%.0f" }} unprocessed records on {{ $labels.topic }} (threshold ${num('consumerLag')} messages).`,
  },
  {
    name: 'ConsumerCrashing',
    group: 'pipeline',
    value: `sum by (service) (increase(riskstream_consumer_crashes_total[${w.crashes}]))`,
    op: '>',
    threshold: 'consumerCrashes',
    for: 'crashes',
    severity: 'warning',
    action: 'none',
    summary: 'The consumer of {{ $labels.service }} crashed and restarted',
    description: `{{ $labels.service }} restarted its consumer {{ $VALUE | printf "%.0f" }} times in ${w.crashes}.`,
  },
  {
    name: 'ServiceDown',
    group: 'pipeline',
    value: 'up{job="riskstream"}',
    op: '<',
    threshold: 'scrapeUp',
    for: 'serviceDown',
    severity: 'critical',
    action: 'none',
    summary: '{{ $labels.instance }} is down',
    description: 'Prometheus cannot scrape riskstream target {{ $labels.instance }} (replica {{ $labels.replica }}).',
  },
  {
    name: 'ScoringLatencyBudgetFastBurn',
    group: 'slo',
    value: burn(w.burnFastLong, w.burnFastShort, 'fastBurnRate'),
    op: '>',
    threshold: 'fastBurnRate',
    for: 'burnFast',
    severity: 'critical',
    action: 'none',
    summary: 'Scoring latency burns its error budget fast',
    description:
      `At least ${pct('latencySloObjective')} of events must be scored within ${num('latencySloSeconds')} s of ingest; over ${w.burnFastLong} ` +
      `(and ${w.burnFastShort}) the error budget burns {{ $VALUE | printf "%.1f" }}x faster than sustainable (threshold ${num('fastBurnRate')}x).`,
  },
  {
    name: 'ScoringLatencyBudgetSlowBurn',
    group: 'slo',
    value: burn(w.burnSlowLong, w.burnSlowShort, 'slowBurnRate'),
    op: '>',
    threshold: 'slowBurnRate',
    for: 'burnSlow',
    severity: 'warning',
    action: 'none',
    summary: 'Scoring latency burns its error budget',
    description:
      `At least ${pct('latencySloObjective')} of events must be scored within ${num('latencySloSeconds')} s of ingest; over ${w.burnSlowLong} ` +
      `(and ${w.burnSlowShort}) the error budget burns {{ $VALUE | printf "%.1f" }}x faster than sustainable (threshold ${num('slowBurnRate')}x).`,
  },
];

/** The bound `value` is compared with. */
export function thresholdValue(a: AlertDefinition): number {
  const v = thresholds[a.threshold].value;
  return a.negateThreshold === true ? -v : v;
}

/**
 * Prometheus annotation templates for an alert's evidence. `query` runs at each evaluation while the
 * alert is pending or firing (one small instant query per alert), so a message carries the features
 * flagged at that moment (both windows; the larger PSI), most shifted first.
 * Grafana's annotation templates cannot query: its messages link the drift dashboard instead.
 */
export function evidenceAnnotations(a: AlertDefinition): Record<string, string> {
  const out: Record<string, string> = {};
  if (a.evidence?.includes('drifted_features')) {
    const q =
      'sort_desc(max by (feature) (drift_feature_psi{model_version=%q} ' +
      'and on(feature, model_version, window) (drift_feature_drifted == 1)))';
    out['drifted_features'] =
      `{{ with printf "${q}" $labels.model_version | query }}` +
      '{{ range $i, $s := . }}{{ if $i }}, {{ end }}{{ $s.Labels.feature }} (PSI {{ $s.Value | printf "%.2f" }}){{ end }}' +
      '{{ else }}none flagged{{ end }}';
  }
  return out;
}

export function runbookAnchor(name: string): string {
  return name.toLowerCase();
}
