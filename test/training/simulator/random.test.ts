import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulationRandom, deriveSeed } from '../../../training/src/simulator/random.ts';

function draws(seed: number, ...parts: number[]): number[] {
  const r = createSimulationRandom(seed, ...parts);
  return Array.from({ length: 20 }, () => r.uniform(0, 1));
}

test('streams are deterministic and distinct per seed and per stream index', () => {
  assert.deepEqual(draws(1, 3, 0), draws(1, 3, 0));
  assert.notDeepEqual(draws(1, 3, 0), draws(1, 3, 1));
  assert.notDeepEqual(draws(1, 3, 0), draws(2, 3, 0));
  // The high half of a large seed matters too.
  assert.notEqual(deriveSeed(5), deriveSeed(5 + 2 ** 32));
});

test('uniform, normal and poisson have the requested moments', () => {
  const r = createSimulationRandom(42, 0);
  const n = 200_000;
  let su = 0;
  let sn = 0;
  let sn2 = 0;
  let sp = 0;
  let sp2 = 0;
  let spBig = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform(5, 100);
    assert.ok(u >= 5 && u < 100);
    su += u;
    const z = r.normal(43_200, 20_000);
    sn += z;
    sn2 += z * z;
    const k = r.poisson(2.5);
    assert.ok(Number.isInteger(k) && k >= 0);
    sp += k;
    sp2 += k * k;
    spBig += r.poisson(75);
  }
  assert.ok(Math.abs(su / n - 52.5) < 0.3);
  const mean = sn / n;
  assert.ok(Math.abs(mean - 43_200) < 150);
  assert.ok(Math.abs(Math.sqrt(sn2 / n - mean * mean) - 20_000) < 150);
  assert.ok(Math.abs(sp / n - 2.5) < 0.02);
  assert.ok(Math.abs(sp2 / n - (sp / n) ** 2 - 2.5) < 0.04, 'poisson variance = mean');
  assert.ok(Math.abs(spBig / n - 75) < 0.1);
  assert.equal(r.poisson(0), 0);
});

test('distinct draws k different values in range', () => {
  const r = createSimulationRandom(3, 1);
  for (let rep = 0; rep < 100; rep++) {
    const d = r.distinct(10, 7);
    assert.equal(new Set(d).size, 7);
    for (const v of d) assert.ok(v >= 0 && v < 10);
  }
  assert.equal(r.distinct(5, 9).length, 5);
  assert.equal(r.distinct(1_000_000_000, 3).length, 3);
});
