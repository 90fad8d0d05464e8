/**
 * The reference profile stored in a model's manifest: per-feature histograms of the training data and a
 * histogram of the model's scores on it, against which the drift monitor compares live traffic.
 *
 * Decisions (documented because the monitor's PSI/KS numbers depend on them):
 * - Kind. A feature of the shared feature set (FEATURE_DEFINITIONS) takes its kind from its definition:
 *   the weekend/night flags are categorical, everything else numeric (counts stay numeric so that a count
 *   never seen in training is clipped into the last bin instead of becoming an unknown category). Any
 *   other feature is categorical when all its non-missing values are integers and it has at most
 *   `categoricalMaxDistinct` distinct values (SEX, EDUCATION, MARRIAGE, the PAY_* status codes of the
 *   UCI set), numeric otherwise. `kinds` overrides both.
 * - Numeric edges come from training quantiles: for bin j of k the cut is the value below which j/k of
 *   the non-missing values lie. The stored edge sits halfway between that value and the next distinct
 *   value, so no training value lies on an edge and a live value that differs from a training value only
 *   by float32 rounding still falls in the same bin. Ties (a value holding more than 1/k of the mass)
 *   merge bins, so a feature can have fewer than k bins. e_0 / e_k are the smallest / largest finite
 *   values; +-Infinity is left out of the cuts and clipped into the end bins.
 * - A numeric feature with one distinct value v gets edges [v - 2d, v - d, v, v + d] (d = max(0.5,
 *   |v| * 1e-6), large enough to stay distinct in double precision), i.e. proportions [0, 1, 0]: live
 *   values below v and above v then land in different bins, so a drift in either direction shows.
 * - A feature that is always missing gets edges [0, 1], proportions [0] and missingRate 1 (the form
 *   validateManifest accepts for it).
 * - Categorical frequencies are shares over ALL rows; missing values count under MISSING_CATEGORY.
 * - Sample weights are ignored: the monitor compares unweighted live traffic with this profile.
 */

import { ConfigError, ValidationError } from '@riskstream/shared';
import { FEATURE_DEFINITIONS } from '@riskstream/shared/features';
import { binProportions, categoryKey } from '@riskstream/shared/model';
import type { CategoricalProfile, FeatureProfile, NumericProfile, ReferenceProfile } from '@riskstream/shared/model';
import { featureColumn } from '../data/dataset.ts';
import type { Dataset } from '../data/dataset.ts';

export interface ReferenceProfileOptions {
  /** Target number of quantile bins per numeric feature and for the score (ties can merge bins). */
  bins?: number;
  /** An integer-valued feature with at most this many distinct values is profiled as categorical. */
  categoricalMaxDistinct?: number;
  /** Per-feature kind, overriding the rules above. */
  kinds?: Readonly<Record<string, 'numeric' | 'categorical'>>;
}

const DEFAULTS = { bins: 10, categoricalMaxDistinct: 12 };

const CATEGORICAL_AGGREGATES: ReadonlySet<string> = new Set(['weekend', 'night']);
const DEFINED_KINDS: ReadonlyMap<string, 'numeric' | 'categorical'> = new Map(
  FEATURE_DEFINITIONS.map((d) => [d.name, CATEGORICAL_AGGREGATES.has(d.aggregate) ? 'categorical' : 'numeric']),
);

/** Non-missing values sorted ascending (NaN removed; +-Infinity kept at the ends). */
function sortedPresent(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

/** A double strictly between a < b, as close to the midpoint as rounding allows (a when none is). */
function edgeBetween(a: number, b: number): number {
  const mid = a / 2 + b / 2;
  return mid > a && mid < b ? mid : a;
}

/** Quantile edges over the finite part of `sorted` (see the header); null when it has < 2 distinct values. */
export function quantileEdges(sorted: Float64Array, bins: number): number[] | null {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi && sorted[lo] === Number.NEGATIVE_INFINITY) lo++;
  while (hi > lo && sorted[hi - 1] === Number.POSITIVE_INFINITY) hi--;
  const n = hi - lo;
  if (n === 0 || sorted[lo] === sorted[hi - 1]) return null;
  const edges = [sorted[lo]!];
  for (let j = 1; j < bins; j++) {
    // Index of the value at or below which j/bins of the finite values lie.
    const p = lo + Math.ceil((j * n) / bins) - 1;
    const v = sorted[p]!;
    // First index holding a larger value (binary search: ties can be long runs).
    let a = p + 1;
    let b = hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (sorted[m]! > v) b = m;
      else a = m + 1;
    }
    if (a >= hi) break; // v is the maximum: every later cut is too
    const edge = edgeBetween(v, sorted[a]!);
    if (edge > edges[edges.length - 1]!) edges.push(edge);
  }
  const max = sorted[hi - 1]!;
  if (max > edges[edges.length - 1]!) edges.push(max);
  return edges;
}

