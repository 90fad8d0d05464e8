export { featurizeOffline } from './offline-featurizer.ts';
export type { FeaturizableTransactions } from './offline-featurizer.ts';
export { timeSplit, HANDBOOK_TRAIN_START } from './time-split.ts';
export type { TimeSplitOptions, TimeSplitColumns, TimeSplit } from './time-split.ts';
