/**
 * Decision thresholds on the calibrated probability (scoring flags review when p >= review and declines
 * when p >= decline), chosen on a validation set that the model was not fitted on.
 *
 * Both thresholds are always one of the observed scores, taken at a boundary between tie groups: a
 * threshold inside a group of tied scores cannot separate those rows, so only group boundaries are real
 * operating points, and `score >= threshold` then flags exactly the rows counted here.
 *
 * Rules:
 *   - review: the boundary whose flagged share (review + decline) is closest to `reviewRate`
 *     (default 0.02). Ties between two boundaries go to the higher threshold, i.e. fewer alerts, because
 *     the rate is an investigator capacity. At least the top tie group is flagged: "nothing flagged" would
 *     need a threshold above every score, which may not exist inside [0, 1].
 *   - decline: among boundaries at or above review, the LOWEST score whose flagged set has
 *     precision >= `declinePrecision` (default 0.8). Precision is not monotone in the threshold, so this
 *     is the largest flagged set that still meets the target (maximum recall subject to the precision
 *     floor), not the first crossing from above.
 *   - if no boundary at or above review reaches the precision target (including: no positives at all),
 *     decline falls back to max(review, the top-1% boundary chosen by the review rule with rate 0.01), so
 *     a model that is never precise enough declines only its most extreme 1% of scores. `declineRule`
 *     reports which rule applied so training can warn about it.
 * The precision target is measured on the rows given; with few positives it is noisy, which is why the
 * evidence (achieved rates, precision, counts) is returned alongside the thresholds.
 */

import { ConfigError, ValidationError } from '@riskstream/shared';
import type { DecisionThresholds } from '@riskstream/shared/model';
import { tieGroups } from './metrics/ranking.ts';

export interface ThresholdOptions {
  /** Target share of rows sent to review or decline, in (0, 1). Default 0.02. */
  reviewRate?: number;
  /** Precision the decline set must reach on the given rows, in (0, 1]. Default 0.8. */
  declinePrecision?: number;
}

export interface ThresholdChoice {
  readonly thresholds: DecisionThresholds;
  /** Share of rows with score >= review (review or decline). */
  readonly reviewRate: number;
  /** Share of rows with score >= decline. */
  readonly declineRate: number;
  /** Precision of the rows with score >= decline (0 when none is positive). */
  readonly declinePrecision: number;
  /** Rows with score >= decline. */
  readonly declineFlagged: number;
  /** 'precision' when the precision target was met, 'fallback-top-1pct' when it was unreachable. */
  readonly declineRule: 'precision' | 'fallback-top-1pct';
}

const DEFAULT_REVIEW_RATE = 0.02;
const DEFAULT_DECLINE_PRECISION = 0.8;
/** Share of rows declined when the precision target cannot be met. */
const FALLBACK_DECLINE_RATE = 0.01;

export function chooseThresholds(scores: ArrayLike<number>, labels: ArrayLike<number>, opts: ThresholdOptions = {}): DecisionThresholds {
  return thresholdChoice(scores, labels, opts).thresholds;
}

/** `chooseThresholds` with the evidence behind the choice (for logs, the manifest and the report). */
export function thresholdChoice(scores: ArrayLike<number>, labels: ArrayLike<number>, opts: ThresholdOptions = {}): ThresholdChoice {
  const reviewRate = opts.reviewRate ?? DEFAULT_REVIEW_RATE;
  const targetPrecision = opts.declinePrecision ?? DEFAULT_DECLINE_PRECISION;
  const configIssues: { field: string; problem: string }[] = [];
  if (!(reviewRate > 0 && reviewRate < 1)) configIssues.push({ field: 'reviewRate', problem: `must be in (0, 1), got ${reviewRate}` });
  if (!(targetPrecision > 0 && targetPrecision <= 1)) configIssues.push({ field: 'declinePrecision', problem: `must be in (0, 1], got ${targetPrecision}` });
  if (configIssues.length > 0) throw new ConfigError(configIssues);
  checkInputs(scores, labels);

  const g = tieGroups(scores, labels);
  const n = scores.length;
  // Cumulative flagged rows and positives after each group (group k flagged means groups 0..k are).
  const flagged = new Float64Array(g.count);
  const truePos = new Float64Array(g.count);
  let c = 0;
  let tp = 0;
  for (let k = 0; k < g.count; k++) {
    c += g.pos[k]! + g.neg[k]!;
    tp += g.pos[k]!;
    flagged[k] = c;
    truePos[k] = tp;
  }

  const kReview = boundaryClosestTo(flagged, reviewRate * n);
  let kDecline = -1;
  for (let k = kReview; k >= 0; k--) {
    if (truePos[k]! / flagged[k]! >= targetPrecision) {
      kDecline = k;
      break;
    }
  }
  const declineRule = kDecline >= 0 ? 'precision' : 'fallback-top-1pct';
  // Group index falls as the score rises, so max(review, top-1%) is the smaller index.
  if (kDecline < 0) kDecline = Math.min(kReview, boundaryClosestTo(flagged, FALLBACK_DECLINE_RATE * n));

  return {
    thresholds: { review: g.score[kReview]!, decline: g.score[kDecline]! },
    reviewRate: flagged[kReview]! / n,
    declineRate: flagged[kDecline]! / n,
    declinePrecision: truePos[kDecline]! / flagged[kDecline]!,
    declineFlagged: flagged[kDecline]!,
    declineRule,
  };
}

/** Index of the boundary whose cumulative count is closest to `target`; ties go to the smaller count. */
function boundaryClosestTo(cumulative: Float64Array, target: number): number {
  for (let k = 0; k < cumulative.length; k++) {
    if (cumulative[k]! >= target) {
      if (k > 0 && target - cumulative[k - 1]! <= cumulative[k]! - target) return k - 1;
      return k;
    }
  }
  return cumulative.length - 1;
}

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  const issues: { path: string; problem: string }[] = [];
  if (scores.length !== labels.length) issues.push({ path: 'scores', problem: `length ${scores.length} vs labels ${labels.length}` });
  if (scores.length === 0) issues.push({ path: 'scores', problem: 'is empty' });
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!(s >= 0 && s <= 1)) {
      issues.push({ path: `scores[${i}]`, problem: `is ${s}, not a probability in [0, 1]` });
      break;
    }
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) {
      issues.push({ path: `labels[${i}]`, problem: `is ${labels[i]}, expected 0 or 1` });
      break;
    }
  }
  if (issues.length > 0) throw new ValidationError('THRESHOLD_INPUT_INVALID', issues);
}
