import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { averagePrecision } from '../../../training/src/metrics/average-precision.ts';
import { calibrationCurve } from '../../../training/src/metrics/calibration-curve.ts';
import { cardPrecisionAtK } from '../../../training/src/metrics/card-precision-at-k.ts';
import { liftTable } from '../../../training/src/metrics/lift.ts';
import { logloss } from '../../../training/src/metrics/logloss.ts';
import { rocAuc } from '../../../training/src/metrics/roc-auc.ts';
import { metricsAtThreshold } from '../../../training/src/metrics/threshold-metrics.ts';
import { createRng } from '../../../training/src/random.ts';
import { CURVE_POINTS, HEADLINE_METRICS, THRESHOLD_GRID, compareEvaluations, evaluateScores, headlineMetrics } from '../../../training/src/report/evaluation.ts';

// Positives at 0.9, 0.8, 0.6, 0.3; negatives at 0.7, 0.55, 0.4, 0.2, 0.1, 0.05.
const scores = Float64Array.from([0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2, 0.1, 0.05]);
const labels = Uint8Array.from([1, 1, 0, 1, 0, 0, 1, 0, 0, 0]);
const thresholds = { review: 0.6, decline: 0.8 };

function close(actual: number | null | undefined, expected: number, tol = 1e-12): void {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tol, `${actual} vs ${expected}`);
}

test('hand-made case: headline numbers by hand and equal to the metric functions', () => {
  const e = evaluateScores({ scores, labels, thresholds });
  assert.equal(e.rows, 10);
  assert.equal(e.positives, 4);
  assert.equal(e.positive_rate, 0.4);
  // Pairs won: 6 + 6 + 5 + 3 of 24.
  close(e.roc_auc, 20 / 24);
  close(e.roc_auc, rocAuc(scores, labels));
  // Positives at ranks 1, 2, 4, 7.
  close(e.average_precision, (1 + 1 + 3 / 4 + 4 / 7) / 4);
  close(e.average_precision, averagePrecision(scores, labels));
  close(e.logloss, logloss(scores, labels));
  let brier = 0;
  for (let i = 0; i < 10; i++) brier += (scores[i]! - labels[i]!) ** 2;
  close(e.brier, brier / 10);
  const cal = calibrationCurve(scores, labels, { bins: 10 });
  close(e.ece, cal.ece);
  close(e.mce, cal.mce);
  assert.deepEqual(e.calibration.bins, cal.bins);
  assert.deepEqual(e.operating_points.review, metricsAtThreshold(scores, labels, 0.6));
  assert.deepEqual(e.operating_points.decline, metricsAtThreshold(scores, labels, 0.8));
  // Review flags 0.9, 0.8, 0.7, 0.6: 3 fraud, 1 legit.
  assert.equal(e.operating_points.review.tp, 3);
  assert.equal(e.operating_points.review.fp, 1);
  assert.equal(e.operating_points.review.precision, 0.75);
  assert.equal(e.operating_points.decline.recall, 0.5);
  assert.deepEqual(e.decision_matrix, {
    approve: { fraud: 1, legit: 5 },
    review: { fraud: 1, legit: 1 },
    decline: { fraud: 2, legit: 0 },
  });
  assert.deepEqual(
    e.threshold_grid.map((m) => m.threshold),
    [...THRESHOLD_GRID],
  );
  assert.deepEqual(e.threshold_grid[4], metricsAtThreshold(scores, labels, 0.5));
  assert.deepEqual(e.lift, liftTable(scores, labels, 100));
  assert.ok(!('card_precision_at_100' in e));
});

