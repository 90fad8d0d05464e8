import { join } from 'node:path';
import { field, serviceSchema, TOPICS, valueSchema, type ConfigIssue, type ConfigOf } from '@riskstream/shared';
import { banditConfigSchema, checkBanditConfig } from './experiments/bandit-config.ts';
import { CORRECTIONS } from './multiple-testing.ts';
import type { DriftSettings } from './drift-core.ts';

/** <repo>/.riskstream/registry, where `riskstream train` registers models (as scoring's default). */
export const DEFAULT_MODEL_SOURCE = join(import.meta.dirname, '..', '..', '..', '.riskstream', 'registry');

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The verdict defaults (windows, alpha, correction, PSI floor, minimum events, recompute cadence, the
 * auto feature selection) are tuned with bench/drift/stationary-bench.ts on the handbook simulator:
 * 0 dataset-level verdicts in ~2,000 count-window and ~100 daily evaluations over 1,000,000 stationary
 * events, and a +20% amount shift detected 3,200-3,400 events after its onset (target: within 5,000).
 */
export const driftMonitorConfigSchema = {
  ...serviceSchema(8094),
  groupId: field.string({ env: 'DRIFT_GROUP_ID', description: 'consumer group of the enriched, scored and label topics', default: 'riskstream-drift-monitor', pattern: /^[A-Za-z0-9._-]+$/ }),
  fromBeginning: field.bool({ env: 'DRIFT_FROM_BEGINNING', description: 'a new consumer group starts at the oldest retained record instead of the newest', default: false }),
  microBatchSize: field.int({ env: 'DRIFT_MICRO_BATCH_SIZE', description: 'records per handler call', default: 1000, min: 1, max: 10_000 }),
  modelSource: field.string({
    env: 'MODEL_SOURCE',
    description: 'model registry directory, or http(s) URL of `riskstream models serve`',
    default: DEFAULT_MODEL_SOURCE,
  }),
  modelName: field.string({ env: 'MODEL_NAME', description: 'registered model whose champion is monitored', default: 'fraud', pattern: /^[a-z0-9][a-z0-9_-]{0,63}$/i }),
  modelPollMs: field.int({ env: 'DRIFT_MODEL_POLL_MS', description: 'while no champion is known, how often to look for one (ms)', default: 5000, min: 100 }),
  modelReconcileMs: field.int({
    env: 'DRIFT_MODEL_RECONCILE_MS',
    description: 'how often to compare the followed champion with the registry alias, catching missed lifecycle events (ms, 0 = never)',
    default: 30_000,
    min: 0,
  }),
  modelFetchTimeoutMs: field.int({ env: 'DRIFT_MODEL_FETCH_TIMEOUT_MS', description: 'per-request timeout against a model server (ms)', default: 30_000, min: 100 }),
  features: field.string({
    env: 'DRIFT_FEATURES',
    description: 'monitored features: auto (all but calendar-dependent ones, see feature-selection.ts), all, or a comma-separated list',
    default: 'auto',
    pattern: /^\s*[A-Za-z0-9_.-]+(\s*,\s*[A-Za-z0-9_.-]+)*\s*$/,
  }),
  countWindow: field.int({ env: 'DRIFT_COUNT_WINDOW_EVENTS', description: 'sliding count window: the last N events', default: 5000, min: 100, max: 10_000_000 }),
  timeWindowMs: field.int({ env: 'DRIFT_TIME_WINDOW_MS', description: 'tumbling event-time window length (ms); UTC-aligned, so 1 day spans whole days', default: DAY_MS, min: 1000 }),
  allowedLatenessMs: field.int({
    env: 'DRIFT_ALLOWED_LATENESS_MS',
    description: 'a tumbling window stays open this long (event time) past its end for late events; must be below the window length',
    default: HOUR_MS,
    min: 0,
  }),
  alpha: field.number({ env: 'DRIFT_ALPHA', description: 'significance level of the drift tests (family-wise or FDR, per DRIFT_CORRECTION)', default: 0.01, min: 1e-12, max: 0.5 }),
  correction: field.oneOf({
    env: 'DRIFT_CORRECTION',
    description: 'multiple-testing correction across monitored features: benjamini-hochberg or sidak',
    values: CORRECTIONS,
    default: 'benjamini-hochberg',
  }),
  psiFloor: field.number({
    env: 'DRIFT_PSI_FLOOR',
    description: 'effect size: a feature drifts only when its test rejects AND its PSI is at least this',
    default: 0.02,
    min: 0,
  }),
  datasetDriftShare: field.number({
    env: 'DRIFT_DATASET_SHARE',
    description: 'share of monitored features that must drift for the dataset-level verdict (0 = any one)',
    default: 0,
    min: 0,
    max: 1,
  }),
  expectedPartitions: field.int({
    env: 'DRIFT_EXPECTED_PARTITIONS',
    description:
      'input partitions the count window must mix (each at least 1/(3N) of its events) before it may raise a verdict; ' +
      'a window read partition by partition while catching up on a backlog is a clustered sample. 1 = no check',
    default: TOPICS.transactionsEnriched.partitions,
    min: 1,
    max: 255,
  }),
  minEvents: field.int({ env: 'DRIFT_MIN_EVENTS', description: 'events a window needs before any verdict', default: 2000, min: 1 }),
  recomputeEveryEvents: field.int({
    env: 'DRIFT_RECOMPUTE_EVERY_EVENTS',
    description: 'recompute the sliding-window statistics after this many new events (checked after each micro-batch)',
    default: 500,
    min: 1,
  }),
  recomputeIntervalMs: field.int({
    env: 'DRIFT_RECOMPUTE_INTERVAL_MS',
    description: '... or when this long has passed since the last recompute and new events arrived (ms)',
    default: 1000,
    min: 0,
  }),
  performanceWindow: field.int({
    env: 'DRIFT_PERFORMANCE_WINDOW_EVENTS',
    description: 'performance windows: the last N scored events (estimated) and the last N labelled events (realised)',
    default: 50_000,
    min: 100,
    max: 10_000_000,
  }),
  minPerformanceEvents: field.int({
    env: 'DRIFT_MIN_PERFORMANCE_EVENTS',
    description: 'scored events (estimated) or labelled events (realised) needed before a performance number and a delta vs the previous champion are exported',
    default: 1000,
    min: 1,
  }),
  scoreBins: field.int({ env: 'DRIFT_SCORE_BINS', description: 'fixed score bins (logit-spaced) of the performance histograms', default: 1000, min: 10, max: 65_535 }),
  labelJoinCapacity: field.int({
    env: 'DRIFT_LABEL_JOIN_CAPACITY',
    description: 'recent scores kept to join labels to (by transaction id); rounded up to a power of two times 8, 24 bytes each; the value ledger keeps a second table of its own, 34 bytes each',
    default: 262_144,
    min: 64,
    max: 1 << 26,
  }),
  // The business value of decisions (riskstream_value_* metrics): VALUE_CURRENCY and the VALUE_* costs.
  ...valueSchema,
  ...banditConfigSchema,
} as const;

