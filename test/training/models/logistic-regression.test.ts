import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { predictBatch, predictProbability } from '@riskstream/shared/model';
import { createDataset } from '../../../training/src/data/dataset.ts';
import { trainLogisticRegression } from '../../../training/src/models/logistic-regression.ts';
import { rocAuc } from '../../../training/src/metrics/roc-auc.ts';
import { createRng } from '../../../training/src/random.ts';

test('unpenalised fit on a binary feature reproduces the two empirical rates (closed-form MLE)', () => {
  // x = 0: 2 of 10 positive; x = 1: 6 of 10 positive.
  const x = Float32Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : 1));
  const y = Uint8Array.from({ length: 20 }, (_, i) => (i < 10 ? (i < 2 ? 1 : 0) : i < 16 ? 1 : 0));
  const { model, converged } = trainLogisticRegression(createDataset({ featureNames: ['x'], x, y }), { l2: 0 });
  assert.ok(converged);
  assert.ok(Math.abs(predictProbability(model, [0]) - 0.2) < 1e-9);
  assert.ok(Math.abs(predictProbability(model, [1]) - 0.6) < 1e-9);
  assert.equal(model.mean[0], 0.5);
  assert.equal(model.scale[0], 0.5);
});

test('separable data: the L2 penalty keeps weights finite while ranking perfectly', () => {
  const x = Float32Array.from([-3, -2, -1, 1, 2, 3]);
  const y = Uint8Array.from([0, 0, 0, 1, 1, 1]);
  const ds = createDataset({ featureNames: ['x'], x, y });
  const { model } = trainLogisticRegression(ds, { l2: 1 });
  assert.ok(Number.isFinite(model.weights[0]!) && model.weights[0]! > 0);
  assert.equal(rocAuc(predictBatch(model, x, 6), y), 1);
  const weaker = trainLogisticRegression(ds, { l2: 0.01 }).model;
  assert.ok(weaker.weights[0]! > model.weights[0]!);
});

test('recovers known coefficients on simulated data; missing values act as the mean', () => {
  const rng = createRng(1);
  const n = 20_000;
  const x = new Float32Array(n * 2);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.nextNormal();
    const b = rng.nextNormal() * 2 + 5;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    const z = -1 + 1.5 * a - 0.5 * (b - 5);
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const { model } = trainLogisticRegression(createDataset({ featureNames: ['a', 'b'], x, y }), { l2: 0 });
  // Weights are on the standardised scale: raw coefficient = weight / scale.
  assert.ok(Math.abs(model.weights[0]! / model.scale[0]! - 1.5) < 0.08);
  assert.ok(Math.abs(model.weights[1]! / model.scale[1]! + 0.5) < 0.04);
  const atMean = predictProbability(model, [model.mean[0]!, model.mean[1]!]);
  assert.ok(Math.abs(predictProbability(model, [Number.NaN, Number.NaN]) - atMean) < 1e-12);
});

test('balanced class weights: the class-weighted mean prediction is exactly one half', () => {
  const rng = createRng(2);
  const n = 5000;
  const x = Float32Array.from({ length: n }, () => rng.nextNormal());
  const y = Uint8Array.from(x, (v) => (rng.next() < 1 / (1 + Math.exp(-(v - 2))) ? 1 : 0));
  const ds = createDataset({ featureNames: ['x'], x, y });
  const pos = y.reduce((s, v) => s + v, 0);
  const plain = predictBatch(trainLogisticRegression(ds).model, x, n);
  const balanced = predictBatch(trainLogisticRegression(ds, { classWeight: 'balanced' }).model, x, n);
  // The unpenalised intercept's score equation makes sum w_i p_i = sum w_i y_i = n / 2.
  let weighted = 0;
  for (let i = 0; i < n; i++) weighted += balanced[i]! * (y[i] === 1 ? n / (2 * pos) : n / (2 * (n - pos)));
  assert.ok(Math.abs(weighted / n - 0.5) < 1e-6, `weighted mean ${weighted / n}`);
  const mean = (p: Float64Array): number => p.reduce((s, v) => s + v, 0) / p.length;
  assert.ok(Math.abs(mean(plain) - pos / n) < 1e-6);
  assert.ok(mean(balanced) > mean(plain) + 0.2);
});

test('a constant column gets scale 1 and weight 0; bad options are config errors', () => {
  const ds = createDataset({ featureNames: ['c', 'x'], x: Float32Array.from([7, 0, 7, 1, 7, 2, 7, 3]), y: Uint8Array.from([0, 1, 0, 1]) });
  const { model } = trainLogisticRegression(ds);
  assert.equal(model.scale[0], 1);
  assert.ok(Math.abs(model.weights[0]!) < 1e-12);
  assert.throws(() => trainLogisticRegression(ds, { l2: -1 }), ConfigError);
});