function constantEdges(v: number): number[] {
  const d = Math.max(0.5, Math.abs(v) * 1e-6);
  return [v - 2 * d, v - d, v, v + d];
}

/** Numeric profile of `values` (NaN = missing) with quantile edges. */
export function numericProfile(values: ArrayLike<number>, bins: number = DEFAULTS.bins): NumericProfile {
  const sorted = sortedPresent(values);
  let edges: number[];
  if (sorted.length === 0) {
    return { kind: 'numeric', binEdges: [0, 1], proportions: [0], missingRate: values.length > 0 ? 1 : 0 };
  }
  const quantiles = quantileEdges(sorted, bins);
  if (quantiles) edges = quantiles;
  else {
    // One distinct finite value, or only infinities: centre on the finite value (or 0).
    const finite = sorted.find((v) => Number.isFinite(v));
    edges = constantEdges(finite ?? 0);
  }
  const { proportions, missingRate } = binProportions(edges, values);
  return { kind: 'numeric', binEdges: edges, proportions, missingRate };
}

/** Categorical profile: share of each value (and of missing values) over all values. */
export function categoricalProfile(values: ArrayLike<number>): CategoricalProfile {
  const counts = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const key = categoryKey(values[i]!);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  // Sorted keys (numeric order, missing last) so the manifest is byte-stable across runs.
  const keys = [...counts.keys()].sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    if (Number.isNaN(na) || Number.isNaN(nb)) return Number.isNaN(na) ? (Number.isNaN(nb) ? 0 : 1) : -1;
    return na - nb;
  });
  const frequencies: Record<string, number> = {};
  for (const k of keys) frequencies[k] = counts.get(k)! / values.length;
  return { kind: 'categorical', frequencies };
}

/** Whether `values` look categorical: integer-valued with at most `maxDistinct` distinct values. */
function looksCategorical(values: Float32Array, maxDistinct: number): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) return false;
    seen.add(v);
    if (seen.size > maxDistinct) return false;
  }
  return seen.size > 0;
}

function checkOptions(ds: Dataset, scores: ArrayLike<number>, bins: number, maxDistinct: number, kinds: Readonly<Record<string, string>>): void {
  const problems: { field: string; problem: string }[] = [];
  if (!(Number.isInteger(bins) && bins >= 2)) problems.push({ field: 'bins', problem: `must be an integer >= 2, got ${bins}` });
  if (!(Number.isInteger(maxDistinct) && maxDistinct >= 1)) {
    problems.push({ field: 'categoricalMaxDistinct', problem: `must be an integer >= 1, got ${maxDistinct}` });
  }
  for (const [name, kind] of Object.entries(kinds)) {
    if (!ds.featureNames.includes(name)) problems.push({ field: `kinds.${name}`, problem: 'is not a feature of the dataset' });
    if (kind !== 'numeric' && kind !== 'categorical') problems.push({ field: `kinds.${name}`, problem: `must be numeric or categorical, got ${kind}` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (ds.rows === 0) throw new ValidationError('PROFILE_EMPTY', [{ path: 'dataset', problem: 'has no rows to profile' }]);
  if (scores.length !== ds.rows) {
    throw new ValidationError('PROFILE_INPUT_MISMATCH', [{ path: 'scores', problem: `has ${scores.length} values, dataset has ${ds.rows} rows` }]);
  }
}

/** The reference profile of a training (or holdout) set and the model's scores on it. */
export function buildReferenceProfile(ds: Dataset, scores: ArrayLike<number>, opts: ReferenceProfileOptions = {}): ReferenceProfile {
  const bins = opts.bins ?? DEFAULTS.bins;
  const maxDistinct = opts.categoricalMaxDistinct ?? DEFAULTS.categoricalMaxDistinct;
  const kinds = opts.kinds ?? {};
  checkOptions(ds, scores, bins, maxDistinct, kinds);
  const features: Record<string, FeatureProfile> = {};
  for (let j = 0; j < ds.cols; j++) {
    const name = ds.featureNames[j]!;
    const column = featureColumn(ds, j);
    const kind = kinds[name] ?? DEFINED_KINDS.get(name) ?? (looksCategorical(column, maxDistinct) ? 'categorical' : 'numeric');
    features[name] = kind === 'categorical' ? categoricalProfile(column) : numericProfile(column, bins);
  }
  return { features, score: numericProfile(scores, bins) };
}
