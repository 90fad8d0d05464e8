import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { stratifiedHoldout, splitDataset } from '../../training/src/split.ts';
import { createDataset } from '../../training/src/data/dataset.ts';
import { createRng } from '../../training/src/random.ts';

function labels(n: number, rate: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: n }, () => (rng.next() < rate ? 1 : 0));
}

test('holdout is a partition of all rows and keeps each class share to within one row', () => {
  const y = labels(10_000, 0.03, 1);
  const { train, test: held } = stratifiedHoldout(y, { testFraction: 0.3, seed: 5 });
  assert.equal(train.length + held.length, y.length);
  const seen = new Uint8Array(y.length);
  for (const i of [...train, ...held]) seen[i]!++;
  assert.ok(seen.every((c) => c === 1));
  const pos = y.reduce((s, v) => s + v, 0);
  const heldPos = held.reduce((s, i) => s + y[i]!, 0);
  assert.ok(Math.abs(heldPos - pos * 0.3) <= 1);
  assert.ok(Math.abs(held.length - y.length * 0.3) <= 2);
  for (let i = 1; i < held.length; i++) assert.ok(held[i]! > held[i - 1]!);
});

test('the same seed gives the same split; another seed a different one', () => {
  const y = labels(1000, 0.2, 2);
  const a = stratifiedHoldout(y, { testFraction: 0.25, seed: 11 });
  const b = stratifiedHoldout(y, { testFraction: 0.25, seed: 11 });
  const c = stratifiedHoldout(y, { testFraction: 0.25, seed: 12 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
});

test('grouped holdout never splits a group and stratifies groups by their max label', () => {
  const n = 5000;
  const rng = createRng(4);
  const group = Int32Array.from({ length: n }, () => rng.nextInt(400));
  const y = Uint8Array.from({ length: n }, (_, i) => (group[i]! % 10 === 0 && rng.next() < 0.5 ? 1 : 0));
  const { train, test: held } = stratifiedHoldout(y, { testFraction: 0.3, seed: 1, group });
  const trainGroups = new Set([...train].map((i) => group[i]!));
  for (const i of held) assert.ok(!trainGroups.has(group[i]!), `group ${group[i]} on both sides`);
  assert.ok(Math.abs(held.length / n - 0.3) < 0.03);
  const fraudGroups = (idx: Uint32Array): number => new Set([...idx].filter((i) => y[i] === 1).map((i) => group[i]!)).size;
  const share = fraudGroups(held) / (fraudGroups(held) + fraudGroups(train));
  assert.ok(Math.abs(share - 0.3) < 0.08);
});

test('splitDataset returns datasets and rejects bad fractions or a missing group column', () => {
  const ds = createDataset({ featureNames: ['a'], x: Float32Array.from({ length: 100 }, (_, i) => i), y: labels(100, 0.5, 3) });
  const s = splitDataset(ds, { testFraction: 0.2, seed: 0 });
  assert.equal(s.train.rows + s.test.rows, 100);
  assert.equal(s.test.x[0], s.index.test[0]);
  assert.throws(() => splitDataset(ds, { testFraction: 1, seed: 0 }), ConfigError);
  assert.throws(() => splitDataset(ds, { testFraction: 0.2, seed: 0, grouped: true }), ConfigError);
});
