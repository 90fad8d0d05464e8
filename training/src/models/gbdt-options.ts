/**
 * GBDT hyperparameters: names follow XGBoost/LightGBM where they mean the same thing, so tuned values
 * transfer. `resolveGbdtOptions` validates a partial object once, reports every problem together and
 * returns a frozen, complete object (the one recorded with a trained model).
 */

import { ConfigError } from '@riskstream/shared';
import type { ConfigIssue } from '@riskstream/shared';
import { MAX_BINS } from './binning.ts';
import type { ClassWeight } from './class-weights.ts';

export type Growth = 'depthwise' | 'leafwise';
export type EarlyStoppingMetric = 'logloss' | 'auc';

export interface GbdtOptions {
  /** Maximum boosting rounds (trees); early stopping may use fewer. */
  rounds: number;
  learningRate: number;
  /** depthwise: grow level by level to maxDepth; leafwise: always split the leaf with the best gain. */
  growth: Growth;
  /** Depth limit; 0 = none (only valid for leafwise). */
  maxDepth: number;
  /** Leaf limit per tree; 0 = none (only valid for depthwise). */
  maxLeaves: number;
  /** L2 regularisation of leaf values (XGBoost lambda). */
  lambda: number;
  /** Minimum loss reduction to make a split (XGBoost gamma), in 0.5*G^2/(H+lambda) units. */
  minSplitGain: number;
  /** Minimum hessian sum in each child (XGBoost min_child_weight). */
  minChildWeight: number;
  /** Minimum (sampled) row count in each child (LightGBM min_data_in_leaf). */
  minSamplesLeaf: number;
  /** Share of rows sampled without replacement per tree. */
  subsample: number;
  /** Share of features sampled per tree. */
  colsample: number;
  /** Share of the tree's features considered at each split. */
  colsampleByNode: number;
  /** Value bins per feature, <= 255. */
  maxBins: number;
  /**
   * Share of the bin-edge sketch's weight given to positive rows; 0 = plain row quantiles. With rare
   * positives, row quantiles spend nearly every bin where the negatives are and leave the positives'
   * region coarse: in a handbook training week every amount above 195 (where the > 220 fraud rule and the
   * x5 compromised-card amounts live) shared one bin, and XGBoost itself loses 0.04 AP going from exact
   * splits to 255 row-quantile bins. At 0.5 both classes weigh the same, so each gets about half the edges.
   */
  binPositiveShare: number;
  classWeight: ClassWeight;
  /** Rounds without improvement on the validation set before stopping; 0 disables early stopping. */
  earlyStoppingRounds: number;
  earlyStoppingMetric: EarlyStoppingMetric;
  seed: number;
}

/**
 * Defaults tuned on the UCI credit-default benchmark (training/bench/uci-quality.ts) with early stopping
 * on an inner validation split: a low learning rate with many small leaf-wise trees, feature subsampling
 * by half and moderate L2 beat deeper/faster settings there by ~0.002 AUC, and matched or beat
 * scikit-learn's HistGradientBoosting on the same splits.
 */
export const DEFAULT_GBDT_OPTIONS: Readonly<GbdtOptions> = Object.freeze({
  rounds: 2000,
  learningRate: 0.02,
  growth: 'leafwise',
  maxDepth: 0,
  maxLeaves: 16,
  lambda: 5,
  minSplitGain: 0,
  minChildWeight: 5,
  minSamplesLeaf: 20,
  subsample: 0.8,
  colsample: 0.5,
  colsampleByNode: 1,
  maxBins: 255,
  binPositiveShare: 0.5,
  classWeight: 'none',
  earlyStoppingRounds: 100,
  earlyStoppingMetric: 'logloss',
  seed: 0,
});

function checkRange(issues: ConfigIssue[], o: GbdtOptions, key: keyof GbdtOptions, lo: number, hi: number, loOpen: boolean, integer = false): void {
  const v = o[key];
  const ok = typeof v === 'number' && (loOpen ? v > lo : v >= lo) && v <= hi && (!integer || Number.isInteger(v));
  if (!ok) {
    issues.push({ field: key, problem: `must be ${integer ? 'an integer ' : ''}in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${String(v)}` });
  }
}

export function resolveGbdtOptions(partial: Partial<GbdtOptions> = {}): Readonly<GbdtOptions> {
  const o: GbdtOptions = { ...DEFAULT_GBDT_OPTIONS, ...partial };
  // When only the growth is switched, fall back to the limit that growth needs.
  if (partial.growth === 'depthwise' && partial.maxDepth === undefined && o.maxDepth === 0) o.maxDepth = 4;
  if (partial.growth === 'depthwise' && partial.maxLeaves === undefined) o.maxLeaves = 0;
  const issues: ConfigIssue[] = [];
  checkRange(issues, o, 'rounds', 1, 1e6, false, true);
  checkRange(issues, o, 'learningRate', 0, 10, true);
  checkRange(issues, o, 'maxDepth', 0, 64, false, true);
  checkRange(issues, o, 'maxLeaves', 0, 1 << 16, false, true);
  checkRange(issues, o, 'lambda', 0, 1e9, false);
  checkRange(issues, o, 'minSplitGain', 0, 1e9, false);
  checkRange(issues, o, 'minChildWeight', 0, 1e12, false);
  checkRange(issues, o, 'minSamplesLeaf', 1, 1e12, false, true);
  checkRange(issues, o, 'subsample', 0, 1, true);
  checkRange(issues, o, 'colsample', 0, 1, true);
  checkRange(issues, o, 'colsampleByNode', 0, 1, true);
  checkRange(issues, o, 'maxBins', 2, MAX_BINS, false, true);
  if (!(typeof o.binPositiveShare === 'number' && o.binPositiveShare >= 0 && o.binPositiveShare < 1)) {
    issues.push({ field: 'binPositiveShare', problem: `must be in [0, 1), got ${String(o.binPositiveShare)}` });
  }
  checkRange(issues, o, 'earlyStoppingRounds', 0, 1e6, false, true);
  if (!Number.isFinite(o.seed)) issues.push({ field: 'seed', problem: `must be a finite number, got ${o.seed}` });
  if (o.growth !== 'depthwise' && o.growth !== 'leafwise') {
    issues.push({ field: 'growth', problem: `must be depthwise or leafwise, got ${String(o.growth)}` });
  }
  if (o.growth === 'depthwise' && o.maxDepth === 0) issues.push({ field: 'maxDepth', problem: 'depthwise growth needs maxDepth >= 1' });
  if (o.growth === 'leafwise' && o.maxLeaves === 0 && o.maxDepth === 0) {
    issues.push({ field: 'maxLeaves', problem: 'leafwise growth needs maxLeaves >= 2 or maxDepth >= 1' });
  }
  if (o.growth === 'leafwise' && o.maxLeaves === 1) issues.push({ field: 'maxLeaves', problem: 'must be 0 or >= 2' });
  if (!(o.classWeight === 'none' || o.classWeight === 'balanced' || (typeof o.classWeight === 'number' && o.classWeight > 0 && Number.isFinite(o.classWeight)))) {
    issues.push({ field: 'classWeight', problem: `must be 'none', 'balanced' or a positive number, got ${String(o.classWeight)}` });
  }
  if (o.earlyStoppingMetric !== 'logloss' && o.earlyStoppingMetric !== 'auc') {
    issues.push({ field: 'earlyStoppingMetric', problem: `must be logloss or auc, got ${String(o.earlyStoppingMetric)}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(o);
}
