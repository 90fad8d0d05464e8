/**
 * Feature selection for `riskstream train --select-features auto|K`: keep a subset of the features that
 * does not lose more than `margin` average precision (absolute) on the validation set. Learner-agnostic:
 * the caller passes `fit`, which trains whatever model it trains (with its own early stopping) and
 * returns it; this module only refits on column subsets and scores.
 *
 * 1. Fit on all features; its validation AP is the reference.
 * 2. Rank the features by permutation importance on the validation set (one fit, F * repeats scorings),
 *    ties broken by the caller's gain importance when given, then by column order.
 * 3. Mode K: refit on the top K and report its AP (kept whatever the AP; the report shows the loss).
 *    Mode 'auto': drop-column checks on prefixes of the weakest-first ranking, by bisection. The question
 *    "how many of the weakest features can go?" is answered by a binary search over the prefix length:
 *    try dropping the weakest half of the candidates; if AP stays >= reference - margin (on every split,
 *    with extra folds) keep them dropped
 *    and try half of what is left on top, otherwise try half as many. That needs about log2(F) refits
 *    where a one-at-a-time walk needs up to F - 1, and `maxRefits` bounds it anyway. The strongest
 *    feature is never a candidate, so at least one is kept.
 *
 * Every accepted subset is compared with the reference, not with the previous step, so small losses
 * cannot accumulate past the margin; the subset returned was itself fitted and measured, so the final AP
 * is a measured value within the margin (in mode 'auto'), not an estimate.
 */

import { ConfigError, ModelError } from '@riskstream/shared';
import type { ConfigIssue } from '@riskstream/shared';
import type { Model } from '@riskstream/shared/model';
import type { Dataset } from '../data/dataset.ts';
import { selectColumns } from '../data/select-columns.ts';
import { averagePrecision } from '../metrics/average-precision.ts';
import { permutationImportance, scoreModel } from './permutation-importance.ts';

/** Trains a model on `train` (using `valid` for early stopping or the like); its featureNames must be train's. */
export type FitFunction = (train: Dataset, valid: Dataset) => Model;

export type SelectionMode = 'auto' | number;

export type SelectionStage = 'reference' | 'importance' | 'refit';

/** Another train/validation split of the same rows; every AP is then the mean over all splits. */
export interface SelectionFold {
  readonly train: Dataset;
  readonly valid: Dataset;
}

export interface FeatureSelectionOptions {
  /** More splits to average every AP over (cost: one more fit per split and subset). */
  extraFolds?: readonly SelectionFold[];
  fit: FitFunction;
  /** 'auto', or the number of features to keep (integer in [1, F]). */
  mode: SelectionMode;
  /** Seeds the permutation shuffles. */
  seed: number;
  /** Largest acceptable loss of validation AP in mode 'auto', absolute (0.005 = half a point). */
  margin?: number;
  /** Mode 'auto': most refits after the reference fit. */
  maxRefits?: number;
  /** Permutation shuffles per feature. */
  repeats?: number;
  /** Gain importance aligned with train.featureNames (e.g. GbdtResult.importance); breaks ranking ties. */
  importance?: { readonly gain: ArrayLike<number> };
  /** A model `fit` already returned for all of train's features; skips the reference fit. */
  fullModel?: Model;
  progress?: (stage: SelectionStage, done: number, total: number) => void;
}

export const DEFAULT_FEATURE_SELECTION = Object.freeze({ margin: 0.005, maxRefits: 8, repeats: 5 });

export interface FeatureRank {
  readonly feature: string;
  /** Mean drop of validation AP when the feature is shuffled. */
  readonly permutation: number;
  readonly permutationStd: number;
  readonly gain?: number;
}

export interface SelectionStep {
  /** Every feature left out of this refit (not only the ones added since the previous step). */
  readonly tried: readonly string[];
  readonly ap: number;
  /** Mode 'auto': AP >= reference - margin, so these stay dropped. Mode K: always true. */
  readonly accepted: boolean;
}

export interface FeatureSelectionResult {
  readonly mode: SelectionMode;
  readonly margin: number;
  /** Kept features in train's column order: the featureNames of `model`. */
  readonly kept: readonly string[];
  /** Dropped features, weakest first. */
  readonly dropped: readonly string[];
  readonly reference: { readonly ap: number };
  readonly final: { readonly ap: number };
  /** final.ap >= reference.ap - margin (always true in mode 'auto'). */
  readonly withinMargin: boolean;
  /** Every feature, strongest first. */
  readonly ranking: readonly FeatureRank[];
  readonly steps: readonly SelectionStep[];
  /** The model fitted on `kept` (the reference model when nothing was dropped). */
  readonly model: Model;
}

