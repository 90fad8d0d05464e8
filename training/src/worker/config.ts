import { join } from 'node:path';
import { DEFAULT_MODEL_SERVER_URL, field, serviceSchema, valueSchema, valueSettingsOf, type ConfigIssue, type ConfigOf } from '@riskstream/shared';
import { TERMINAL_DELAY_DAYS } from '@riskstream/shared/features';
import { DEFAULT_GATE } from '../pipeline/train-model.ts';
import { GATE_METRICS } from '../registry/promotion-gate.ts';
import type { TrainerSettings } from './trainer.ts';

/** <repo>/.riskstream/registry, where `riskstream train` registers models (training/src/worker -> repo). */
export const DEFAULT_REGISTRY_DIR = join(import.meta.dirname, '..', '..', '..', '.riskstream', 'registry');

export const trainerConfigSchema = {
  ...serviceSchema(8097),
  groupId: field.string({ env: 'TRAINER_GROUP_ID', description: 'consumer group of the trainer worker', default: 'riskstream-trainer' }),
  sessionTimeoutMs: field.int({
    env: 'TRAINER_SESSION_TIMEOUT_MS',
    description: 'consumer group session timeout; training runs in a worker thread, so heartbeats continue while it runs',
    default: 30_000,
    min: 6_000,
  }),
  registryDir: field.string({ env: 'MODEL_REGISTRY_DIR', description: 'model registry directory (the trainer keeps its run journal in <dir>/.trainer)', default: DEFAULT_REGISTRY_DIR }),
  modelServerUrl: field.url({
    env: 'MODEL_SERVER_URL',
    description: 'base URL of `riskstream models serve`, written into lifecycle events as the artifact URI',
    protocols: ['http:', 'https:'],
    default: DEFAULT_MODEL_SERVER_URL,
  }),
  offlineStoreDir: field.optionalString({
    env: 'OFFLINE_STORE_DIR',
    description: 'root of the offline store (Parquet lake written by the archiver); without it every RETRAIN is rejected, ROLLBACK still works',
  }),
  windowDays: field.int({
    env: 'TRAINER_WINDOW_DAYS',
    description: 'days of history ending at the cutoff (the event range_end) that a retrain reads: training days + holdout days + label delay',
    default: 28,
    min: 3,
    max: 3650,
  }),
  holdoutDays: field.int({
    env: 'TRAINER_HOLDOUT_DAYS',
    description: 'most recent days with mature labels held out to evaluate champion and challenger on the same rows',
    default: 7,
    min: 1,
    max: 365,
  }),
  labelDelayDays: field.int({
    env: 'TRAINER_LABEL_DELAY_DAYS',
    description: 'days before the cutoff whose labels are not mature yet; their transactions are used for neither training nor evaluation',
    default: TERMINAL_DELAY_DAYS,
    min: 0,
    max: 365,
  }),
  unlabelled: field.oneOf({
    env: 'TRAINER_UNLABELLED',
    description: 'transactions without a label known at the cutoff: genuine (the handbook convention: most are never labelled) or drop',
    values: ['genuine', 'drop'] as const,
    default: 'genuine',
  }),
  minTrainFrauds: field.int({ env: 'TRAINER_MIN_TRAIN_FRAUDS', description: 'fewer frauds in the training days rejects the retrain', default: 50, min: 1 }),
  minHoldoutFrauds: field.int({ env: 'TRAINER_MIN_HOLDOUT_FRAUDS', description: 'fewer frauds in the holdout days rejects the retrain (the gate needs positives)', default: 20, min: 1 }),
  features: field.optionalString({
    env: 'TRAINER_FEATURES',
    description: 'comma-separated feature names to train on (default: the champion\'s features, or the served feature set)',
  }),
  seed: field.int({ env: 'TRAINER_SEED', description: 'random seed of training and the bootstrap (same event + data -> same model)', default: 42, min: 0 }),
  searchTrials: field.int({ env: 'TRAINER_SEARCH_TRIALS', description: 'hyperparameter search trials (successive halving); 0 trains the tuned defaults', default: 0, min: 0, max: 1000 }),
  gateMetric: field.oneOf({
    env: 'GATE_METRIC',
    description: 'criterion the promotion gate compares on the holdout: roc_auc, average_precision, or value (total business value of each model\'s decisions at its own thresholds, VALUE_* settings, in VALUE_CURRENCY)',
    values: GATE_METRICS,
    default: DEFAULT_GATE.metric,
  }),
  gateMargin: field.number({
    env: 'GATE_MARGIN',
    description: 'minimum improvement over the champion, in metric units (at most 1 for roc_auc and average_precision; VALUE_CURRENCY over the holdout for value)',
    default: DEFAULT_GATE.margin,
    min: 0,
  }),
  gateIterations: field.int({ env: 'GATE_BOOTSTRAP_ITERATIONS', description: 'paired bootstrap resamples of the gate', default: DEFAULT_GATE.iterations, min: 100, max: 100_000 }),
  gateConfidence: field.number({ env: 'GATE_CONFIDENCE', description: 'two-sided confidence level of the gate\'s bootstrap interval', default: DEFAULT_GATE.confidence, min: 0.5, max: 0.999 }),
  shadowPeriodMs: field.int({
    env: 'SHADOW_PERIOD_MS',
    description: 'when > 0, a challenger that passed the gate first shadows the champion this long (challenger alias, SHADOW_STARTED) before promotion',
    default: 0,
    min: 0,
  }),
  // The value model of GATE_METRIC=value.
  ...valueSchema,
} as const;

