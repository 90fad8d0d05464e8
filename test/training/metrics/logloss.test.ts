import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logloss, loglossFromMargins, softplus } from '../../../training/src/metrics/logloss.ts';

test('hand-computed log loss from probabilities and from margins', () => {
  const expected = -(Math.log(0.8) + Math.log(0.6)) / 2;
  assert.ok(Math.abs(logloss([0.8, 0.4], [1, 0]) - expected) < 1e-15);
  const margins = [Math.log(0.8 / 0.2), Math.log(0.4 / 0.6)];
  assert.ok(Math.abs(loglossFromMargins(margins, [1, 0]) - expected) < 1e-15);
  assert.ok(Math.abs(logloss([0.8, 0.4], [1, 0], [3, 1]) - -(3 * Math.log(0.8) + Math.log(0.6)) / 4) < 1e-15);
});

test('extreme inputs stay finite', () => {
  assert.ok(Number.isFinite(logloss([0, 1], [1, 0])));
  assert.equal(softplus(1000), 1000);
  assert.equal(softplus(-1000), 0);
  assert.ok(Math.abs(loglossFromMargins([-800], [1]) - 800) < 1e-9);
});
