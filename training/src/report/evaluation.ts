/**
 * Evaluation of one model's calibrated probabilities on one labelled set (the holdout): every number the
 * training report and the manifest need, computed with the metric functions in ../metrics so the report
 * can never disagree with the promotion gate.
 *
 * The result is plain JSON and round-trips through JSON.stringify/parse unchanged: metrics that are
 * undefined on the given rows (AUC with one class, AP without positives) are `null`, never NaN, because
 * JSON has no NaN and would silently turn it into null anyway; curves that are undefined are empty.
 *
 * Conventions:
 *   - a row is flagged at threshold t when score >= t (as in scoring and threshold-metrics.ts);
 *   - `operating_points.review` is the alert set at the review threshold, i.e. review AND decline rows;
 *     `decision_matrix` splits rows into the three actions scoring takes (approve / review / decline);
 *   - ECE uses 10 equal-width bins on [0, 1], the usual definition, so values are comparable across
 *     models (equal-count bins would move with each model's score distribution);
 *   - card_precision_at_100 is the Fraud Detection Handbook's daily card precision@k with k = 100 and
 *     detected cards removed from the following days (the handbook's default,
 *     remove_detected_compromised_cards=True), via metrics/card-precision-at-k.ts;
 *   - lift is by percentile (100 buckets): fraud alerts live in the top 1–2 % of scores, which deciles
 *     would lump into one bucket.
 */

import { ValidationError } from '@riskstream/shared';
import type { DecisionThresholds } from '@riskstream/shared/model';
import { averagePrecision } from '../metrics/average-precision.ts';
import { calibrationCurve } from '../metrics/calibration-curve.ts';
import type { ReliabilityBin } from '../metrics/calibration-curve.ts';
import { cardPrecisionAtK } from '../metrics/card-precision-at-k.ts';
import { liftTable } from '../metrics/lift.ts';
import type { LiftRow } from '../metrics/lift.ts';
import { logloss } from '../metrics/logloss.ts';
import { tieGroups } from '../metrics/ranking.ts';
import { rocAuc } from '../metrics/roc-auc.ts';
import { metricsAtThreshold, metricsAtThresholds } from '../metrics/threshold-metrics.ts';
import type { ThresholdMetrics } from '../metrics/threshold-metrics.ts';
import { downsampleCurve } from './downsample-curve.ts';
import { prColumns, rocColumns } from './score-curves.ts';

export interface EvaluationInput {
  /** Calibrated probabilities in [0, 1]. */
  readonly scores: Float64Array | Float32Array;
  /** 0/1 fraud labels, aligned with scores. */
  readonly labels: Uint8Array;
  readonly thresholds: DecisionThresholds;
  /** Day index and card id per row, for card precision@100. */
  readonly cards?: { readonly day: Int32Array; readonly card: Int32Array } | undefined;
}

export interface RocPoint {
  readonly fpr: number;
  readonly tpr: number;
  /** Score threshold reaching this point; null for the origin (nothing flagged). */
  readonly threshold: number | null;
}

export interface PrPoint {
  readonly recall: number;
  readonly precision: number;
  readonly threshold: number;
}

export interface ClassCounts {
  readonly fraud: number;
  readonly legit: number;
}

/** Rows by the action scoring takes: approve (p < review), review (review <= p < decline), decline (p >= decline). */
export interface DecisionMatrix {
  readonly approve: ClassCounts;
  readonly review: ClassCounts;
  readonly decline: ClassCounts;
}

