/**
 * Ranking metrics from fixed score bins, so that performance over a window of any size costs O(bins)
 * memory and time: each bin holds a (possibly fractional) weight of positives and of negatives.
 *
 * Bins are evenly spaced in LOGIT between 1e-6 and 1 - 1e-6: fraud scores crowd near 0 (most below
 * 0.01), where bins of equal width in probability would merge most events into one tie and pull the AUC
 * towards 0.5. With 1000 bins a bin spans 0.028 in logit, i.e. ~2.8% relative change of a small score.
 * Events in one bin are ties: AUC counts half a pair, AP takes the bin as one threshold step (exactly
 * scikit-learn's treatment of tied scores), so the only approximation is the grouping into bins.
 */

const LOGIT_LIMIT = Math.log(1e6);

export class ScoreBins {
  readonly count: number;
  readonly #scale: number;

  constructor(count: number) {
    if (!Number.isInteger(count) || count < 2) throw new RangeError(`score bins must be an integer >= 2, got ${count}`);
    this.count = count;
    this.#scale = count / (2 * LOGIT_LIMIT);
  }

  /** Bin of probability p (clamped into the end bins); -1 for NaN. */
  binOf(p: number): number {
    if (!(p >= 0 && p <= 1)) return -1;
    const logit = Math.log(p / (1 - p));
    const b = Math.floor((logit + LOGIT_LIMIT) * this.#scale);
    return b < 0 ? 0 : b >= this.count ? this.count - 1 : b;
  }

  /** Lower probability edge of bin b. */
  lowerEdge(b: number): number {
    return 1 / (1 + Math.exp(-(b / this.#scale - LOGIT_LIMIT)));
  }
}

/**
 * AUC = P(positive ranked above negative) + 0.5 P(tie), with ties = same bin:
 * sum_b pos_b * (neg below b + neg_b / 2) / (P * N). NaN without both classes.
 */
export function histogramAuc(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  let totalPos = 0;
  let totalNeg = 0;
  let pairs = 0;
  for (let b = 0; b < pos.length; b++) {
    pairs += pos[b]! * (totalNeg + neg[b]! / 2);
    totalPos += pos[b]!;
    totalNeg += neg[b]!;
  }
  return totalPos > 0 && totalNeg > 0 ? pairs / (totalPos * totalNeg) : Number.NaN;
}

/** AP = sum over thresholds (bins, descending) of precision * recall gained; NaN without positives. */
export function histogramAveragePrecision(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  let totalPos = 0;
  for (let b = 0; b < pos.length; b++) totalPos += pos[b]!;
  if (!(totalPos > 0)) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (let b = pos.length - 1; b >= 0; b--) {
    const dp = pos[b]!;
    tp += dp;
    fp += neg[b]!;
    if (dp > 0) ap += (dp / totalPos) * (tp / (tp + fp));
  }
  return ap;
}
