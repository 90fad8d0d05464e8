import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ValidationError } from '@riskstream/shared';
import { predictBatch } from '@riskstream/shared/model';
import type { LinearModel } from '@riskstream/shared/model';
import { createDataset } from '../../../training/src/data/dataset.ts';
import { selectColumns } from '../../../training/src/data/select-columns.ts';
import { averagePrecision } from '../../../training/src/metrics/average-precision.ts';
import { rocAuc } from '../../../training/src/metrics/roc-auc.ts';
import { trainLogisticRegression } from '../../../training/src/models/logistic-regression.ts';
import { permutationImportance } from '../../../training/src/selection/permutation-importance.ts';
import { NOISE, SIGNAL, syntheticFraud } from './selection-fixture.ts';

const train = syntheticFraud(3000, 1);
const valid = syntheticFraud(3000, 2);
const model = trainLogisticRegression(train).model;

function byFeature(result: ReturnType<typeof permutationImportance>): Map<string, number> {
  return new Map(result.columns.map((c) => [c.feature, c.mean]));
}

test('signal columns lose AP when shuffled, in the order of their strength; noise columns lose about nothing', () => {
  const result = permutationImportance(model, valid, { repeats: 3, seed: 7 });
  assert.equal(result.baseline, averagePrecision(predictBatch(model, valid.x, valid.rows), valid.y));
  const mean = byFeature(result);
  assert.ok(mean.get('amount_z')! > mean.get('velocity_z')!);
  assert.ok(mean.get('velocity_z')! > mean.get('distance_z')!);
  const weakestSignal = mean.get('distance_z')!;
  for (const name of NOISE) assert.ok(Math.abs(mean.get(name)!) < weakestSignal / 5, `${name}: ${mean.get(name)}`);
});

test('mean and std summarise the per-repeat drops', () => {
  const result = permutationImportance(model, valid, { repeats: 4, seed: 3 });
  for (const c of result.columns) {
    assert.equal(c.drops.length, 4);
    const m = c.drops.reduce((s, d) => s + d, 0) / 4;
    const sd = Math.sqrt(c.drops.reduce((s, d) => s + (d - m) ** 2, 0) / 4);
    assert.ok(Math.abs(c.mean - m) < 1e-12);
    assert.ok(Math.abs(c.std - sd) < 1e-12);
  }
  const single = permutationImportance(model, valid, { repeats: 1, seed: 3 });
  assert.ok(single.columns.every((c) => c.std === 0));
});

test('a column the model ignores has exactly zero importance', () => {
  const twoCols = selectColumns(valid, ['amount_z', 'noise_a']);
  const onlyFirst: LinearModel = {
    kind: 'linear',
    featureNames: ['amount_z', 'noise_a'],
    weights: Float64Array.from([2, 0]),
    intercept: -3,
    mean: new Float64Array(2),
    scale: Float64Array.from([1, 1]),
  };
  const result = permutationImportance(onlyFirst, twoCols, { repeats: 2, seed: 1 });
  assert.deepEqual(result.columns[1]!.drops, [0, 0]);
  assert.ok(result.columns[0]!.mean > 0.05);
});

test('deterministic for a seed, different for another seed, and the validation set is not modified', () => {
  const before = Float32Array.from(valid.x);
  const a = permutationImportance(model, valid, { repeats: 2, seed: 11 });
  const b = permutationImportance(model, valid, { repeats: 2, seed: 11 });
  const c = permutationImportance(model, valid, { repeats: 2, seed: 12 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.columns.map((x) => x.drops), c.columns.map((x) => x.drops));
  assert.deepEqual(valid.x, before);
});

test('the validation set is aligned to the model features: column order does not matter', () => {
  const reordered = selectColumns(valid, [...valid.featureNames].reverse());
  const a = permutationImportance(model, valid, { repeats: 2, seed: 5 });
  const b = permutationImportance(model, reordered, { repeats: 2, seed: 5 });
  assert.deepEqual(a, b);
  assert.deepEqual(a.columns.map((c) => c.feature), model.featureNames);
  assert.throws(() => permutationImportance(model, selectColumns(valid, [...SIGNAL]), { repeats: 1, seed: 1 }), ValidationError);
});

test('another metric can be passed', () => {
  const result = permutationImportance(model, valid, { repeats: 1, seed: 1, metric: rocAuc });
  assert.equal(result.baseline, rocAuc(predictBatch(model, valid.x, valid.rows), valid.y));
});

test('bad options are ConfigErrors; a validation set without positives is a ValidationError', () => {
  assert.throws(
    () => permutationImportance(model, valid, { repeats: 0, seed: Number.NaN }),
    (err: unknown) => err instanceof ConfigError && err.issues.length === 2,
  );
  const noPositives = createDataset({ featureNames: valid.featureNames, x: valid.x.slice(0, 60), y: new Uint8Array(10) });
  assert.throws(
    () => permutationImportance(model, noPositives, { repeats: 1, seed: 1 }),
    (err: unknown) => err instanceof ValidationError && err.reason === 'METRIC_UNDEFINED',
  );
});

test('progress reports each column', () => {
  const calls: [number, number][] = [];
  permutationImportance(model, valid, { repeats: 1, seed: 1, progress: (done, total) => calls.push([done, total]) });
  assert.deepEqual(calls, [1, 2, 3, 4, 5, 6].map((d) => [d, 6]));
});
