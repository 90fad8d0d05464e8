/**
 * The decision a calibrated probability gets at a model's thresholds (the manifest's, chosen at training
 * time): `>=` on both, so a score exactly at a threshold takes the stricter decision. The scoring service
 * applies this rule live; the promotion gate's value criterion applies it to holdout scores.
 */
import type { DecisionThresholds } from '../model/manifest.ts';
import type { Decision } from './value-model.ts';

export function decisionAt(score: number, thresholds: DecisionThresholds): Decision {
  if (score >= thresholds.decline) return 'DECLINE';
  if (score >= thresholds.review) return 'REVIEW';
  return 'APPROVE';
}
