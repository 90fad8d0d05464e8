/**
 * Thinning of a curve (ROC, precision–recall) to a bounded number of vertices for the report and the
 * evaluation JSON: a holdout of a million rows has up to a million distinct scores, far more than a chart
 * can show. Vertices are picked at equal steps of ARC LENGTH along the polyline rather than at equal
 * steps of index, because for rare fraud almost all rows sit in the flat tail of the curve while the
 * interesting part (the steep start of the ROC, the noisy head of the PR curve) spans few rows; arc
 * length gives that part points in proportion to how much the curve moves there.
 * The first and last vertices are always kept, so the curve still starts and ends where it should.
 */

import { ConfigError } from '@riskstream/shared';

/** Indices (ascending, unique) of at most `maxPoints` vertices of the polyline (x[i], y[i]). */
export function downsampleCurve(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints: number): number[] {
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new ConfigError([{ field: 'maxPoints', problem: `must be an integer >= 2, got ${maxPoints}` }]);
  const m = Math.min(x.length, y.length);
  if (m <= maxPoints) return Array.from({ length: m }, (_, i) => i);
  const cum = new Float64Array(m);
  for (let i = 1; i < m; i++) cum[i] = cum[i - 1]! + Math.hypot(x[i]! - x[i - 1]!, y[i]! - y[i - 1]!);
  // Where vertices are sparser than the arc-length targets (a steep start made of a few big steps),
  // several targets land on one vertex and the budget is wasted; so search for the largest number of
  // targets whose distinct picks still fit in maxPoints. maxPoints targets always fit, which keeps the
  // search's lower bound valid even where the count is not monotone in the number of targets.
  let lo = maxPoints;
  let hi = m;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (pickByArcLength(cum, mid).length <= maxPoints) lo = mid;
    else hi = mid - 1;
  }
  return pickByArcLength(cum, lo);
}

/** First vertex at or past each of `targets` equally spaced arc lengths (the ends included), deduplicated. */
function pickByArcLength(cum: Float64Array, targets: number): number[] {
  const m = cum.length;
  const total = cum[m - 1]!;
  const picked: number[] = [0];
  let i = 0;
  // targets - 2 interior targets, then the last vertex: never more than `targets` indices.
  for (let j = 1; j < targets - 1; j++) {
    const target = (total * j) / (targets - 1);
    while (i < m - 1 && cum[i]! < target) i++;
    if (i < m - 1 && i !== picked[picked.length - 1]) picked.push(i);
  }
  picked.push(m - 1);
  return picked;
}
