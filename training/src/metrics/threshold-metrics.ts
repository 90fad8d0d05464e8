/**
 * Confusion-matrix metrics at decision thresholds. A row is flagged when `score >= threshold`.
 * Conventions for empty denominators follow scikit-learn's zero_division=0: precision is 0 when nothing
 * is flagged, recall is 0 when there are no positives, F1 is 0 when precision + recall is 0.
 */

import { checkMetricInputs, tieGroups } from './ranking.ts';

export interface ThresholdMetrics {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** False positive rate fp / (fp + tn). */
  readonly fpr: number;
  readonly accuracy: number;
  /** Share of rows flagged. */
  readonly flaggedRate: number;
}

function fromCounts(threshold: number, tp: number, fp: number, tn: number, fn: number): ThresholdMetrics {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const total = tp + fp + tn + fn;
  return {
    threshold,
    tp,
    fp,
    tn,
    fn,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    fpr: fp + tn > 0 ? fp / (fp + tn) : 0,
    accuracy: total > 0 ? (tp + tn) / total : 0,
    flaggedRate: total > 0 ? (tp + fp) / total : 0,
  };
}

/** Metrics at one threshold. */
export function metricsAtThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number, weights?: ArrayLike<number>): ThresholdMetrics {
  checkMetricInputs(scores, labels, weights);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const w = weights ? weights[i]! : 1;
    const flagged = scores[i]! >= threshold;
    if (labels[i] === 1) {
      if (flagged) tp += w;
      else fn += w;
    } else if (flagged) fp += w;
    else tn += w;
  }
  return fromCounts(threshold, tp, fp, tn, fn);
}

/** Metrics at several thresholds (one pass per threshold; use for a handful of operating points). */
export function metricsAtThresholds(scores: ArrayLike<number>, labels: ArrayLike<number>, thresholds: readonly number[], weights?: ArrayLike<number>): ThresholdMetrics[] {
  return thresholds.map((t) => metricsAtThreshold(scores, labels, t, weights));
}

/** The threshold (one of the scores) with the highest F1, scanning every distinct score once. */
export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): ThresholdMetrics {
  const g = tieGroups(scores, labels, weights);
  let tp = 0;
  let fp = 0;
  let best = fromCounts(Number.POSITIVE_INFINITY, 0, 0, g.totalNeg, g.totalPos);
  for (let k = 0; k < g.count; k++) {
    tp += g.pos[k]!;
    fp += g.neg[k]!;
    const m = fromCounts(g.score[k]!, tp, fp, g.totalNeg - fp, g.totalPos - tp);
    if (m.f1 > best.f1) best = m;
  }
  return best;
}
