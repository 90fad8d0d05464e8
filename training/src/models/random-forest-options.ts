/**
 * Random forest hyperparameters: names follow scikit-learn's RandomForestClassifier (n_estimators,
 * max_depth, min_samples_leaf, max_features, max_samples, bootstrap, class_weight) in camelCase, so values
 * tuned there transfer. `resolveRandomForestOptions` validates a partial object once, reports every problem
 * together and returns a frozen, complete object (the one recorded with a trained model).
 */

import { ConfigError } from '@riskstream/shared';
import type { ConfigIssue } from '@riskstream/shared';
import { MAX_BINS } from './binning.ts';
import type { ClassWeight } from './class-weights.ts';

/**
 * Features considered at each split: 'sqrt' and 'log2' of the feature count (at least 1, as scikit-learn),
 * or a share of the features in (0, 1] (1 = all features, i.e. bagged trees).
 */
export type MaxFeatures = 'sqrt' | 'log2' | number;

export interface RandomForestOptions {
  /** Number of trees. */
  nEstimators: number;
  /** Depth limit per tree; 0 = none (trees grow until minSamplesLeaf stops them). */
  maxDepth: number;
  /** Minimum number of distinct (bootstrapped) rows in each leaf. */
  minSamplesLeaf: number;
  maxFeatures: MaxFeatures;
  /** Draw each tree's rows with replacement; false = every tree sees every row once. */
  bootstrap: boolean;
  /** Bootstrap draws per tree as a share of the training rows (scikit-learn max_samples as a float). */
  maxSamples: number;
  /** Value bins per feature, <= 255 (see GbdtOptions.maxBins). */
  maxBins: number;
  /** Share of the bin-edge sketch's weight given to positive rows (see GbdtOptions.binPositiveShare). */
  binPositiveShare: number;
  classWeight: ClassWeight;
  seed: number;
}

/**
 * scikit-learn's RandomForestClassifier defaults, except a depth limit and five rows per leaf: fully grown
 * trees memorise the training rows, which makes the forest's mean leaf probability a poor margin for the
 * Platt calibration fitted on top of it.
 */
export const DEFAULT_RANDOM_FOREST_OPTIONS: Readonly<RandomForestOptions> = Object.freeze({
  nEstimators: 100,
  maxDepth: 12,
  minSamplesLeaf: 5,
  maxFeatures: 'sqrt',
  bootstrap: true,
  maxSamples: 1,
  maxBins: 255,
  binPositiveShare: 0.5,
  classWeight: 'none',
  seed: 0,
});

function checkInteger(issues: ConfigIssue[], o: RandomForestOptions, key: 'nEstimators' | 'maxDepth' | 'minSamplesLeaf' | 'maxBins', lo: number, hi: number): void {
  const v = o[key];
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi)) {
    issues.push({ field: key, problem: `must be an integer in [${lo}, ${hi}], got ${String(v)}` });
  }
}

function checkShare(issues: ConfigIssue[], key: string, v: unknown): void {
  if (!(typeof v === 'number' && v > 0 && v <= 1)) issues.push({ field: key, problem: `must be in (0, 1], got ${String(v)}` });
}

export function resolveRandomForestOptions(partial: Partial<RandomForestOptions> = {}): Readonly<RandomForestOptions> {
  const o: RandomForestOptions = { ...DEFAULT_RANDOM_FOREST_OPTIONS, ...partial };
  const issues: ConfigIssue[] = [];
  checkInteger(issues, o, 'nEstimators', 1, 1e5);
  checkInteger(issues, o, 'maxDepth', 0, 64);
  checkInteger(issues, o, 'minSamplesLeaf', 1, 1e12);
  checkInteger(issues, o, 'maxBins', 2, MAX_BINS);
  if (!(o.maxFeatures === 'sqrt' || o.maxFeatures === 'log2' || (typeof o.maxFeatures === 'number' && o.maxFeatures > 0 && o.maxFeatures <= 1))) {
    issues.push({ field: 'maxFeatures', problem: `must be 'sqrt', 'log2' or a share in (0, 1], got ${String(o.maxFeatures)}` });
  }
  if (typeof o.bootstrap !== 'boolean') issues.push({ field: 'bootstrap', problem: `must be true or false, got ${String(o.bootstrap)}` });
  checkShare(issues, 'maxSamples', o.maxSamples);
  if (o.bootstrap === false && o.maxSamples !== 1) issues.push({ field: 'maxSamples', problem: 'only applies with bootstrap; must be 1 when bootstrap is false' });
  if (!(typeof o.binPositiveShare === 'number' && o.binPositiveShare >= 0 && o.binPositiveShare < 1)) {
    issues.push({ field: 'binPositiveShare', problem: `must be in [0, 1), got ${String(o.binPositiveShare)}` });
  }
  if (!(o.classWeight === 'none' || o.classWeight === 'balanced' || (typeof o.classWeight === 'number' && o.classWeight > 0 && Number.isFinite(o.classWeight)))) {
    issues.push({ field: 'classWeight', problem: `must be 'none', 'balanced' or a positive number, got ${String(o.classWeight)}` });
  }
  if (!(typeof o.seed === 'number' && Number.isFinite(o.seed))) issues.push({ field: 'seed', problem: `must be a finite number, got ${String(o.seed)}` });
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(o);
}

/** Number of features a split considers out of `featureCount`. */
export function featuresPerSplit(maxFeatures: MaxFeatures, featureCount: number): number {
  const k = maxFeatures === 'sqrt' ? Math.sqrt(featureCount) : maxFeatures === 'log2' ? Math.log2(featureCount) : maxFeatures * featureCount;
  return Math.min(featureCount, Math.max(1, Math.floor(k)));
}
