/**
 * Area under the ROC curve, exact with ties: AUC = P(score of a random positive > score of a random
 * negative) + 0.5 * P(equal), i.e. the Mann–Whitney U statistic with average ranks for ties.
 * Returns NaN when one class is absent (AUC is undefined there, and 0.5 would hide the problem).
 * NaN scores are rejected, because sorting would silently place them at one end.
 */

import { ValidationError } from '@riskstream/shared';

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): void {
  if (scores.length !== labels.length || (weights && weights.length !== scores.length)) {
    throw new ValidationError('METRIC_INPUT_MISMATCH', [
      { path: 'scores', problem: `length ${scores.length} vs labels ${labels.length}${weights ? ` vs weights ${weights.length}` : ''}` },
    ]);
  }
}

/** Unweighted fast path: sort the two classes separately (typed-array sort) and merge. */
function unweightedAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  let np = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) np++;
  const nn = n - np;
  if (np === 0 || nn === 0) return Number.NaN;
  const pos = new Float64Array(np);
  const neg = new Float64Array(nn);
  let ip = 0;
  let ineg = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new ValidationError('METRIC_SCORE_NAN', [{ path: `scores[${i}]`, problem: 'is NaN' }]);
    if (labels[i] === 1) pos[ip++] = s;
    else neg[ineg++] = s;
  }
  pos.sort();
  neg.sort();
  // For each positive (ascending): lo = negatives strictly below, hi = negatives at or below.
  let lo = 0;
  let hi = 0;
  let u2 = 0; // twice the U statistic, kept integral so the sum is exact
  for (let i = 0; i < np; i++) {
    const s = pos[i]!;
    while (lo < nn && neg[lo]! < s) lo++;
    if (hi < lo) hi = lo;
    while (hi < nn && neg[hi]! <= s) hi++;
    u2 += lo + hi;
  }
  return u2 / 2 / (np * nn);
}

function weightedAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, weights: ArrayLike<number>): number {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i]!)) throw new ValidationError('METRIC_SCORE_NAN', [{ path: `scores[${i}]`, problem: 'is NaN' }]);
    order[i] = i;
  }
  order.sort((a, b) => scores[a]! - scores[b]!);
  let negBelow = 0;
  let area = 0;
  let wp = 0;
  for (let i = 0; i < n; ) {
    const s = scores[order[i]!]!;
    let gp = 0;
    let gn = 0;
    let j = i;
    for (; j < n && scores[order[j]!] === s; j++) {
      const r = order[j]!;
      if (labels[r] === 1) gp += weights[r]!;
      else gn += weights[r]!;
    }
    area += gp * (negBelow + 0.5 * gn);
    negBelow += gn;
    wp += gp;
    i = j;
  }
  if (wp === 0 || negBelow === 0) return Number.NaN;
  return area / (wp * negBelow);
}

/** ROC AUC of `scores` (higher = more likely positive) against 0/1 `labels`, optionally weighted. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  checkInputs(scores, labels, weights);
  return weights ? weightedAuc(scores, labels, weights) : unweightedAuc(scores, labels);
}
