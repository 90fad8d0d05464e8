/**
 * The bandit's settings that are the monitor's, not the experiment's (maxShare and minEvents come with
 * each experiment from `riskstream experiment start`). Spread into the drift monitor's config schema and
 * checked with checkBanditConfig, so a bad value is reported with every other problem at startup.
 */
import { field, type ConfigIssue, type ConfigOf } from '@riskstream/shared';
import type { BanditSettings } from './thompson.ts';
import type { PublishPolicy } from './experiment-controller.ts';

export const banditConfigSchema = {
  banditFloorShare: field.number({
    env: 'EXPERIMENT_FLOOR_SHARE',
    description: 'share of traffic every arm keeps until it has the experiment\'s --min-events labelled events (0..1, at most --max-share)',
    default: 0.05,
    min: 0,
    max: 1,
  }),
  banditStopMargin: field.number({
    env: 'EXPERIMENT_STOP_MARGIN',
    description: 'value per event (VALUE_CURRENCY) an arm may trail the control by before it is stopped automatically',
    default: 0.05,
    min: 0,
  }),
  banditStopConfidence: field.number({
    env: 'EXPERIMENT_STOP_CONFIDENCE',
    description: 'one-sided confidence that an arm trails the control by more than the margin before it is stopped (0.5..1)',
    default: 0.99,
    min: 0.5,
    max: 0.999999,
  }),
  banditEstimateWeight: field.number({
    env: 'EXPERIMENT_ESTIMATE_WEIGHT',
    description: 'weight of an event known only by its estimated value (no label yet) against a labelled one (0..1]',
    default: 0.5,
    min: 0.000001,
    max: 1,
  }),
  banditCalibrationPriorEvents: field.int({
    env: 'EXPERIMENT_CALIBRATION_PRIOR_EVENTS',
    description: 'labelled events of an arm at which half of their mean gap between realised and estimated value corrects its events still without a label',
    default: 200,
    min: 0,
  }),
  banditDraws: field.int({ env: 'EXPERIMENT_DRAWS', description: 'Monte Carlo draws for each arm\'s probability of being best', default: 4000, min: 100, max: 1_000_000 }),
  banditSeed: field.int({ env: 'EXPERIMENT_SEED', description: 'seed of the bandit\'s draws (a decision can be replayed)', default: 1, min: 0, max: 4_294_967_295 }),
  banditIntervalMs: field.int({ env: 'EXPERIMENT_DECIDE_INTERVAL_MS', description: 'longest time between two weight decisions (ms)', default: 60_000, min: 100 }),
  banditEveryEvents: field.int({ env: 'EXPERIMENT_DECIDE_EVERY_EVENTS', description: 'scored or labelled events that trigger a weight decision before the interval', default: 5000, min: 1 }),
  banditMinChange: field.number({
    env: 'EXPERIMENT_MIN_WEIGHT_CHANGE',
    description: 'new weights are published only when some arm\'s share moves by at least this much (a stop is always published)',
    default: 0.02,
    min: 0,
    max: 1,
  }),
  banditPendingCapacity: field.int({
    env: 'EXPERIMENT_PENDING_LABELS',
    description: 'events per experiment held for their label (about 200 bytes each); older ones keep their estimated value',
    default: 200_000,
    min: 1000,
    max: 50_000_000,
  }),
  banditLabelSample: field.number({
    env: 'EXPERIMENT_LABEL_SAMPLE',
    description: 'share of transactions held for their label (0..1]; the rest keep their estimate, corrected by the sample; sample × events/s × label delay (s) should fit EXPERIMENT_PENDING_LABELS',
    default: 1,
    min: 0.000001,
    max: 1,
  }),
} as const;

export type BanditConfig = ConfigOf<typeof banditConfigSchema>;

export function checkBanditConfig(c: BanditConfig): ConfigIssue[] {
  return c.banditStopConfidence > 0.5 ? [] : [{ field: 'EXPERIMENT_STOP_CONFIDENCE', problem: `must be above 0.5, got ${c.banditStopConfidence}` }];
}

/** The settings of one experiment's bandit: the monitor's config with the experiment's arms, cap and minimum. */
export function banditSettings(c: BanditConfig, experiment: { readonly arms: readonly unknown[]; readonly maxShare: number; readonly minEvents: number }): BanditSettings {
  return Object.freeze({
    maxShare: experiment.maxShare,
    minEvents: experiment.minEvents,
    // Every arm's floor must fit in the traffic, and no floor may exceed the cap.
    floorShare: Math.min(c.banditFloorShare, experiment.maxShare, 1 / experiment.arms.length),
    stopMargin: c.banditStopMargin,
    stopConfidence: c.banditStopConfidence,
    estimateWeight: c.banditEstimateWeight,
    priorEvents: 1,
    calibrationPriorEvents: c.banditCalibrationPriorEvents,
    draws: c.banditDraws,
  });
}

export function publishPolicy(c: BanditConfig): PublishPolicy {
  return Object.freeze({ intervalMs: c.banditIntervalMs, everyEvents: c.banditEveryEvents, minChange: c.banditMinChange });
}
