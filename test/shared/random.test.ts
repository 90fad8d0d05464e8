import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, sampleIndices, shuffleInPlace } from '../../shared/src/random.ts';

test('same seed gives the same sequence, different seeds differ', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const sa = Array.from({ length: 20 }, () => a.nextUint32());
  const sb = Array.from({ length: 20 }, () => b.nextUint32());
  const sc = Array.from({ length: 20 }, () => c.nextUint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

test('next() is in [0, 1) and roughly uniform', () => {
  const rng = createRng(1);
  let sum = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const v = rng.next();
    assert.ok(v >= 0 && v < 1);
    sum += v;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.01);
});

test('nextNormal has mean 0 and variance 1', () => {
  const rng = createRng(7);
  let s = 0;
  let s2 = 0;
  const n = 50_000;
  for (let i = 0; i < n; i++) {
    const v = rng.nextNormal();
    s += v;
    s2 += v * v;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.03);
});

test('sampleIndices returns k distinct ascending indices below n', () => {
  const rng = createRng(3);
  const idx = sampleIndices(1000, 250, rng);
  assert.equal(idx.length, 250);
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i]! > idx[i - 1]!);
  assert.ok(idx[idx.length - 1]! < 1000);
  assert.equal(sampleIndices(5, 10, rng).length, 5);
});

test('shuffleInPlace is a permutation', () => {
  const arr = Array.from({ length: 50 }, (_, i) => i);
  shuffleInPlace(arr, createRng(9));
  assert.notDeepEqual(arr, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...arr].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
});
