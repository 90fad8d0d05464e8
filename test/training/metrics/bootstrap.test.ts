import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedBootstrap } from '../../../training/src/metrics/bootstrap.ts';
import { rocAuc } from '../../../training/src/metrics/roc-auc.ts';
import { createRng } from '../../../training/src/random.ts';

const auc = (s: Float64Array, y: Uint8Array): number => rocAuc(s, y);

function data(n: number, seed: number): { y: Uint8Array; good: Float64Array; weak: Float64Array } {
  const rng = createRng(seed);
  const y = Uint8Array.from({ length: n }, () => (rng.next() < 0.2 ? 1 : 0));
  const good = Float64Array.from(y, (v) => v + rng.nextNormal() * 0.6);
  const weak = Float64Array.from(y, (v) => v + rng.nextNormal() * 2);
  return { y, good, weak };
}

test('identical scores: the difference is exactly 0 and the interval contains 0', () => {
  const { y, good } = data(500, 1);
  const r = pairedBootstrap(auc, good, good, y, { seed: 1, resamples: 200 });
  assert.equal(r.estimate, 0);
  assert.ok(r.lower <= 0 && r.upper >= 0);
  assert.equal(r.pValue, 1);
});

test('clearly better scores: the interval excludes 0 and brackets the estimate', () => {
  const { y, good, weak } = data(1000, 2);
  const r = pairedBootstrap(auc, good, weak, y, { seed: 2, resamples: 300 });
  assert.ok(r.estimate > 0.1);
  assert.ok(r.lower > 0, `lower ${r.lower}`);
  assert.ok(r.lower < r.estimate && r.estimate < r.upper);
  assert.ok(r.pValue < 0.01);
  const reversed = pairedBootstrap(auc, weak, good, y, { seed: 2, resamples: 300 });
  assert.ok(reversed.upper < 0);
});

test('seeded: same seed, same interval; stratified resampling keeps working at low positive counts', () => {
  const { y, good, weak } = data(300, 3);
  const a = pairedBootstrap(auc, good, weak, y, { seed: 9, resamples: 100 });
  const b = pairedBootstrap(auc, good, weak, y, { seed: 9, resamples: 100 });
  assert.deepEqual(a, b);
  const rare = Uint8Array.from({ length: 300 }, (_, i) => (i < 2 ? 1 : 0));
  const s = pairedBootstrap(auc, good, weak, rare, { seed: 1, resamples: 100, stratified: true });
  assert.equal(s.resamples, 100);
});
