/**
 * Lift: how much richer in positives the top-scored fraction of rows is than the whole, i.e.
 * precision(top fraction) / positive rate. A cutoff that falls inside a group of tied scores takes that
 * group's positives pro rata (the expected value over the tie's order), so results do not depend on
 * how a sort happened to order ties.
 */

import { tieGroups } from './ranking.ts';
import type { TieGroups } from './ranking.ts';

/** Weighted positives among the top `k` weight of rows (k may be fractional). */
function positivesInTop(g: TieGroups, k: number): number {
  let taken = 0;
  let pos = 0;
  for (let j = 0; j < g.count && taken < k; j++) {
    const size = g.pos[j]! + g.neg[j]!;
    const part = Math.min(1, (k - taken) / size);
    pos += part * g.pos[j]!;
    taken += part * size;
  }
  return pos;
}

/** Lift of the top `fraction` (0, 1] of rows; NaN when there are no positives. */
export function liftAt(scores: ArrayLike<number>, labels: ArrayLike<number>, fraction: number, weights?: ArrayLike<number>): number {
  const g = tieGroups(scores, labels, weights);
  const total = g.totalPos + g.totalNeg;
  if (g.totalPos === 0 || total === 0 || !(fraction > 0 && fraction <= 1)) return Number.NaN;
  const k = fraction * total;
  return positivesInTop(g, k) / k / (g.totalPos / total);
}

export interface LiftRow {
  /** Upper edge of the bucket as a fraction of rows, e.g. 0.1 for the top decile. */
  readonly fraction: number;
  /** Positive rate inside this bucket. */
  readonly rate: number;
  /** Bucket rate / overall rate. */
  readonly lift: number;
  /** Rate of the top `fraction` rows / overall rate. */
  readonly cumulativeLift: number;
  /** Share of all positives captured in the top `fraction` rows (the gains curve). */
  readonly capture: number;
}

/** Lift table over `buckets` equal-size buckets of rows (deciles by default), best bucket first. */
export function liftTable(scores: ArrayLike<number>, labels: ArrayLike<number>, buckets = 10, weights?: ArrayLike<number>): LiftRow[] {
  const g = tieGroups(scores, labels, weights);
  const total = g.totalPos + g.totalNeg;
  const base = total > 0 ? g.totalPos / total : 0;
  const rows: LiftRow[] = [];
  let prevPos = 0;
  for (let b = 1; b <= buckets; b++) {
    const fraction = b / buckets;
    const cumPos = positivesInTop(g, fraction * total);
    const bucketSize = total / buckets;
    const rate = bucketSize > 0 ? (cumPos - prevPos) / bucketSize : 0;
    rows.push({
      fraction,
      rate,
      lift: base > 0 ? rate / base : Number.NaN,
      cumulativeLift: base > 0 ? cumPos / (fraction * total) / base : Number.NaN,
      capture: g.totalPos > 0 ? cumPos / g.totalPos : Number.NaN,
    });
    prevPos = cumPos;
  }
  return rows;
}