interface ResolvedOptions {
  readonly fit: FitFunction;
  readonly mode: SelectionMode;
  readonly seed: number;
  readonly margin: number;
  readonly maxRefits: number;
  readonly repeats: number;
  readonly gain: Float64Array | undefined;
  readonly fullModel: Model | undefined;
  readonly extraFolds: readonly SelectionFold[];
  readonly progress: FeatureSelectionOptions['progress'];
}

function isCount(v: unknown, min: number, max = Number.POSITIVE_INFINITY): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function optionIssues(o: FeatureSelectionOptions, features: number): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (typeof o.fit !== 'function') issues.push({ field: 'fit', problem: 'must be a function (train, valid) => Model' });
  if (o.mode !== 'auto' && !isCount(o.mode, 1, features)) {
    issues.push({ field: 'mode', problem: `must be 'auto' or an integer in [1, ${features}] (the feature count), got ${String(o.mode)}` });
  }
  if (!Number.isFinite(o.seed)) issues.push({ field: 'seed', problem: `must be a finite number, got ${o.seed}` });
  const margin = o.margin ?? DEFAULT_FEATURE_SELECTION.margin;
  if (!(Number.isFinite(margin) && margin >= 0)) issues.push({ field: 'margin', problem: `must be a finite number >= 0, got ${margin}` });
  const maxRefits = o.maxRefits ?? DEFAULT_FEATURE_SELECTION.maxRefits;
  if (!isCount(maxRefits, 1)) issues.push({ field: 'maxRefits', problem: `must be an integer >= 1, got ${maxRefits}` });
  const repeats = o.repeats ?? DEFAULT_FEATURE_SELECTION.repeats;
  if (!isCount(repeats, 1)) issues.push({ field: 'repeats', problem: `must be an integer >= 1, got ${repeats}` });
  if (o.importance && o.importance.gain.length !== features) {
    issues.push({ field: 'importance.gain', problem: `has ${o.importance.gain.length} values, expected one per feature (${features})` });
  }
  return issues;
}

function resolveOptions(o: FeatureSelectionOptions, features: number): ResolvedOptions {
  const issues = optionIssues(o, features);
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze({
    fit: o.fit,
    mode: o.mode,
    seed: o.seed,
    margin: o.margin ?? DEFAULT_FEATURE_SELECTION.margin,
    maxRefits: o.maxRefits ?? DEFAULT_FEATURE_SELECTION.maxRefits,
    repeats: o.repeats ?? DEFAULT_FEATURE_SELECTION.repeats,
    gain: o.importance ? Float64Array.from(o.importance.gain) : undefined,
    fullModel: o.fullModel,
    extraFolds: o.extraFolds ?? [],
    progress: o.progress,
  });
}

interface Fitted {
  readonly model: Model;
  /** Mean of `aps`. */
  readonly ap: number;
  /** AP on each split (the first, then the extra folds). */
  readonly aps: readonly number[];
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, j) => name === b[j]);
}

/**
 * Fits on `names` (in train's column order) and scores on valid; refuses a model over other columns. With
 * extra folds, fits on each too and the AP is the mean over all: one validation split's AP varies by more
 * than a typical margin, so a subset judged on one split can lose more than the margin on new data.
 */
function fitOn(train: Dataset, valid: Dataset, names: readonly string[], o: Pick<ResolvedOptions, 'fit' | 'extraFolds'>): Fitted {
  const first = fitOne(train, valid, names, o.fit);
  if (o.extraFolds.length === 0) return first;
  const aps = [first.ap, ...o.extraFolds.map((f) => fitOne(f.train, f.valid, names, o.fit).ap)];
  return { model: first.model, ap: aps.reduce((a, b) => a + b, 0) / aps.length, aps };
}

function fitOne(train: Dataset, valid: Dataset, names: readonly string[], fit: FitFunction): Fitted {
  const subTrain = sameNames(names, train.featureNames) ? train : selectColumns(train, names);
  const subValid = sameNames(names, valid.featureNames) ? valid : selectColumns(valid, names);
  return checkedFit(fit(subTrain, subValid), subValid);
}

function checkedFit(model: Model, valid: Dataset): Fitted {
  if (!sameNames(model.featureNames, valid.featureNames)) {
    throw new ModelError(
      'feature-selection',
      `fit returned a model over [${model.featureNames.join(', ')}] for the columns [${valid.featureNames.join(', ')}]`,
    );
  }
  const ap = scoreModel(model, valid, averagePrecision);
  return { model, ap, aps: [ap] };
}