test('curves: every vertex for small input, from (0,0) to (1,1) and down to recall 1', () => {
  const e = evaluateScores({ scores, labels, thresholds });
  assert.equal(e.roc_curve.length, 11);
  assert.deepEqual(e.roc_curve[0], { fpr: 0, tpr: 0, threshold: null });
  assert.deepEqual(e.roc_curve[1], { fpr: 0, tpr: 0.25, threshold: 0.9 });
  assert.deepEqual(e.roc_curve[3], { fpr: 1 / 6, tpr: 0.5, threshold: 0.7 });
  assert.deepEqual(e.roc_curve[10], { fpr: 1, tpr: 1, threshold: 0.05 });
  assert.equal(e.pr_curve.length, 10);
  assert.deepEqual(e.pr_curve[0], { recall: 0.25, precision: 1, threshold: 0.9 });
  assert.deepEqual(e.pr_curve[3], { recall: 0.75, precision: 0.75, threshold: 0.6 });
  assert.deepEqual(e.pr_curve[9], { recall: 1, precision: 0.4, threshold: 0.05 });
  // The PR step sum over the curve's vertices is the average precision.
  let ap = 0;
  let prev = 0;
  for (const p of e.pr_curve) {
    ap += (p.recall - prev) * p.precision;
    prev = p.recall;
  }
  close(e.average_precision, ap);
});

function randomCase(seed: number, n: number, signal: number): { scores: Float64Array; labels: Uint8Array } {
  const rng = createRng(seed);
  const y = Uint8Array.from({ length: n }, () => (rng.next() < 0.05 ? 1 : 0));
  const s = Float64Array.from(y, (v) => 1 / (1 + Math.exp(-(rng.nextNormal() + signal * v - 3))));
  return { scores: s, labels: y };
}

test('a perfect ranking has AUC 1 and AP 1; an uninformative one about 0.5 and the fraud rate', () => {
  const perfectLabels = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
  const perfectScores = Float64Array.from(perfectLabels, (y, i) => (y ? 0.9 : 0.1) + i * 1e-6);
  const perfect = evaluateScores({ scores: perfectScores, labels: perfectLabels, thresholds: { review: 0.5, decline: 0.5 } });
  assert.equal(perfect.roc_auc, 1);
  close(perfect.average_precision, 1);
  assert.equal(perfect.operating_points.review.precision, 1);
  assert.equal(perfect.operating_points.review.recall, 1);

  const { labels: y } = randomCase(3, 20_000, 0);
  const rng = createRng(99);
  const noise = Float64Array.from(y, () => rng.next());
  const random = evaluateScores({ scores: noise, labels: y, thresholds: { review: 0.9, decline: 0.99 } });
  assert.ok(Math.abs(random.roc_auc! - 0.5) < 0.02, `AUC ${random.roc_auc}`);
  assert.ok(Math.abs(random.average_precision! - random.positive_rate) < 0.01, `AP ${random.average_precision}`);
});

test('large input: curves are thinned to at most CURVE_POINTS vertices with both endpoints kept', () => {
  const { scores: s, labels: y } = randomCase(5, 50_000, 2.5);
  const e = evaluateScores({ scores: s, labels: y, thresholds: { review: 0.2, decline: 0.5 } });
  assert.ok(e.roc_curve.length <= CURVE_POINTS && e.roc_curve.length >= CURVE_POINTS - 10, `${e.roc_curve.length}`);
  assert.ok(e.pr_curve.length <= CURVE_POINTS && e.pr_curve.length >= CURVE_POINTS - 10, `${e.pr_curve.length}`);
  assert.deepEqual(e.roc_curve[0], { fpr: 0, tpr: 0, threshold: null });
  const lastRoc = e.roc_curve[e.roc_curve.length - 1]!;
  assert.equal(lastRoc.fpr, 1);
  assert.equal(lastRoc.tpr, 1);
  const max = s.reduce((m, v) => Math.max(m, v), 0);
  const min = s.reduce((m, v) => Math.min(m, v), 1);
  assert.equal(e.pr_curve[0]!.threshold, max);
  const lastPr = e.pr_curve[e.pr_curve.length - 1]!;
  assert.deepEqual(lastPr, { recall: 1, precision: e.positive_rate, threshold: min });
  // Thinning keeps curve order: thresholds fall, FPR and recall never decrease.
  for (let i = 2; i < e.roc_curve.length; i++) assert.ok(e.roc_curve[i]!.fpr >= e.roc_curve[i - 1]!.fpr && e.roc_curve[i]!.threshold! < e.roc_curve[i - 1]!.threshold!);
  for (let i = 1; i < e.pr_curve.length; i++) assert.ok(e.pr_curve[i]!.recall >= e.pr_curve[i - 1]!.recall);
});

