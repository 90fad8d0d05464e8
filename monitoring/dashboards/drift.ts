import { thresholds } from '../thresholds.ts';
import { alertList, customVariable, dashboard, labelVariable, q, row, stateTimeline, statusHistory, table, timeseries } from './panels.ts';

const MW = 'model_version=~"$model_version", window=~"$window"';
const R = '$__rate_interval';

export const driftDashboard = dashboard({
  uid: 'riskstream-drift',
  title: 'riskstream / drift',
  description: 'Input and score drift of the champion against its training reference, per feature and overall, and the alerts it raised.',
  variables: [labelVariable('model_version', 'model version', 'drift_window_events'), customVariable('window', 'window', ['count', 'time'])],
  panels: [
    row('Overview'),
    timeseries('Share of drifted features', [q(`drift_features_drifted_ratio{${MW}}`, 'v{{model_version}} {{window}}')], {
      unit: 'percentunit',
      min: 0,
      max: 1,
      threshold: 'driftedFeatureShare',
      description: 'Above the line FeatureDriftShareHigh fires (action retrain) once the window holds enough events.',
    }),
    stateTimeline('Dataset drift verdict', [q(`drift_dataset_drifted{${MW}}`, 'v{{model_version}} {{window}}')], { threshold: 'datasetDriftVerdict' }),
    timeseries('Events in window', [q(`drift_window_events{${MW}}`, 'v{{model_version}} {{window}}')], { unit: 'short', min: 0, threshold: 'minWindowEvents', w: 8 }),
    timeseries('Drift monitor input / s', [q(`sum by (stream) (rate(drift_events_total[${R}]))`, '{{stream}}')], { unit: 'ops', min: 0, w: 8 }),
    timeseries('Drift update duration p99', [q(`histogram_quantile(0.99, sum by (le) (rate(drift_update_duration_seconds_bucket[${R}])))`, 'p99')], { unit: 's', min: 0, w: 8 }),

    row('Per feature'),
    statusHistory('PSI per feature (heat map)', [q(`max by (feature) (drift_feature_psi{${MW}})`, '{{feature}}')], {
      min: 0,
      max: 2 * thresholds.featurePsi.value,
      description: 'Population stability index of each feature against the training reference; red above twice the alert threshold.',
    }),
    statusHistory('KS statistic per numeric feature (heat map)', [q(`max by (feature) (drift_feature_ks_statistic{${MW}})`, '{{feature}}')], { min: 0, max: 1 }),
    statusHistory('Jensen-Shannon distance per feature (heat map)', [q(`max by (feature) (drift_feature_js_distance{${MW}})`, '{{feature}}')], { min: 0, max: 1 }),
    stateTimeline('Drifted features', [q(`max by (feature) (drift_feature_drifted{${MW}})`, '{{feature}}')], {
      description: 'Drifted after multiple-testing correction and above the effect-size floor.',
      threshold: 'datasetDriftVerdict',
      w: 24,
      h: 10,
    }),
    table(
      'Feature tests now',
      [
        q(`min by (feature) (drift_feature_p_value{${MW}})`, 'p-value'),
        q(`max by (feature) (drift_feature_chi2_statistic{${MW}})`, 'chi-square'),
      ],
      { description: 'KS (numeric) or chi-square (categorical) p-value and the chi-square statistic of categorical features.' },
    ),
    timeseries(
      'Missing ratio: window vs reference',
      [
        q(`max by (feature) (drift_feature_missing_ratio{${MW}})`, '{{feature}} window'),
        q('max by (feature) (drift_reference_missing_ratio{model_version=~"$model_version"})', '{{feature}} reference'),
      ],
      { unit: 'percentunit', min: 0 },
    ),

    row('Score drift'),
    timeseries('Score PSI', [q(`drift_score_psi{${MW}}`, 'v{{model_version}} {{window}}')], { min: 0, threshold: 'scorePsi', w: 8 }),
    timeseries('Score KS statistic', [q(`drift_score_ks_statistic{${MW}}`, 'v{{model_version}} {{window}}')], { min: 0, max: 1, w: 8 }),
    timeseries('Score KS p-value', [q(`drift_score_p_value{${MW}}`, 'v{{model_version}} {{window}}')], { min: 0, max: 1, w: 8 }),

    row('Alerts'),
    alertList('Grafana-managed riskstream alerts'),
    timeseries('Firing Prometheus alerts', [q('sum by (alertname, action) (ALERTS{alertstate="firing"})', '{{alertname}} ({{action}})')], {
      unit: 'short',
      min: 0,
      description: 'Prometheus-evaluated alerts (the same rules, sent through Alertmanager).',
    }),
  ],
});
