import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../training/bench/random-model.ts';
import { rocAuc } from '../../../training/src/metrics/roc-auc.ts';
import { expectedCalibrationError } from '../../../training/src/metrics/calibration-curve.ts';
import { EstimatedPerformanceWindow, RealisedPerformanceWindow } from '../../../services/drift-monitor/src/performance-window.ts';
import { ScoreBins } from '../../../services/drift-monitor/src/score-histogram.ts';

const close = (actual: number, expected: number, tol = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

const bins = new ScoreBins(1000);

test('CBPE: expected AUC, AP and precision at review of a hand-computable window', () => {
  // Two events at 0.875 (expected 1.75 frauds, 0.25 genuine) and two at 0.25 (0.5 frauds, 1.5 genuine).
  //   AUC = [1.75 * (1.5 + 0.25/2) + 0.5 * (1.5/2)] / (2.25 * 1.75) = 3.21875 / 3.9375
  //   AP  = 1.75/2.25 * 1.75/2 + 0.5/2.25 * 2.25/4
  //   precision at review 0.5 = mean score of the flagged events = 0.875
  const w = new EstimatedPerformanceWindow(10, bins, 0.5);
  for (const s of [0.875, 0.25, 0.875, 0.25]) w.add(s);
  const p = w.compute();
  close(p.roc_auc, 3.21875 / 3.9375);
  close(p.average_precision, (1.75 / 2.25) * (1.75 / 2) + (0.5 / 2.25) * (2.25 / 4));
  close(p.precision_at_review, 0.875);
  assert.equal(p.events, 4);
});

test('CBPE: the window slides (capacity 2 keeps the last two scores)', () => {
  const w = new EstimatedPerformanceWindow(2, bins, 0.5);
  for (const s of [0.875, 0.875, 0.25, 0.125]) w.add(s);
  const p = w.compute();
  assert.equal(p.events, 2);
  assert.ok(Number.isNaN(p.precision_at_review)); // nothing above 0.5 left
  // 0.125 (bin a) below 0.25 (bin b); within a bin, an event's own fractions pair as a tie (half):
  //   AUC = [pa * na/2 + pb * (na + nb/2)] / ((pa + pb)(na + nb))
  const [pa, na, pb, nb] = [0.125, 0.875, 0.25, 0.75];
  close(p.roc_auc, (pa * (na / 2) + pb * (na + nb / 2)) / ((pa + pb) * (na + nb)));
  w.add(Number.NaN); // ignored
  assert.equal(w.compute().events, 2);
});

test('CBPE: on calibrated scores the estimate matches the realised AUC', () => {
  const rand = mulberry32(5);
  const est = new EstimatedPerformanceWindow(50_000, bins, 0.3);
  const scores = new Float64Array(50_000);
  const labels = new Uint8Array(50_000);
  for (let i = 0; i < scores.length; i++) {
    scores[i] = Math.fround(rand() ** 4);
    labels[i] = rand() < scores[i]! ? 1 : 0;
    est.add(scores[i]!);
  }
  assert.ok(Math.abs(est.compute().roc_auc - rocAuc(scores, labels)) < 0.01);
});

test('realised performance: AUC, AP, precision at review and ECE of a hand-computed window', () => {
  // (0.875, fraud), (0.625, genuine), (0.375, fraud), (0.125, genuine): float32-exact scores
  //   AUC 3/4; AP 1/2 * 1 + 1/2 * 2/3; flagged (>= 0.5): 0.875 fraud, 0.625 genuine -> 1/2
  //   ECE over 10 equal-width bins, one event each: (0.125 + 0.625 + 0.625 + 0.125) / 4 = 0.375
  const w = new RealisedPerformanceWindow(10, bins, 0.5);
  w.add(0.875, true);
  w.add(0.625, false);
  w.add(0.375, true);
  w.add(0.125, false);
  const p = w.compute();
  close(p.roc_auc, 0.75);
  close(p.average_precision, 0.5 + 1 / 3);
  close(p.precision_at_review, 0.5);
  close(p.calibration_error, 0.375);
  close(p.calibration_error, expectedCalibrationError([0.875, 0.625, 0.375, 0.125], [1, 0, 1, 0]));
  assert.equal(p.labelled_events, 4);
});

test('realised performance: the oldest labelled events leave the window', () => {
  const w = new RealisedPerformanceWindow(2, bins, 0.5);
  w.add(0.875, false);
  w.add(0.875, false);
  w.add(0.75, true);
  w.add(0.25, false);
  const p = w.compute();
  assert.equal(p.labelled_events, 2);
  close(p.roc_auc, 1);
  close(p.precision_at_review, 1);
  // many wraps: sums are rebuilt from the ring, counts stay exact
  for (let i = 0; i < 1001; i++) w.add(i % 2 === 0 ? 0.75 : 0.25, i % 2 === 0);
  close(w.compute().roc_auc, 1);
  close(w.compute().calibration_error, 0.25);
});
