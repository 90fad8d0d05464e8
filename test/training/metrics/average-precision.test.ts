import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePrecision } from '../../../training/src/metrics/average-precision.ts';

test('hand-computed average precision', () => {
  // Descending: 0.8(+) P=1 R=.5; 0.4(-); 0.35(+) P=2/3 R=1 -> .5*1 + .5*2/3.
  assert.ok(Math.abs(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) - (0.5 + 1 / 3)) < 1e-12);
});

test('a tie group is one step', () => {
  assert.equal(averagePrecision([0.5, 0.5], [1, 0]), 0.5);
  // 0.9(+) P=1 R=1/2; {0.5: +,-} P=2/3 R=1 -> .5 + .5*2/3.
  assert.ok(Math.abs(averagePrecision([0.9, 0.5, 0.5], [1, 1, 0]) - (0.5 + 1 / 3)) < 1e-12);
});

test('perfect ranking is 1, no positives is NaN, weights count rows', () => {
  assert.equal(averagePrecision([3, 2, 1], [1, 1, 0]), 1);
  assert.ok(Number.isNaN(averagePrecision([1, 2], [0, 0])));
  // Weight 3 on the negative at 0.4: 0.8(+) P=1; 0.35(+) P=2/(2+3).
  assert.ok(Math.abs(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], [1, 3, 1, 1]) - (0.5 + 0.5 * 0.4)) < 1e-12);
});
