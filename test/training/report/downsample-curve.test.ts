import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { downsampleCurve } from '../../../training/src/report/downsample-curve.ts';

function line(n: number): { x: Float64Array; y: Float64Array } {
  return { x: Float64Array.from({ length: n }, (_, i) => i / (n - 1)), y: Float64Array.from({ length: n }, (_, i) => Math.sqrt(i / (n - 1))) };
}

test('short curves are returned whole', () => {
  const { x, y } = line(50);
  assert.deepEqual(downsampleCurve(x, y, 200), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(downsampleCurve(x, y, 50), Array.from({ length: 50 }, (_, i) => i));
});

test('long curves: at most maxPoints ascending unique indices, first and last kept', () => {
  for (const [n, max] of [[10_000, 200], [201, 200], [1000, 2], [1000, 3], [5000, 17]] as const) {
    const { x, y } = line(n);
    const idx = downsampleCurve(x, y, max);
    assert.ok(idx.length <= max && idx.length >= 2, `${n}/${max}: ${idx.length}`);
    assert.equal(idx[0], 0);
    assert.equal(idx[idx.length - 1], n - 1);
    for (let i = 1; i < idx.length; i++) assert.ok(idx[i]! > idx[i - 1]!);
  }
});

test('points follow arc length: a steep start with few vertices keeps all of them', () => {
  // 11 vertices climb from (0,0) to (0,1), then 10 000 vertices run flat to (1,1): half the length is
  // in the first 11 vertices, so all of them survive (an index-uniform pick would keep only the first).
  const n = 10_011;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i <= 10; i++) y[i] = i / 10;
  for (let i = 11; i < n; i++) {
    x[i] = (i - 10) / (n - 11);
    y[i] = 1;
  }
  const idx = downsampleCurve(x, y, 200);
  for (let i = 0; i <= 10; i++) assert.ok(idx.includes(i), `vertex ${i} dropped`);
  // The budget the sparse start cannot use goes to the flat part instead of being lost.
  assert.ok(idx.length <= 200 && idx.length >= 190, `${idx.length}`);
});

test('a curve with no length keeps just its endpoints; maxPoints < 2 is a ConfigError', () => {
  const flat = new Float64Array(500).fill(0.5);
  assert.deepEqual(downsampleCurve(flat, flat, 10), [0, 499]);
  assert.throws(() => downsampleCurve(flat, flat, 1), ConfigError);
  assert.throws(() => downsampleCurve(flat, flat, 2.5), ConfigError);
});
