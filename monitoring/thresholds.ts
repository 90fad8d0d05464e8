/**
 * Every number the alerts and dashboards use, each with its unit: the one place to tune alerting
 * (the role kubernetes-mixin's `_config` plays). `node monitoring/generate.ts` turns these into the
 * Prometheus rule file, the Grafana alert rules and the dashboards; change a value here, regenerate,
 * commit both.
 */

export interface Threshold {
  readonly value: number;
  readonly unit: string;
  readonly description: string;
}

function t(value: number, unit: string, description: string): Threshold {
  return Object.freeze({ value, unit, description });
}

export const thresholds = Object.freeze({
  // --- evidence floors: below these an alert stays quiet, whatever the statistic says -----------------
  minWindowEvents: t(500, 'events', 'drift_window_events a drift window must hold before any drift or rollback alert may fire'),
  minLabelledEvents: t(1000, 'labelled events', 'drift_realised_labelled_events needed before realised performance or calibration alerts'),
  minEstimatedEvents: t(1000, 'events', 'drift_estimated_events needed before estimated (CBPE) performance alerts'),
  minLatencyEvents: t(100, 'scored events', 'events in the long burn-rate window before a latency SLO alert may fire'),

  // --- drift --------------------------------------------------------------------------------------------
  driftedFeatureShare: t(0.3, 'ratio of features [0,1]', 'share of features flagged drifted (drift_features_drifted_ratio) above which the model is retrained'),
  datasetDriftVerdict: t(0.5, 'verdict 0/1', 'drift_dataset_drifted above this (i.e. 1) means the drift monitor judged the whole window drifted'),
  featurePsi: t(0.25, 'PSI (unitless)', 'population stability index of one feature; 0.1-0.25 is a moderate shift, above 0.25 a major one'),
  scorePsi: t(0.2, 'PSI (unitless)', 'population stability index of the champion score distribution'),

  // --- model performance --------------------------------------------------------------------------------
  realisedPerformanceDrop: t(0.05, 'metric points (absolute ROC AUC / AP)', 'reference (holdout) minus realised ROC AUC or average precision'),
  estimatedPerformanceDrop: t(0.05, 'metric points (absolute ROC AUC / AP)', 'reference (holdout) minus CBPE-estimated ROC AUC or average precision'),
  calibrationError: t(0.02, 'ECE (probability)', 'expected calibration error of the champion on labelled events'),
  rollbackMargin: t(0.02, 'metric points (absolute)', 'the newly promoted champion may trail the previous one by at most this much on any tracked metric'),
  experimentArmStopped: t(0.5, 'stopped 0/1', 'drift_experiment_arm_stopped above this (i.e. 1): the bandit stopped an arm whose value trails the champion\'s'),

  // --- pipeline -----------------------------------------------------------------------------------------
  dlqRatio: t(0.01, 'fraction of consumed records', 'dead-lettered records per consumed record, per service and input topic'),
  consumerLag: t(10000, 'messages', 'unprocessed records of one service on one input topic (sum over partitions)'),
  consumerCrashes: t(0, 'crashes per window', 'consumer crashes (each followed by a restart) tolerated per crash window'),
  scrapeUp: t(1, 'up (1 = scraped)', 'a riskstream target whose `up` is below this failed its last scrape'),

  // --- scoring latency SLO ------------------------------------------------------------------------------
  latencySloSeconds: t(1, 'seconds', 'an event is good when scored within this long of ingest; must be a bucket bound of scoring_end_to_end_latency_seconds'),
  latencySloObjective: t(0.99, 'fraction of events', 'share of events that must be good; the error budget is 1 - objective'),
  fastBurnRate: t(14.4, 'x error budget rate', 'fast-burn factor (both fast windows must exceed it)'),
  slowBurnRate: t(6, 'x error budget rate', 'slow-burn factor (both slow windows must exceed it)'),
} satisfies Record<string, Threshold>);

export type ThresholdName = keyof typeof thresholds;

/**
 * `for:` durations and range windows. The dev stack scrapes and evaluates every 5 s, so a `for` of a few
 * evaluations is enough to ride out one odd scrape without making tests and demos wait minutes.
 */
export const durations = Object.freeze({
  for: Object.freeze({
    drift: '15s',
    featurePsi: '1m',
    performance: '30s',
    calibration: '1m',
    rollback: '15s',
    experimentStop: '0s',
    dlq: '30s',
    lag: '1m',
    crashes: '0s',
    serviceDown: '30s',
    burnFast: '15s',
    burnSlow: '1m',
  }),
  window: Object.freeze({
    /** rate() window for DLQ ratios; at least four scrapes. */
    dlq: '2m',
    crashes: '5m',
    /** Multiwindow burn rate (SRE workbook 1h/5m and 6h/30m, scaled down for a dev stack). */
    burnFastLong: '5m',
    burnFastShort: '1m',
    burnSlowLong: '30m',
    burnSlowShort: '5m',
  }),
});

/** Where the rules and dashboards point; uid as in grafana/provisioning/datasources/prometheus.yml. */
export const settings = Object.freeze({
  prometheusDatasourceUid: 'riskstream-prometheus',
  /** Grafana evaluates rule groups on multiples of its 10 s base interval. */
  grafanaEvaluationInterval: '10s',
  /** Range a Grafana alert query looks back over; the reduce step takes the last non-NaN point. */
  grafanaQueryRangeSeconds: 60,
  grafanaAlertFolder: 'riskstream alerts',
  runbookBase: 'monitoring/RUNBOOK.md',
  /** Env vars Grafana interpolates into the contact point; never committed values. */
  alertReceiverHostEnv: 'ALERT_RECEIVER_HOST',
  grafanaHmacSecretEnv: 'GRAFANA_WEBHOOK_HMAC_SECRET',
  alertReceiverPort: 8090,
  grafanaSignatureHeader: 'X-Grafana-Alerting-Signature',
  grafanaTimestampHeader: 'X-Grafana-Alerting-Timestamp',
});