export interface Evaluation {
  readonly rows: number;
  readonly positives: number;
  readonly positive_rate: number;
  readonly roc_auc: number | null;
  readonly average_precision: number | null;
  readonly logloss: number;
  readonly brier: number;
  /** Expected calibration error over `calibration.bins`. */
  readonly ece: number;
  /** Largest calibration gap of a non-empty bin. */
  readonly mce: number;
  /** Present only when cards were given; null when undefined. */
  readonly card_precision_at_100?: number | null;
  readonly thresholds: DecisionThresholds;
  readonly operating_points: { readonly review: ThresholdMetrics; readonly decline: ThresholdMetrics };
  readonly decision_matrix: DecisionMatrix;
  /** Metrics at thresholds 0.1, 0.2, ..., 0.9. */
  readonly threshold_grid: readonly ThresholdMetrics[];
  /** At most CURVE_POINTS vertices, endpoints kept. Empty when a class is absent. */
  readonly roc_curve: readonly RocPoint[];
  /** At most CURVE_POINTS vertices, endpoints kept. Empty without positives. */
  readonly pr_curve: readonly PrPoint[];
  /** Percentile lift table, best bucket first. Empty without positives. */
  readonly lift: readonly LiftRow[];
  readonly calibration: { readonly strategy: 'uniform'; readonly bins: readonly ReliabilityBin[] };
}

export const CURVE_POINTS = 200;
export const CALIBRATION_BINS = 10;
export const LIFT_BUCKETS = 100;
export const CARD_PRECISION_K = 100;
export const THRESHOLD_GRID: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export function evaluateScores(input: EvaluationInput): Evaluation {
  const { scores, labels, thresholds, cards } = input;
  checkInputs(input);
  const n = scores.length;
  let positives = 0;
  let brierSum = 0;
  const counts = { approve: [0, 0], review: [0, 0], decline: [0, 0] };
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    const p = scores[i]!;
    positives += y;
    brierSum += (p - y) * (p - y);
    const action = p >= thresholds.decline ? counts.decline : p >= thresholds.review ? counts.review : counts.approve;
    action[y]!++;
  }
  const matrixCell = (c: number[]): ClassCounts => ({ fraud: c[1]!, legit: c[0]! });

  const g = tieGroups(scores, labels);
  const roc = rocColumns(g);
  const rocIdx = downsampleCurve(roc.fpr, roc.tpr, CURVE_POINTS);
  const pr = prColumns(g);
  const prIdx = downsampleCurve(pr.recall, pr.precision, CURVE_POINTS);
  const calibration = calibrationCurve(scores, labels, { bins: CALIBRATION_BINS, strategy: 'uniform' });

  const evaluation: Evaluation = {
    rows: n,
    positives,
    positive_rate: positives / n,
    roc_auc: finiteOrNull(rocAuc(scores, labels)),
    average_precision: finiteOrNull(averagePrecision(scores, labels)),
    logloss: logloss(scores, labels),
    brier: brierSum / n,
    ece: calibration.ece,
    mce: calibration.mce,
    thresholds: { review: thresholds.review, decline: thresholds.decline },
    operating_points: {
      review: metricsAtThreshold(scores, labels, thresholds.review),
      decline: metricsAtThreshold(scores, labels, thresholds.decline),
    },
    decision_matrix: { approve: matrixCell(counts.approve), review: matrixCell(counts.review), decline: matrixCell(counts.decline) },
    threshold_grid: metricsAtThresholds(scores, labels, THRESHOLD_GRID),
    roc_curve: rocIdx.map((i) => ({ fpr: roc.fpr[i]!, tpr: roc.tpr[i]!, threshold: finiteOrNull(roc.threshold[i]!) })),
    pr_curve: prIdx.map((i) => ({ recall: pr.recall[i]!, precision: pr.precision[i]!, threshold: pr.threshold[i]! })),
    lift: positives > 0 ? liftTable(scores, labels, LIFT_BUCKETS) : [],
    calibration: { strategy: 'uniform', bins: calibration.bins },
  };
  if (!cards) return evaluation;
  const cp = cardPrecisionAtK(cards.day, cards.card, scores, labels, { k: CARD_PRECISION_K, excludeDetected: true });
  return { ...evaluation, card_precision_at_100: finiteOrNull(cp.mean) };
}

export interface HeadlineMetric {
  readonly key: string;
  readonly label: string;
  /** Direction of improvement; null for descriptive numbers such as the alert rate. */
  readonly higherIsBetter: boolean | null;
}

