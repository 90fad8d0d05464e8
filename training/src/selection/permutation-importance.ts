/**
 * Permutation importance: how much a validation metric drops when one column is shuffled, breaking its
 * link to the label while keeping its distribution. Learner-agnostic (it only scores the model), measured
 * on held-out rows (so a feature the model overfits to gets no credit), and cheap next to a refit.
 *
 * Each column is shuffled `repeats` times; importance is the mean drop and its standard deviation
 * (population, as scikit-learn's permutation_importance reports). Column j's shuffles come from a
 * generator seeded by (seed, j), so a column's result does not depend on which other columns are scored.
 */

import { ConfigError, ValidationError } from '@riskstream/shared';
import type { ConfigIssue } from '@riskstream/shared';
import { predictBatch } from '@riskstream/shared/model';
import type { Model } from '@riskstream/shared/model';
import { mean, standardDeviation } from 'simple-statistics';
import type { Dataset } from '../data/dataset.ts';
import { selectColumns } from '../data/select-columns.ts';
import { averagePrecision } from '../metrics/average-precision.ts';
import { createRng, shuffleInPlace } from '../random.ts';

/** A higher-is-better score of predictions against 0/1 labels, e.g. averagePrecision or rocAuc. */
export type ScoreMetric = (scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>) => number;

export interface PermutationImportanceOptions {
  /** Shuffles per column (integer >= 1). */
  repeats: number;
  seed: number;
  /** Default: average precision. */
  metric?: ScoreMetric;
  /** Called after each column with (columns done, columns in total). */
  progress?: (done: number, total: number) => void;
}

export interface ColumnImportance {
  readonly feature: string;
  /** Mean drop of the metric over the repeats (baseline minus shuffled score); near 0 or below for noise. */
  readonly mean: number;
  readonly std: number;
  /** The drop of each repeat. */
  readonly drops: readonly number[];
}

export interface PermutationImportanceResult {
  /** The metric on the unshuffled validation set. */
  readonly baseline: number;
  /** One entry per model feature, in the model's featureNames order. */
  readonly columns: readonly ColumnImportance[];
}

function checkOptions(options: PermutationImportanceOptions): void {
  const issues: ConfigIssue[] = [];
  if (!(Number.isInteger(options.repeats) && options.repeats >= 1)) {
    issues.push({ field: 'repeats', problem: `must be an integer >= 1, got ${options.repeats}` });
  }
  if (!Number.isFinite(options.seed)) issues.push({ field: 'seed', problem: `must be a finite number, got ${options.seed}` });
  if (issues.length > 0) throw new ConfigError(issues);
}

/** The score, refusing an undefined one (e.g. AP with no positive validation rows) that would rank nothing. */
export function scoreModel(model: Model, valid: Dataset, metric: ScoreMetric): number {
  const score = metric(predictBatch(model, valid.x, valid.rows), valid.y, valid.weight);
  if (!Number.isFinite(score)) {
    throw new ValidationError('METRIC_UNDEFINED', [{ path: 'valid', problem: `the metric is ${score} (no positive rows?)` }]);
  }
  return score;
}

/** Seed of column j's generator: the column index mixed in by a golden-ratio multiply. */
function columnSeed(seed: number, j: number): number {
  return (Math.trunc(seed) + Math.imul(j + 1, 0x9e3779b9)) >>> 0;
}

function shuffledDrops(model: Model, valid: Dataset, work: Float32Array, j: number, baseline: number, options: PermutationImportanceOptions): number[] {
  const metric = options.metric ?? averagePrecision;
  const original = new Float32Array(valid.rows);
  for (let i = 0, o = j; i < valid.rows; i++, o += valid.cols) original[i] = work[o]!;
  const rng = createRng(columnSeed(options.seed, j));
  const column = new Float32Array(valid.rows);
  const drops: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    column.set(original);
    shuffleInPlace(column, rng);
    for (let i = 0, o = j; i < valid.rows; i++, o += valid.cols) work[o] = column[i]!;
    drops.push(baseline - metric(predictBatch(model, work, valid.rows), valid.y, valid.weight));
  }
  for (let i = 0, o = j; i < valid.rows; i++, o += valid.cols) work[o] = original[i]!;
  return drops;
}

/**
 * Permutation importance of every feature of `model` on `valid`. `valid` may hold more columns or a
 * different order: it is projected onto model.featureNames first (ValidationError if one is missing).
 */
export function permutationImportance(model: Model, valid: Dataset, options: PermutationImportanceOptions): PermutationImportanceResult {
  checkOptions(options);
  const aligned = selectColumns(valid, model.featureNames);
  const baseline = scoreModel(model, aligned, options.metric ?? averagePrecision);
  // selectColumns already copied x, so shuffling columns in place leaves the caller's data untouched.
  const work = aligned.x;
  const columns: ColumnImportance[] = [];
  for (let j = 0; j < aligned.cols; j++) {
    const drops = shuffledDrops(model, aligned, work, j, baseline, options);
    columns.push({ feature: aligned.featureNames[j]!, mean: mean(drops), std: standardDeviation(drops), drops });
    options.progress?.(j + 1, aligned.cols);
  }
  return { baseline, columns };
}
