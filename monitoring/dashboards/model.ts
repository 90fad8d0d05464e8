import { valueRecords } from '../business-value.ts';
import { dashboard, histogramHeatmap, labelVariable, q, row, stateTimeline, timeseries } from './panels.ts';

const M = 'model_version=~"$model_version"';
const R = '$__rate_interval';

export const modelDashboard = dashboard({
  uid: 'riskstream-model',
  title: 'riskstream / model',
  description: 'Scores, decisions, realised and estimated performance, calibration and the served versions over time.',
  variables: [labelVariable('model_version', 'model version', 'drift_window_events')],
  panels: [
    row('Scores and decisions'),
    histogramHeatmap('Score distribution', `sum by (le) (increase(scoring_score_bucket[${R}]))`, {
      description: 'Champion scores (calibrated fraud probability) per histogram bucket over time.',
    }),
    timeseries(
      'Decision share',
      [q(`sum by (decision) (rate(scoring_events_total[${R}])) / ignoring(decision) group_left sum(rate(scoring_events_total[${R}]))`, '{{decision}}')],
      { unit: 'percentunit', min: 0, max: 1, stack: true },
    ),
    timeseries('Mean score', [q(`sum(rate(scoring_score_sum[${R}])) / sum(rate(scoring_score_count[${R}]))`, 'mean score')], { unit: 'percentunit', min: 0, w: 8 }),
    timeseries('Inference duration', [0.5, 0.99].map((p) => q(`histogram_quantile(${p}, sum by (le) (rate(scoring_inference_duration_seconds_bucket[${R}])))`, `p${p * 100}`)), {
      unit: 's',
      min: 0,
      w: 8,
    }),
    timeseries('Challenger failures (5 m)', [q('sum(increase(scoring_challenger_failures_total[5m]))', 'shadow scoring failed')], { unit: 'short', min: 0, w: 8 }),

    row('Performance'),
    timeseries(
      'Realised performance vs holdout reference',
      [
        q(`drift_realised_roc_auc{${M}}`, 'realised ROC AUC v{{model_version}}'),
        q(`drift_realised_average_precision{${M}}`, 'realised AP v{{model_version}}'),
        q(`drift_realised_precision_at_review{${M}}`, 'realised precision@review v{{model_version}}'),
        q(`drift_reference_roc_auc{${M}}`, 'reference ROC AUC v{{model_version}}'),
        q(`drift_reference_average_precision{${M}}`, 'reference AP v{{model_version}}'),
      ],
      { unit: 'percentunit', min: 0, max: 1, description: 'On labelled events of the performance window; RealisedPerformanceDrop compares with the reference.' },
    ),
    timeseries(
      'Estimated performance (CBPE) vs holdout reference',
      [
        q(`drift_estimated_roc_auc{${M}}`, 'estimated ROC AUC v{{model_version}}'),
        q(`drift_estimated_average_precision{${M}}`, 'estimated AP v{{model_version}}'),
        q(`drift_estimated_precision_at_review{${M}}`, 'estimated precision@review v{{model_version}}'),
        q(`drift_reference_roc_auc{${M}}`, 'reference ROC AUC v{{model_version}}'),
        q(`drift_reference_average_precision{${M}}`, 'reference AP v{{model_version}}'),
      ],
      { unit: 'percentunit', min: 0, max: 1, description: 'Confidence-based estimates from calibrated scores, available before labels arrive.' },
    ),
    timeseries('Calibration error (ECE)', [q(`drift_realised_calibration_error{${M}}`, 'ECE v{{model_version}}')], { unit: 'short', min: 0, threshold: 'calibrationError', w: 8 }),
    timeseries(
      'Evidence behind the numbers',
      [
        q(`drift_realised_labelled_events{${M}}`, 'labelled v{{model_version}}'),
        q(`drift_estimated_events{${M}}`, 'estimated v{{model_version}}'),
        q(`drift_window_events{${M}}`, 'window {{window}} v{{model_version}}'),
      ],
      { unit: 'short', min: 0, w: 8 },
    ),
    timeseries('Champion minus previous champion', [q(`drift_performance_delta_vs_previous{${M}}`, '{{metric}} v{{model_version}}')], {
      unit: 'short',
      threshold: 'rollbackMargin',
      thresholdSign: -1,
      w: 8,
      description: 'Below minus the rollback margin, PromotedModelUnderperforms rolls back. Present once the champion has enough events.',
    }),

    row('Business value'),
    ...valuePanels(),

    row('Versions'),
    stateTimeline('Served model (scoring)', [q('max by (model, version) (scoring_model_version)', '{{model}} v{{version}}')]),
    stateTimeline('Champion (drift monitor)', [q('max by (model_name, model_version, previous_version) (drift_champion_info)', '{{model_name}} v{{model_version}} (previous {{previous_version}})')]),
    timeseries('Model loads (5 m)', [q('sum by (outcome) (increase(scoring_model_loads_total[5m]))', '{{outcome}}')], { unit: 'short', min: 0 }),
    timeseries('Lifecycle events (5 m)', [q('sum by (action) (increase(scoring_lifecycle_events_total[5m]))', '{{action}}')], { unit: 'short', min: 0 }),
  ],
});

/** Realised beside estimated value, per version and experiment arm (monitoring/business-value.ts). */
function valuePanels(): ReturnType<typeof timeseries>[] {
  const est = valueRecords('estimated');
  const rea = valueRecords('realised');
  const legend = (kind: string): string => `${kind} v{{model_version}} {{experiment}} {{arm}} ({{currency}})`;
  return [
    timeseries('Value per 1,000 decisions: realised vs estimated', [q(`${rea.per1k}{${M}}`, legend('realised')), q(`${est.per1k}{${M}}`, legend('estimated'))], {
      unit: 'short',
      description:
        'Business value of the decisions (VALUE_* settings of the drift monitor) against approving everything, per 1,000 decisions. ' +
        'Estimated at scoring from the calibrated score; realised when the labels join, so it trails by the label delay. A realised value well below the estimate means the scores are overconfident.',
    }),
    timeseries('Net value / s: realised vs estimated', [q(`${rea.net}{${M}}`, legend('realised')), q(`${est.net}{${M}}`, legend('estimated'))], {
      unit: 'short',
      description: 'Benefit minus cost per second (currency units); scales with each version\'s and arm\'s traffic share.',
    }),
  ];
}
