/**
 * Quantile binning of features into at most 255 value bins plus a missing bin, the input of histogram
 * GBDT training.
 *
 * The contract that makes trained trees exact in float32 (and therefore in ONNX): every feature has
 * ascending float32 upper edges `edges[0] < edges[1] < ... < edges[nb-1] = +Infinity`, and
 *     bin(x) = the smallest b with Math.fround(x) <= edges[b]
 * so for every non-missing x and every b:  bin(x) <= b  <=>  Math.fround(x) <= edges[b].
 * A tree split "bin <= b" learned on bins is thus exactly the model-format split "x <= edges[b]".
 * Inner edges sit at the float32 midpoint between the largest value of bin b and the smallest value of
 * bin b+1 (clamped so it stays strictly below the latter), so unseen values between two training values
 * are split halfway rather than all to one side. The last edge is +Infinity so values above the training
 * range land in the last bin; it is used as a threshold only by a "missing vs present" split.
 *
 * Codes: value bins are 0..nb-1 and the missing (NaN) code is nb, so a feature with 255 value bins
 * still fits a Uint8.
 */

import { ConfigError } from '@riskstream/shared';

export const MAX_BINS = 255;

export interface FeatureBinning {
  readonly featureNames: readonly string[];
  /** Per feature, ascending float32 upper edges; the last is +Infinity. */
  readonly edges: readonly Float32Array[];
}

/** Float32 threshold strictly between float32 values a < b, as close to the midpoint as float32 allows. */
function midpointEdge(a: number, b: number): number {
  const mid = Math.fround(a / 2 + b / 2);
  return mid >= b ? a : mid;
}

/**
 * Edges for one feature from its (unsorted, may contain NaN) values. With `weights` (one per value), bins
 * hold equal WEIGHT rather than equal counts: rows weighing more get finer bins where they lie.
 */
export function featureEdges(values: Float32Array, maxBins: number = MAX_BINS, weights?: Float32Array): Float32Array {
  if (!(Number.isInteger(maxBins) && maxBins >= 2 && maxBins <= MAX_BINS)) {
    throw new ConfigError([{ field: 'maxBins', problem: `must be an integer in [2, ${MAX_BINS}], got ${maxBins}` }]);
  }
  let n = 0;
  const present = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) present[n++] = v;
  }
  const sorted = present.subarray(0, n).sort();
  // Distinct values with their counts.
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; ) {
    const v = sorted[i]!;
    let j = i + 1;
    while (j < n && sorted[j] === v) j++;
    distinct.push(v);
    counts.push(j - i);
    i = j;
  }
  let total = n;
  if (weights !== undefined) {
    // Rows of weight w add w - 1 to their value's count (the sort above counted each row once).
    for (let i = 0; i < values.length; i++) {
      const w = weights[i]!;
      if (w === 1 || Number.isNaN(values[i]!)) continue;
      const k = indexOfDistinct(distinct, Math.fround(values[i]!));
      counts[k]! += w - 1;
      total += w - 1;
    }
  }
  const edges: number[] = [];
  if (distinct.length <= maxBins) {
    for (let k = 0; k + 1 < distinct.length; k++) edges.push(midpointEdge(distinct[k]!, distinct[k + 1]!));
  } else {
    // Greedy equal-frequency bins over distinct values: the per-bin target is recomputed from what is left,
    // so a heavy value (e.g. 0 in a payment amount) takes a bin of its own without starving the rest.
    let remaining = total;
    let binsLeft = maxBins;
    let acc = 0;
    for (let k = 0; k + 1 < distinct.length && binsLeft > 1; k++) {
      acc += counts[k]!;
      const target = remaining / binsLeft;
      const next = counts[k + 1]!;
      // Close the bin when it is full, or when adding the next value would overshoot more than stopping now.
      if (acc >= target || (acc + next > target && target - acc < acc + next - target)) {
        edges.push(midpointEdge(distinct[k]!, distinct[k + 1]!));
        remaining -= acc;
        binsLeft--;
        acc = 0;
      }
    }
  }
  edges.push(Number.POSITIVE_INFINITY);
  return Float32Array.from(edges);
}

/** Index of `v` in the ascending `distinct` values (it must be one of them). */
function indexOfDistinct(distinct: readonly number[], v: number): number {
  let lo = 0;
  let hi = distinct.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (distinct[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bin code of one value: 0..edges.length-1, or edges.length for NaN. */
export function binOf(edges: Float32Array, v: number): number {
  if (Number.isNaN(v)) return edges.length;
  const f = Math.fround(v);
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (f <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Per-row weights that give positive rows `positiveShare` of the total weight in the edge sketch
 * (undefined when `positiveShare` is 0 or the labels hold a single class: plain row quantiles).
 */
export function labelBalancedBinWeights(y: Uint8Array, positiveShare: number): Float32Array | undefined {
  if (positiveShare <= 0) return undefined;
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  if (pos === 0 || pos === y.length) return undefined;
  const wPos = (positiveShare / (1 - positiveShare)) * ((y.length - pos) / pos);
  return Float32Array.from(y, (v) => (v === 1 ? wPos : 1));
}

/** Fits edges for every feature of a row-major matrix (optionally weighted per row, see featureEdges). */
export function fitBinning(
  x: Float32Array,
  rows: number,
  featureNames: readonly string[],
  maxBins: number = MAX_BINS,
  weights?: Float32Array,
): FeatureBinning {
  const cols = featureNames.length;
  const column = new Float32Array(rows);
  const edges: Float32Array[] = [];
  for (let j = 0; j < cols; j++) {
    for (let i = 0, o = j; i < rows; i++, o += cols) column[i] = x[o]!;
    edges.push(featureEdges(column, maxBins, weights));
  }
  return { featureNames, edges };
}

/** Row-major Uint8 bin codes for a row-major matrix with the same columns as the binning. */
export function binMatrix(binning: FeatureBinning, x: Float32Array, rows: number): Uint8Array {
  const cols = binning.edges.length;
  const out = new Uint8Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const e = binning.edges[j]!;
    for (let i = 0, o = j; i < rows; i++, o += cols) out[o] = binOf(e, x[o]!);
  }
  return out;
}