export type TrainerConfig = ConfigOf<typeof trainerConfigSchema>;

const FEATURE_NAME = /^[A-Za-z0-9_.-]+$/;

/** Cross-field rules: the window must leave training days after the holdout and the label delay. */
export function checkTrainerConfig(c: TrainerConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (c.windowDays <= c.holdoutDays + c.labelDelayDays) {
    issues.push({
      field: 'TRAINER_WINDOW_DAYS',
      problem: `must exceed TRAINER_HOLDOUT_DAYS + TRAINER_LABEL_DELAY_DAYS (${c.holdoutDays} + ${c.labelDelayDays}) so some days are left to train on, got ${c.windowDays}`,
    });
  }
  if (c.gateMetric !== 'value' && c.gateMargin > 1) {
    issues.push({ field: 'GATE_MARGIN', problem: `must be <= 1 with GATE_METRIC=${c.gateMetric} (a ${c.gateMetric} difference), got ${c.gateMargin}` });
  }
  const features = parseFeatureList(c.features);
  if (features !== undefined && (features.length === 0 || !features.every((f) => FEATURE_NAME.test(f)) || new Set(features).size !== features.length)) {
    issues.push({ field: 'TRAINER_FEATURES', problem: 'must be distinct feature names separated by commas' });
  }
  return issues;
}

export function parseFeatureList(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The trainer's settings from its config. */
export function trainerSettings(c: TrainerConfig): TrainerSettings {
  const features = parseFeatureList(c.features);
  return {
    window: { windowDays: c.windowDays, holdoutDays: c.holdoutDays, labelDelayDays: c.labelDelayDays },
    unlabelled: c.unlabelled,
    minTrainFrauds: c.minTrainFrauds,
    minHoldoutFrauds: c.minHoldoutFrauds,
    ...(features ? { features } : {}),
    seed: c.seed,
    searchTrials: c.searchTrials,
    gate: {
      metric: c.gateMetric,
      margin: c.gateMargin,
      iterations: c.gateIterations,
      confidence: c.gateConfidence,
      ...(c.gateMetric === 'value' ? { value: valueSettingsOf(c) } : {}),
    },
    shadowPeriodMs: c.shadowPeriodMs,
    modelServerUrl: c.modelServerUrl,
  };
}
