/**
 * The decision rule on the calibrated probability. Thresholds come from the serving model's manifest
 * (chosen at training time on the holdout), so a hot swap changes score and thresholds together.
 */
import type { DecisionThresholds } from '@riskstream/shared/model';

export const DECISIONS = ['APPROVE', 'REVIEW', 'DECLINE'] as const;
export type Decision = (typeof DECISIONS)[number];

/** `>=` on both thresholds: a score exactly at a threshold takes the stricter decision. */
export function decide(score: number, thresholds: DecisionThresholds): Decision {
  if (score >= thresholds.decline) return 'DECLINE';
  if (score >= thresholds.review) return 'REVIEW';
  return 'APPROVE';
}
