import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { sigmoid } from '@riskstream/shared/model';
import { createDataset } from '../../training/src/data/dataset.ts';
import type { Dataset } from '../../training/src/data/dataset.ts';
import { createRng } from '../../training/src/random.ts';
import { sampleConfiguration, searchGbdt, DEFAULT_SEARCH_SPACE } from '../../training/src/search.ts';

function synthetic(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float32Array(n * 3);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.nextNormal();
    const b = rng.nextNormal();
    x[3 * i] = a;
    x[3 * i + 1] = b;
    x[3 * i + 2] = rng.nextNormal();
    y[i] = rng.next() < sigmoid(a * b + a - 1) ? 1 : 0;
  }
  return createDataset({ featureNames: ['a', 'b', 'noise'], x, y });
}

const train = synthetic(800, 1);
const valid = synthetic(400, 2);
const base = { rounds: 60, earlyStoppingRounds: 10 };

test('random search is deterministic for a seed and returns the best-scoring trial', () => {
  const progress: number[] = [];
  const a = searchGbdt(train, valid, { strategy: 'random', trials: 4, seed: 7, baseOptions: base }, (_t, done) => progress.push(done));
  const b = searchGbdt(train, valid, { strategy: 'random', trials: 4, seed: 7, baseOptions: base });
  assert.deepEqual(a.trials.map((t) => [t.params, t.score, t.bestRound]), b.trials.map((t) => [t.params, t.score, t.bestRound]));
  assert.deepEqual(progress, [1, 2, 3, 4]);
  assert.equal(a.best.score, Math.max(...a.trials.map((t) => t.score)));
  assert.equal(a.bestOptions.learningRate, a.best.params.learningRate);
  const c = searchGbdt(train, valid, { strategy: 'random', trials: 4, seed: 8, baseOptions: base });
  assert.notDeepEqual(a.trials.map((t) => t.params), c.trials.map((t) => t.params));
});

test('successive halving keeps the best third per rung and raises the round budget', () => {
  const r = searchGbdt(train, valid, { strategy: 'halving', trials: 9, seed: 3, baseOptions: base, eta: 3 });
  const perRung = [0, 1, 2].map((rung) => r.trials.filter((t) => t.rung === rung));
  assert.deepEqual(perRung.map((t) => t.length), [9, 3, 1]);
  const budgets = perRung.map((t) => t[0]!.budget);
  assert.ok(budgets[0]! < budgets[1]! && budgets[1]! < budgets[2]!);
  assert.equal(budgets[2], 60);
  const top3 = [...perRung[0]!].sort((p, q) => q.score - p.score || p.id - q.id).slice(0, 3).map((t) => t.id);
  assert.deepEqual(perRung[1]!.map((t) => t.id).sort(), top3.sort());
  assert.equal(r.best.rung, 2);
});

test('sampled configurations are valid and consistent with their growth mode', () => {
  const rng = createRng(1);
  for (let i = 0; i < 50; i++) {
    const c = sampleConfiguration(DEFAULT_SEARCH_SPACE, rng);
    if (c.growth === 'depthwise') assert.equal(c.maxLeaves, 0);
    else assert.equal(c.maxDepth, 0);
    assert.ok(c.learningRate! >= 0.01 && c.learningRate! <= 0.2);
  }
});

test('search without early stopping is a config error', () => {
  assert.throws(
    () => searchGbdt(train, valid, { strategy: 'random', trials: 1, seed: 0, baseOptions: { earlyStoppingRounds: 0 } }),
    ConfigError,
  );
});
