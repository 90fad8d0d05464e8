/**
 * Shared step of the ranking metrics: order rows by descending score and collapse equal scores into
 * tie groups, because every threshold-based metric must treat tied rows as one indivisible step (a
 * threshold cannot separate them). NaN scores are rejected for the same reason as in rocAuc.
 */

import { ValidationError } from '@riskstream/shared';

export interface TieGroups {
  /** Number of groups. */
  readonly count: number;
  /** Score of each group, descending. */
  readonly score: Float64Array;
  /** Weighted positives and negatives in each group. */
  readonly pos: Float64Array;
  readonly neg: Float64Array;
  readonly totalPos: number;
  readonly totalNeg: number;
}

export function checkMetricInputs(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): void {
  if (scores.length !== labels.length || (weights && weights.length !== scores.length)) {
    throw new ValidationError('METRIC_INPUT_MISMATCH', [
      { path: 'scores', problem: `length ${scores.length} vs labels ${labels.length}${weights ? ` vs weights ${weights.length}` : ''}` },
    ]);
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]!)) throw new ValidationError('METRIC_SCORE_NAN', [{ path: `scores[${i}]`, problem: 'is NaN' }]);
  }
}

export function tieGroups(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): TieGroups {
  checkMetricInputs(scores, labels, weights);
  const n = scores.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const score: number[] = [];
  const pos: number[] = [];
  const neg: number[] = [];
  let totalPos = 0;
  let totalNeg = 0;
  for (let k = 0; k < n; ) {
    const s = scores[order[k]!]!;
    let gp = 0;
    let gn = 0;
    for (; k < n && scores[order[k]!] === s; k++) {
      const i = order[k]!;
      const w = weights ? weights[i]! : 1;
      if (labels[i] === 1) gp += w;
      else gn += w;
    }
    score.push(s);
    pos.push(gp);
    neg.push(gn);
    totalPos += gp;
    totalNeg += gn;
  }
  return {
    count: score.length,
    score: Float64Array.from(score),
    pos: Float64Array.from(pos),
    neg: Float64Array.from(neg),
    totalPos,
    totalNeg,
  };
}