export type DriftMonitorConfig = ConfigOf<typeof driftMonitorConfigSchema>;

export function checkDriftMonitorConfig(c: DriftMonitorConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(c.modelSource)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    issues.push({ field: 'MODEL_SOURCE', problem: `must be a directory or an http(s) URL, got a ${scheme}:// URL` });
  }
  if (c.allowedLatenessMs >= c.timeWindowMs) {
    issues.push({ field: 'DRIFT_ALLOWED_LATENESS_MS', problem: `must be below DRIFT_TIME_WINDOW_MS (${c.timeWindowMs})` });
  }
  if (c.minEvents > c.countWindow) {
    issues.push({ field: 'DRIFT_MIN_EVENTS', problem: `must not exceed DRIFT_COUNT_WINDOW_EVENTS (${c.countWindow}), or the count window never gives a verdict` });
  }
  if (c.minPerformanceEvents > c.performanceWindow) {
    issues.push({ field: 'DRIFT_MIN_PERFORMANCE_EVENTS', problem: `must not exceed DRIFT_PERFORMANCE_WINDOW_EVENTS (${c.performanceWindow})` });
  }
  issues.push(...checkBanditConfig(c));
  return issues;
}

/** The statistics core's settings out of the service config. */
export function driftSettings(c: DriftMonitorConfig): DriftSettings {
  return {
    countWindow: c.countWindow,
    timeWindowMs: c.timeWindowMs,
    allowedLatenessMs: c.allowedLatenessMs,
    alpha: c.alpha,
    correction: c.correction,
    psiFloor: c.psiFloor,
    minEvents: c.minEvents,
    datasetDriftShare: c.datasetDriftShare,
  };
}
