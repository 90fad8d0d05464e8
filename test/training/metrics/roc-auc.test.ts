import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { rocAuc } from '../../../training/src/metrics/roc-auc.ts';
import { createRng } from '../../../training/src/random.ts';

test('hand-computed AUC without ties', () => {
  // Pairs (pos, neg): 0.35>0.1 yes, 0.35>0.4 no, 0.8>0.1 yes, 0.8>0.4 yes -> 3/4.
  assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
});

test('ties count one half (average ranks)', () => {
  // pos 2 vs neg 1: 1, pos 2 vs neg 2: 0.5, pos 3 vs both: 2 -> 3.5/4.
  assert.equal(rocAuc([1, 2, 2, 3], [0, 1, 0, 1]), 0.875);
  assert.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
});

test('weights multiply pairs', () => {
  // neg (1, w1), neg (2, w3), pos (2, w1), pos (3, w1): 1 + 0.5*3 + 1 + 3 = 6.5 over 2*4.
  assert.equal(rocAuc([1, 2, 2, 3], [0, 1, 0, 1], [1, 1, 3, 1]), 0.8125);
  assert.equal(rocAuc([1, 2, 2, 3], [0, 1, 0, 1], [2, 2, 2, 2]), 0.875);
});

test('the fast path equals the weighted path with unit weights on random tied data', () => {
  const rng = createRng(1);
  const n = 3000;
  const s = Float64Array.from({ length: n }, () => rng.nextInt(50));
  const y = Uint8Array.from({ length: n }, (_, i) => (rng.next() < s[i]! / 60 ? 1 : 0));
  const ones = new Float64Array(n).fill(1);
  assert.ok(Math.abs(rocAuc(s, y) - rocAuc(s, y, ones)) < 1e-12);
  const flipped = Float64Array.from(s, (v) => -v);
  assert.ok(Math.abs(rocAuc(s, y) + rocAuc(flipped, y) - 1) < 1e-12);
});

test('one class only is NaN; NaN scores and length mismatches are errors', () => {
  assert.ok(Number.isNaN(rocAuc([1, 2], [1, 1])));
  assert.throws(() => rocAuc([1, Number.NaN], [0, 1]), ValidationError);
  assert.throws(() => rocAuc([1, 2], [0]), ValidationError);
});