/** Strongest first: permutation importance, then gain, then column order. */
export function rankFeatures(
  names: readonly string[],
  permutation: readonly { readonly mean: number; readonly std: number }[],
  gain?: ArrayLike<number>,
): FeatureRank[] {
  const rows = names.map((feature, j) => ({
    j,
    rank: {
      feature,
      permutation: permutation[j]!.mean,
      permutationStd: permutation[j]!.std,
      ...(gain ? { gain: gain[j]! } : {}),
    } satisfies FeatureRank,
  }));
  rows.sort((a, b) => b.rank.permutation - a.rank.permutation || (b.rank.gain ?? 0) - (a.rank.gain ?? 0) || a.j - b.j);
  return rows.map((r) => r.rank);
}

/** train's features without `drop`, in train's column order. */
function without(train: Dataset, drop: readonly string[]): string[] {
  const out = new Set(drop);
  return train.featureNames.filter((name) => !out.has(name));
}

interface Search {
  readonly best: Fitted;
  readonly dropped: readonly string[];
  readonly steps: readonly SelectionStep[];
}

function keepTopK(train: Dataset, valid: Dataset, ranking: readonly FeatureRank[], k: number, o: ResolvedOptions, full: Fitted): Search {
  if (k === ranking.length) return { best: full, dropped: [], steps: [] };
  const dropped = ranking.slice(k).map((r) => r.feature).reverse();
  o.progress?.('refit', 0, 1);
  const best = fitOn(train, valid, without(train, dropped), o);
  o.progress?.('refit', 1, 1);
  return { best, dropped, steps: [{ tried: dropped, ap: best.ap, accepted: true }] };
}

/** Refits a bisection over the weakest-first prefix length needs at most: ceil(log2(candidates + 1)). */
export function bisectionRefits(candidates: number): number {
  return Math.ceil(Math.log2(candidates + 1));
}

/**
 * Invariant: dropping the first `lo` candidates was accepted (lo = 0: the reference itself) and dropping
 * the first `hi` was rejected (hi = candidates + 1 stands for "not tried").
 */
function dropWeakest(train: Dataset, valid: Dataset, ranking: readonly FeatureRank[], o: ResolvedOptions, full: Fitted): Search {
  const candidates = ranking.slice(1).map((r) => r.feature).reverse();
  const total = Math.min(o.maxRefits, bisectionRefits(candidates.length));
  const steps: SelectionStep[] = [];
  let best = full;
  let lo = 0;
  let hi = candidates.length + 1;
  if (total > 0) o.progress?.('refit', 0, total);
  while (hi - lo > 1 && steps.length < o.maxRefits) {
    const mid = Math.floor((lo + hi) / 2);
    const tried = candidates.slice(0, mid);
    const fitted = fitOn(train, valid, without(train, tried), o);
    // Within the margin on every split, not only on average: a subset that loses more on one split is
    // not reliably within the margin on new data.
    const accepted = fitted.aps.every((ap, i) => ap >= full.aps[i]! - o.margin);
    steps.push({ tried, ap: fitted.ap, accepted });
    if (accepted) [lo, best] = [mid, fitted];
    else hi = mid;
    o.progress?.('refit', Math.min(steps.length, total), total);
  }
  if (total > 0 && steps.length < total) o.progress?.('refit', total, total);
  return { best, dropped: candidates.slice(0, lo), steps };
}

/** Chooses a subset of train's features; see the module comment. `valid` is aligned to train's columns. */
export function selectFeatures(train: Dataset, valid: Dataset, options: FeatureSelectionOptions): FeatureSelectionResult {
  const o = resolveOptions(options, train.cols);
  const aligned = sameNames(valid.featureNames, train.featureNames) ? valid : selectColumns(valid, train.featureNames);
  o.progress?.('reference', 0, 1);
  const full = o.fullModel && o.extraFolds.length === 0 ? checkedFit(o.fullModel, aligned) : fitOn(train, aligned, train.featureNames, o);
  o.progress?.('reference', 1, 1);
  const importance = permutationImportance(full.model, aligned, {
    repeats: o.repeats,
    seed: o.seed,
    metric: averagePrecision,
    progress: (done, total) => o.progress?.('importance', done, total),
  });
  const ranking = rankFeatures(train.featureNames, importance.columns, o.gain);
  const search = o.mode === 'auto' ? dropWeakest(train, aligned, ranking, o, full) : keepTopK(train, aligned, ranking, o.mode, o, full);
  return {
    mode: o.mode,
    margin: o.margin,
    kept: search.best.model.featureNames,
    dropped: search.dropped,
    reference: { ap: full.ap },
    final: { ap: search.best.ap },
    withinMargin: search.best.ap >= full.ap - o.margin,
    ranking,
    steps: search.steps,
    model: search.best.model,
  };
}
