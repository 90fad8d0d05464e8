/**
 * The decision rule on the calibrated probability. Thresholds come from the serving model's manifest
 * (chosen at training time on the holdout), so a hot swap changes score and thresholds together. The rule
 * itself is shared's decisionAt, which the promotion gate's value criterion applies to holdout scores.
 */
import { decisionAt } from '@riskstream/shared';

export const DECISIONS = ['APPROVE', 'REVIEW', 'DECLINE'] as const;
export type Decision = (typeof DECISIONS)[number];

/** `>=` on both thresholds: a score exactly at a threshold takes the stricter decision. */
export const decide: typeof decisionAt = decisionAt;
