import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liftAt, liftTable } from '../../../training/src/metrics/lift.ts';

const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0];
const labels = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0];

test('lift at a fraction is top precision over the base rate', () => {
  assert.ok(Math.abs(liftAt(scores, labels, 0.2) - 1 / 0.3) < 1e-12);
  assert.ok(Math.abs(liftAt(scores, labels, 0.5) - 0.6 / 0.3) < 1e-12);
  assert.ok(Math.abs(liftAt(scores, labels, 1) - 1) < 1e-12);
});

test('a cutoff inside a tie group takes its positives pro rata', () => {
  assert.ok(Math.abs(liftAt([1, 1, 1, 1], [1, 0, 0, 0], 0.5) - 1) < 1e-12);
});

test('lift table by quintiles: rates, lifts, cumulative lift and capture', () => {
  const t = liftTable(scores, labels, 5);
  assert.deepEqual(t.map((r) => r.rate), [1, 0.5, 0, 0, 0]);
  assert.ok(Math.abs(t[0]!.lift - 1 / 0.3) < 1e-12);
  assert.ok(Math.abs(t[1]!.cumulativeLift - 0.75 / 0.3) < 1e-12);
  assert.deepEqual(t.map((r) => Math.round(r.capture * 1e9) / 1e9), [2 / 3, 1, 1, 1, 1].map((v) => Math.round(v * 1e9) / 1e9));
});
