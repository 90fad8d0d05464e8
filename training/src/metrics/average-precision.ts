/**
 * Average precision: the area under the precision–recall curve as a step sum,
 * AP = sum over thresholds of (R_k - R_{k-1}) * P_k, thresholds at each distinct score (descending),
 * the same definition as scikit-learn's average_precision_score (no interpolation). Tied scores form
 * one step. NaN when there are no positives. Baseline for a random ranking is the positive rate, which
 * is why AP rather than AUC is the headline for rare fraud.
 */

import { tieGroups } from './ranking.ts';

export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const g = tieGroups(scores, labels, weights);
  if (g.totalPos === 0) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (let k = 0; k < g.count; k++) {
    const dp = g.pos[k]!;
    tp += dp;
    fp += g.neg[k]!;
    if (dp > 0) ap += (dp / g.totalPos) * (tp / (tp + fp));
  }
  return ap;
}
