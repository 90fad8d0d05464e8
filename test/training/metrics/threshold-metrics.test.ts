import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestF1Threshold, metricsAtThreshold, metricsAtThresholds } from '../../../training/src/metrics/threshold-metrics.ts';

const scores = [0.1, 0.4, 0.35, 0.8];
const labels = [0, 0, 1, 1];

test('confusion matrix and rates at a threshold (score >= threshold is flagged)', () => {
  const m = metricsAtThreshold(scores, labels, 0.35);
  assert.deepEqual([m.tp, m.fp, m.tn, m.fn], [2, 1, 1, 0]);
  assert.equal(m.precision, 2 / 3);
  assert.equal(m.recall, 1);
  assert.ok(Math.abs(m.f1 - 0.8) < 1e-12);
  assert.equal(m.fpr, 0.5);
  assert.equal(m.accuracy, 0.75);
  assert.equal(m.flaggedRate, 0.75);
});

test('nothing flagged gives precision 0 (zero_division=0)', () => {
  const [m] = metricsAtThresholds(scores, labels, [0.9]);
  assert.deepEqual([m!.tp, m!.fp, m!.precision, m!.recall, m!.f1], [0, 0, 0, 0, 0]);
});

test('best F1 threshold scans every distinct score', () => {
  const best = bestF1Threshold(scores, labels);
  // Candidates: 0.8 -> F1 2/3; 0.4 -> P .5 R .5; 0.35 -> 0.8; 0.1 -> P .5 R 1 -> 2/3.
  assert.equal(best.threshold, 0.35);
  assert.ok(Math.abs(best.f1 - 0.8) < 1e-12);
});
