/**
 * Reliability diagram and expected calibration error. Probabilities are grouped into bins (equal-width
 * on [0, 1] by default, or equal-count 'quantile' bins, better when scores crowd near 0 as fraud scores
 * do); each bin compares its mean predicted probability with its observed positive rate.
 * ECE = sum over bins of (bin weight / total) * |observed - predicted|; MCE is the largest such gap.
 * Empty bins are reported with count 0 and do not contribute.
 */

import { checkMetricInputs } from './ranking.ts';

export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  /** Weighted number of rows. */
  readonly count: number;
  readonly meanPredicted: number;
  readonly fractionPositive: number;
}

export interface CalibrationCurve {
  readonly bins: readonly ReliabilityBin[];
  readonly ece: number;
  readonly mce: number;
}

export interface CalibrationCurveOptions {
  bins?: number;
  strategy?: 'uniform' | 'quantile';
}

export function calibrationCurve(
  prob: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: CalibrationCurveOptions = {},
  weights?: ArrayLike<number>,
): CalibrationCurve {
  checkMetricInputs(prob, labels, weights);
  const nBins = options.bins ?? 10;
  const n = prob.length;
  const binOf = new Int32Array(n);
  const lower = new Float64Array(nBins);
  const upper = new Float64Array(nBins);
  if ((options.strategy ?? 'uniform') === 'uniform') {
    for (let b = 0; b < nBins; b++) {
      lower[b] = b / nBins;
      upper[b] = (b + 1) / nBins;
    }
    for (let i = 0; i < n; i++) binOf[i] = Math.min(nBins - 1, Math.max(0, Math.floor(prob[i]! * nBins)));
  } else {
    // Equal-count bins by rank; ties are kept in one bin so that the bin edges are real thresholds.
    const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => prob[a]! - prob[b]!);
    let b = 0;
    for (let k = 0; k < n; k++) {
      const target = Math.floor((k * nBins) / n);
      const i = order[k]!;
      if (target > b && (k === 0 || prob[i]! !== prob[order[k - 1]!]!)) b = target;
      binOf[i] = b;
    }
    lower.fill(Number.POSITIVE_INFINITY);
    upper.fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < n; i++) {
      const bb = binOf[i]!;
      lower[bb] = Math.min(lower[bb]!, prob[i]!);
      upper[bb] = Math.max(upper[bb]!, prob[i]!);
    }
  }
  const count = new Float64Array(nBins);
  const sumP = new Float64Array(nBins);
  const sumY = new Float64Array(nBins);
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    const b = binOf[i]!;
    count[b]! += w;
    sumP[b]! += w * prob[i]!;
    if (labels[i] === 1) sumY[b]! += w;
  }
  let total = 0;
  for (let b = 0; b < nBins; b++) total += count[b]!;
  let ece = 0;
  let mce = 0;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const c = count[b]!;
    const meanPredicted = c > 0 ? sumP[b]! / c : 0;
    const fractionPositive = c > 0 ? sumY[b]! / c : 0;
    if (c > 0) {
      const gap = Math.abs(fractionPositive - meanPredicted);
      ece += (c / total) * gap;
      mce = Math.max(mce, gap);
    }
    const lo = lower[b]!;
    const hi = upper[b]!;
    bins.push({ lower: Number.isFinite(lo) ? lo : Number.NaN, upper: Number.isFinite(hi) ? hi : Number.NaN, count: c, meanPredicted, fractionPositive });
  }
  return { bins, ece: total > 0 ? ece : Number.NaN, mce };
}

/** Expected calibration error alone. */
export function expectedCalibrationError(prob: ArrayLike<number>, labels: ArrayLike<number>, options: CalibrationCurveOptions = {}): number {
  return calibrationCurve(prob, labels, options).ece;
}
