/**
 * Full-resolution ROC and precision–recall curves, one vertex per distinct score (a threshold cannot
 * separate tied scores, so each tie group is one step; see metrics/ranking.ts). Columns rather than point
 * objects because a large holdout has up to one vertex per row; callers thin them with downsampleCurve.
 * `threshold[i]` is the score at which vertex i is reached with the rule `score >= threshold`.
 */

import { tieGroups } from '../metrics/ranking.ts';
import type { TieGroups } from '../metrics/ranking.ts';

export interface RocColumns {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** NaN for the origin vertex (nothing flagged). */
  readonly threshold: Float64Array;
}

export interface PrColumns {
  readonly recall: Float64Array;
  readonly precision: Float64Array;
  readonly threshold: Float64Array;
}

/** ROC vertices from (0, 0) to (1, 1); empty when a class is absent (the curve is undefined). */
export function rocColumns(g: TieGroups): RocColumns {
  if (g.totalPos === 0 || g.totalNeg === 0) return { fpr: new Float64Array(0), tpr: new Float64Array(0), threshold: new Float64Array(0) };
  const fpr = new Float64Array(g.count + 1);
  const tpr = new Float64Array(g.count + 1);
  const threshold = new Float64Array(g.count + 1);
  threshold[0] = Number.NaN;
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < g.count; k++) {
    tp += g.pos[k]!;
    fp += g.neg[k]!;
    fpr[k + 1] = fp / g.totalNeg;
    tpr[k + 1] = tp / g.totalPos;
    threshold[k + 1] = g.score[k]!;
  }
  return { fpr, tpr, threshold };
}

/**
 * Precision–recall vertices from the top tie group down to "everything flagged" (recall 1, precision =
 * positive rate). No synthetic (0, 1) start is added: that point is not an achievable operating point.
 * Empty when there are no positives.
 */
export function prColumns(g: TieGroups): PrColumns {
  if (g.totalPos === 0) return { recall: new Float64Array(0), precision: new Float64Array(0), threshold: new Float64Array(0) };
  const recall = new Float64Array(g.count);
  const precision = new Float64Array(g.count);
  const threshold = new Float64Array(g.count);
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < g.count; k++) {
    tp += g.pos[k]!;
    fp += g.neg[k]!;
    recall[k] = tp / g.totalPos;
    precision[k] = tp + fp > 0 ? tp / (tp + fp) : 0;
    threshold[k] = g.score[k]!;
  }
  return { recall, precision, threshold };
}

export function scoreCurves(scores: ArrayLike<number>, labels: ArrayLike<number>): { roc: RocColumns; pr: PrColumns } {
  const g = tieGroups(scores, labels);
  return { roc: rocColumns(g), pr: prColumns(g) };
}