test('the result round-trips through JSON unchanged, also when metrics are undefined', () => {
  const { scores: s, labels: y } = randomCase(8, 2000, 2);
  const f32 = Float32Array.from(s);
  const e = evaluateScores({ scores: f32, labels: y, thresholds: { review: 0.1, decline: 0.3 } });
  assert.deepEqual(JSON.parse(JSON.stringify(e)), e);
  const oneClass = evaluateScores({ scores: f32, labels: new Uint8Array(f32.length), thresholds: { review: 0.1, decline: 0.3 } });
  assert.equal(oneClass.roc_auc, null);
  assert.equal(oneClass.average_precision, null);
  assert.deepEqual(oneClass.roc_curve, []);
  assert.deepEqual(oneClass.pr_curve, []);
  assert.deepEqual(oneClass.lift, []);
  assert.deepEqual(JSON.parse(JSON.stringify(oneClass)), oneClass);
});

test('card precision@100 uses the handbook definition (detected cards leave the following days)', () => {
  const rng = createRng(21);
  const n = 6000;
  const day = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 1000));
  const card = Int32Array.from({ length: n }, () => rng.nextInt(300));
  // Card-level fraud that persists across days, so removing detected cards matters.
  const fraudCard = new Set(Array.from({ length: 40 }, (_, i) => i * 7));
  const y = Uint8Array.from(card, (c) => (fraudCard.has(c) && rng.next() < 0.5 ? 1 : 0));
  const s = Float64Array.from(y, (v) => Math.min(1, Math.max(0, 0.3 * rng.next() + 0.5 * v)));
  const e = evaluateScores({ scores: s, labels: y, thresholds: { review: 0.4, decline: 0.6 }, cards: { day, card } });
  const handbook = cardPrecisionAtK(day, card, s, y, { k: 100, excludeDetected: true }).mean;
  const plain = cardPrecisionAtK(day, card, s, y, { k: 100 }).mean;
  assert.notEqual(handbook, plain);
  assert.equal(e.card_precision_at_100, handbook);
});

test('compareEvaluations: candidate minus reference for headline metrics defined on both sides', () => {
  const a = randomCase(1, 3000, 3);
  const b = randomCase(1, 3000, 1);
  const t = { review: 0.2, decline: 0.5 };
  const strong = evaluateScores({ scores: a.scores, labels: a.labels, thresholds: t });
  const weak = evaluateScores({ scores: b.scores, labels: b.labels, thresholds: t });
  const d = compareEvaluations(strong, weak);
  close(d['roc_auc'], strong.roc_auc! - weak.roc_auc!);
  close(d['average_precision'], strong.average_precision! - weak.average_precision!);
  close(d['logloss'], strong.logloss - weak.logloss);
  close(d['ece'], strong.ece - weak.ece);
  close(d['recall_at_review'], strong.operating_points.review.recall - weak.operating_points.review.recall);
  assert.ok(d['roc_auc']! > 0);
  assert.ok(!('card_precision_at_100' in d));
  for (const v of Object.values(d)) assert.ok(Number.isFinite(v));
  const self = compareEvaluations(strong, strong);
  for (const v of Object.values(self)) assert.equal(v, 0);
  // Every key of headlineMetrics is documented in HEADLINE_METRICS and vice versa.
  assert.deepEqual(Object.keys(headlineMetrics(strong)).sort(), HEADLINE_METRICS.map((h) => h.key).sort());
});

test('invalid inputs are ValidationErrors', () => {
  assert.throws(() => evaluateScores({ scores: new Float64Array(0), labels: new Uint8Array(0), thresholds }), ValidationError);
  assert.throws(() => evaluateScores({ scores, labels: labels.subarray(1), thresholds }), ValidationError);
  assert.throws(() => evaluateScores({ scores: Float64Array.from([0.5, 1.5]), labels: Uint8Array.from([0, 1]), thresholds }), ValidationError);
  assert.throws(() => evaluateScores({ scores: Float64Array.from([0.5, Number.NaN]), labels: Uint8Array.from([0, 1]), thresholds }), ValidationError);
  assert.throws(() => evaluateScores({ scores, labels, thresholds: { review: 0.9, decline: 0.5 } }), ValidationError);
  assert.throws(() => evaluateScores({ scores, labels, thresholds, cards: { day: new Int32Array(3), card: new Int32Array(3) } }), ValidationError);
});