/** The metrics compared across models (report table, compareEvaluations), in display order. */
export const HEADLINE_METRICS: readonly HeadlineMetric[] = [
  { key: 'roc_auc', label: 'ROC AUC', higherIsBetter: true },
  { key: 'average_precision', label: 'Average precision', higherIsBetter: true },
  { key: 'card_precision_at_100', label: 'Card precision@100', higherIsBetter: true },
  { key: 'lift_at_1pct', label: 'Lift, top 1%', higherIsBetter: true },
  { key: 'logloss', label: 'Log loss', higherIsBetter: false },
  { key: 'brier', label: 'Brier score', higherIsBetter: false },
  { key: 'ece', label: 'ECE (10 bins)', higherIsBetter: false },
  { key: 'precision_at_review', label: 'Precision at review threshold', higherIsBetter: true },
  { key: 'recall_at_review', label: 'Recall at review threshold', higherIsBetter: true },
  { key: 'precision_at_decline', label: 'Precision at decline threshold', higherIsBetter: true },
  { key: 'recall_at_decline', label: 'Recall at decline threshold', higherIsBetter: true },
  { key: 'alert_rate', label: 'Alert rate (review or decline)', higherIsBetter: null },
];

/** Headline metric values of one evaluation, keyed as in HEADLINE_METRICS; null when undefined. */
export function headlineMetrics(e: Evaluation): Record<string, number | null> {
  const top = e.lift[0];
  return {
    roc_auc: e.roc_auc,
    average_precision: e.average_precision,
    card_precision_at_100: e.card_precision_at_100 ?? null,
    lift_at_1pct: top && top.fraction === 1 / LIFT_BUCKETS ? finiteOrNull(top.cumulativeLift) : null,
    logloss: e.logloss,
    brier: e.brier,
    ece: e.ece,
    precision_at_review: e.operating_points.review.precision,
    recall_at_review: e.operating_points.review.recall,
    precision_at_decline: e.operating_points.decline.precision,
    recall_at_decline: e.operating_points.decline.recall,
    alert_rate: e.operating_points.review.flaggedRate,
  };
}

/**
 * candidate - reference for every headline metric defined in both (a key is absent when either side is
 * null, e.g. card precision without cards). Lower is better for logloss, brier and ece: see
 * HEADLINE_METRICS for the direction of each key.
 */
export function compareEvaluations(candidate: Evaluation, reference: Evaluation): Record<string, number> {
  const c = headlineMetrics(candidate);
  const r = headlineMetrics(reference);
  const deltas: Record<string, number> = {};
  for (const { key } of HEADLINE_METRICS) {
    const a = c[key];
    const b = r[key];
    if (a !== null && a !== undefined && b !== null && b !== undefined) deltas[key] = a - b;
  }
  return deltas;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function checkInputs(input: EvaluationInput): void {
  const { scores, labels, thresholds, cards } = input;
  const issues: { path: string; problem: string }[] = [];
  const n = scores.length;
  if (n === 0) issues.push({ path: 'scores', problem: 'is empty' });
  if (labels.length !== n) issues.push({ path: 'labels', problem: `length ${labels.length} vs scores ${n}` });
  if (cards && (cards.day.length !== n || cards.card.length !== n)) {
    issues.push({ path: 'cards', problem: `day ${cards.day.length} / card ${cards.card.length} rows vs scores ${n}` });
  }
  // Probabilities are required, not just finite scores: logloss, Brier and calibration assume them.
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (!(s >= 0 && s <= 1)) {
      issues.push({ path: `scores[${i}]`, problem: `is ${s}, not a probability in [0, 1]` });
      break;
    }
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! > 1) {
      issues.push({ path: `labels[${i}]`, problem: `is ${labels[i]}, expected 0 or 1` });
      break;
    }
  }
  const { review, decline } = thresholds;
  if (!(review >= 0 && review <= 1 && decline >= 0 && decline <= 1 && review <= decline)) {
    issues.push({ path: 'thresholds', problem: `review ${review} / decline ${decline} must be in [0, 1] with review <= decline` });
  }
  if (issues.length > 0) throw new ValidationError('EVALUATION_INPUT_INVALID', issues);
}
