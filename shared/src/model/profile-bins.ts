/**
 * The bin and category conventions of a ReferenceProfile (see manifest.ts), in one place so that
 * training (which builds the reference histograms) and the drift monitor (which histograms live values
 * against them) cannot disagree about which bin or category a value belongs to.
 *
 * Numeric: edges e_0 < ... < e_k define k bins, bin i holds e_i < x <= e_{i+1}; values <= e_1 (including
 * those <= e_0) land in bin 0 and values > e_{k-1} (including those > e_k) in bin k-1, so every
 * non-missing value, +-Infinity included, has a bin. NaN is missing and has none (-1).
 *
 * Categorical: the key of a value is its decimal text (`String(v)`, so -0 and 0 share "0"), and a missing
 * value is counted under MISSING_CATEGORY.
 */

import { ModelError } from '../errors.ts';

/** Frequency key under which missing (NaN) values of a categorical feature are counted. */
export const MISSING_CATEGORY = 'missing';

/** Bin of `value` under the NumericProfile convention; -1 when `value` is NaN (missing). */
export function binIndex(edges: ArrayLike<number>, value: number): number {
  const k = edges.length - 1;
  if (k < 1) throw new ModelError('reference-profile', `binEdges must hold at least 2 edges, got ${edges.length}`);
  if (Number.isNaN(value)) return -1;
  // Smallest i in [1, k-1] with value <= e_i gives bin i-1; none means the last bin. Binary search
  // because the monitor calls this once per live value per feature.
  let lo = 1;
  let hi = k;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/**
 * Histogram of `values` over `edges`: share of each bin among non-missing values (all zeros when every
 * value is missing) and the share of missing values among all values (0 for an empty input).
 */
export function binProportions(edges: ArrayLike<number>, values: ArrayLike<number>): { proportions: number[]; missingRate: number } {
  const k = edges.length - 1;
  const counts = new Float64Array(Math.max(k, 0));
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const b = binIndex(edges, values[i]!);
    if (b < 0) missing++;
    else counts[b]!++;
  }
  const present = values.length - missing;
  return {
    proportions: Array.from(counts, (c) => (present > 0 ? c / present : 0)),
    missingRate: values.length > 0 ? missing / values.length : 0,
  };
}

/** Frequency key of a categorical value. */
export function categoryKey(value: number): string {
  return Number.isNaN(value) ? MISSING_CATEGORY : String(value);
}
