import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { leafIndex, predictBatch, sigmoid } from '@riskstream/shared/model';
import type { Tree, TreeEnsembleModel } from '@riskstream/shared/model';
import { createDataset } from '../../../training/src/data/dataset.ts';
import type { Dataset } from '../../../training/src/data/dataset.ts';
import { trainRandomForest } from '../../../training/src/models/random-forest.ts';
import { trainLogisticRegression } from '../../../training/src/models/logistic-regression.ts';
import { modelMargins } from '../../../training/src/models/margins.ts';
import { fitPlatt, withCalibration } from '../../../training/src/calibration.ts';
import { exportOnnx } from '../../../training/src/export/onnx-export.ts';
import { loadOnnxModel, scoreRows } from '../../../training/src/export/onnx-session.ts';
import { rocAuc } from '../../../training/src/metrics/roc-auc.ts';
import { createRng } from '../../../training/src/random.ts';

function dataset(rows: number[][], y: number[], weight?: number[]): Dataset {
  return createDataset({
    featureNames: rows[0]!.map((_, j) => `f${j}`),
    x: Float32Array.from(rows.flat()),
    y: Uint8Array.from(y),
    ...(weight ? { weight: Float32Array.from(weight) } : {}),
  });
}

/**
 * XOR of two uniform features with label noise, plus `noise` uninformative features; about 5% of f0 is
 * missing, and missing f0 means positive. No linear model can rank XOR.
 */
function xorData(n: number, seed: number, noise = 2): Dataset {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.next();
    const b = rng.next();
    const missing = rng.next() < 0.05;
    const r = [missing ? Number.NaN : a, b, ...Array.from({ length: noise }, () => rng.next())];
    const label = missing ? 1 : (a > 0.5) !== (b > 0.5) ? 1 : 0;
    rows.push(r);
    y.push(rng.next() < 0.05 ? 1 - label : label);
  }
  return dataset(rows, y);
}

function depth(t: Tree, node = 0): number {
  return t.feature[node]! < 0 ? 0 : 1 + Math.max(depth(t, t.left[node]!), depth(t, t.right[node]!));
}

function leafValues(model: TreeEnsembleModel): number[] {
  return model.trees.flatMap((t) => [...t.value].filter((_, i) => t.feature[i]! < 0));
}

const train = xorData(3000, 1);
const holdout = xorData(2000, 2);
const small = { nEstimators: 30 } as const;

test('learns XOR with missing values, which logistic regression cannot rank', () => {
  const { model, oobAuc } = trainRandomForest(train, small);
  const auc = rocAuc(modelMargins(model, holdout.x, holdout.rows), holdout.y);
  const linear = trainLogisticRegression(train).model;
  const linearAuc = rocAuc(modelMargins(linear, holdout.x, holdout.rows), holdout.y);
  assert.ok(auc > 0.9, `forest holdout auc ${auc}`);
  assert.ok(linearAuc < 0.65, `logistic regression holdout auc ${linearAuc}`);
  assert.ok(oobAuc !== undefined && oobAuc > 0.9, `oob auc ${oobAuc}`);
});

test('rows with the feature missing follow the learned missing direction', () => {
  const { model } = trainRandomForest(train, small);
  const rows = 200;
  const x = new Float32Array(rows * train.cols);
  const rng = createRng(9);
  // Present f0 and f1 on the same side of 0.5 are XOR-negative; the same rows with f0 missing are positive.
  for (let i = 0; i < rows; i++) {
    const low = rng.next() < 0.5;
    x[i * train.cols] = low ? 0.1 + 0.3 * rng.next() : 0.6 + 0.3 * rng.next();
    x[i * train.cols + 1] = low ? 0.1 + 0.3 * rng.next() : 0.6 + 0.3 * rng.next();
    for (let j = 2; j < train.cols; j++) x[i * train.cols + j] = rng.next();
  }
  const present = modelMargins(model, x, rows);
  for (let i = 0; i < rows; i++) x[i * train.cols] = Number.NaN;
  const missing = modelMargins(model, x, rows);
  const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(mean(present) < 0.3, `present mean ${mean(present)}`);
  assert.ok(mean(missing) > 0.7, `missing mean ${mean(missing)}`);
});

test('the same seed gives the same forest; another seed a different one', () => {
  const a = trainRandomForest(train, { ...small, nEstimators: 5, seed: 3 });
  const b = trainRandomForest(train, { ...small, nEstimators: 5, seed: 3 });
  const c = trainRandomForest(train, { ...small, nEstimators: 5, seed: 4 });
  assert.deepEqual(a.model, b.model);
  assert.deepEqual(a.importance, b.importance);
  assert.notDeepEqual(a.model.trees[0], c.model.trees[0]);
});

test('leaf values are shares divided by the tree count, so margins lie in [0, 1]', () => {
  const { model } = trainRandomForest(train, small);
  assert.equal(model.baseMargin, 0);
  for (const v of leafValues(model)) assert.ok(v >= 0 && v <= 1 / small.nEstimators, `leaf ${v}`);
  const m = modelMargins(model, holdout.x, holdout.rows);
  assert.ok(m.every((v) => v >= 0 && v <= 1), 'margin outside [0, 1]');
  assert.ok(Math.min(...m) < 0.2 && Math.max(...m) > 0.8, 'margins do not spread over [0, 1]');
});

test('without bootstrap and with every feature per split, a leaf holds the positive share of its rows', () => {
  // Step at 0.5 with 20% flipped labels on each side: the leaves must be the two sides' positive shares.
  const rng = createRng(11);
  const xs = Array.from({ length: 1000 }, () => rng.next());
  const y = xs.map((v) => ((v > 0.5) !== (rng.next() < 0.2) ? 1 : 0));
  const ds = dataset(xs.map((v) => [v]), y);
  const { model } = trainRandomForest(ds, { nEstimators: 3, maxDepth: 1, bootstrap: false, maxFeatures: 1 });
  assert.deepEqual(model.trees[0], model.trees[2], 'trees differ with no source of randomness');
  const t = model.trees[0]!;
  for (const side of [t.left[0]!, t.right[0]!]) {
    let pos = 0;
    let count = 0;
    for (let i = 0; i < ds.rows; i++) {
      if (leafIndex(t, ds.x, i) !== side) continue;
      pos += ds.y[i]!;
      count++;
    }
    assert.ok(Math.abs(t.value[side]! * 3 - pos / count) < 1e-6, `leaf ${t.value[side]! * 3} vs share ${pos / count}`);
  }
  assert.ok(Math.abs(t.threshold[0]! - 0.5) < 0.02, `threshold ${t.threshold[0]}`);
});

test('bootstrap draws weight each tree by multiplicity: single-leaf trees scatter around the positive rate', () => {
  const ds = xorData(500, 5, 0);
  const rate = ds.y.reduce((s, v) => s + v, 0) / ds.rows;
  // minSamplesLeaf above half the rows forbids every split, so each tree is its bootstrap sample's share.
  const { model } = trainRandomForest(ds, { nEstimators: 40, minSamplesLeaf: 300 });
  const shares = model.trees.map((t) => t.value[0]! * 40);
  assert.ok(model.trees.every((t) => t.feature[0] === -1));
  assert.ok(new Set(shares).size > 20, 'bootstrap samples do not differ');
  assert.ok(shares.some((s) => s < rate) && shares.some((s) => s > rate), 'shares do not scatter around the rate');
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) / 40 - rate) < 0.02, 'mean share far from the rate');
  // A row drawn k times counts k times: the weights sum to the number of draws, so share * draws is a
  // whole number of positive draws (distinct rows alone would sum to about 63% of the draws).
  for (const [maxSamples, draws] of [[1, 500], [0.5, 250]] as const) {
    const forest = trainRandomForest(ds, { nEstimators: 10, minSamplesLeaf: 300, maxSamples }).model;
    for (const t of forest.trees) {
      const positives = t.value[0]! * 10 * draws;
      assert.ok(Math.abs(positives - Math.round(positives)) < 1e-3, `${positives} positive draws of ${draws}`);
    }
  }
});

test('class and sample weights enter the leaf shares', () => {
  const ds = xorData(500, 6, 0);
  const root = (d: Dataset, o: object): number => trainRandomForest(d, { nEstimators: 1, minSamplesLeaf: 300, bootstrap: false, ...o }).model.trees[0]!.value[0]!;
  assert.ok(Math.abs(root(ds, { classWeight: 'balanced' }) - 0.5) < 1e-6);
  const rows = Array.from({ length: ds.rows }, (_, i) => [...ds.x.subarray(i * ds.cols, (i + 1) * ds.cols)]);
  const noPositives = dataset(rows, [...ds.y], [...ds.y].map((v) => (v === 1 ? 0 : 1)));
  // Zero-weight positives leave only negatives: the share is 0 (compared with == since it may be -0).
  assert.ok(root(noPositives, {}) === 0);
});

test('maxDepth and minSamplesLeaf bound every tree', () => {
  const { model } = trainRandomForest(train, { nEstimators: 4, maxDepth: 4, minSamplesLeaf: 40, bootstrap: false });
  for (const t of model.trees) {
    assert.ok(depth(t) <= 4 && depth(t) >= 2, `depth ${depth(t)}`);
    const perLeaf = new Map<number, number>();
    for (let i = 0; i < train.rows; i++) {
      const leaf = leafIndex(t, train.x, i * train.cols);
      perLeaf.set(leaf, (perLeaf.get(leaf) ?? 0) + 1);
    }
    for (const c of perLeaf.values()) assert.ok(c >= 40, `leaf with ${c} rows`);
  }
});

test('importance puts the XOR features above the noise features; progress reports every tree', () => {
  const calls: [number, number][] = [];
  const { importance, oobAuc } = trainRandomForest(train, { ...small, nEstimators: 10 }, (i, total) => calls.push([i, total]));
  assert.deepEqual(calls, Array.from({ length: 10 }, (_, i) => [i, 10]));
  const noise = Math.max(importance.gain[2]!, importance.gain[3]!);
  assert.ok(importance.gain[0]! > 2 * noise && importance.gain[1]! > 2 * noise, `gain ${[...importance.gain]}`);
  assert.ok(importance.splits[0]! > 0 && importance.splits[1]! > 0);
  assert.ok(oobAuc !== undefined);
  assert.equal(trainRandomForest(train, { ...small, nEstimators: 2, bootstrap: false }).oobAuc, undefined);
});

test('an empty training set is rejected', () => {
  const empty = createDataset({ featureNames: ['a'], x: new Float32Array(0), y: new Uint8Array(0) });
  assert.throws(() => trainRandomForest(empty), ValidationError);
});

test('ONNX parity <= 1e-5 after Platt calibration on the forest margin', async () => {
  const { model } = trainRandomForest(train, { nEstimators: 40, maxDepth: 8 });
  const valid = xorData(1500, 3);
  const calibration = fitPlatt(modelMargins(model, valid.x, valid.rows), valid.y);
  assert.ok(calibration.a > 1, `platt slope ${calibration.a}`);
  const calibrated = withCalibration(model, calibration);
  const expected = predictBatch(calibrated, holdout.x, holdout.rows);
  const margins = modelMargins(calibrated, holdout.x, holdout.rows);
  for (let i = 0; i < holdout.rows; i++) {
    assert.ok(Math.abs(sigmoid(calibration.a * margins[i]! + calibration.b) - expected[i]!) < 1e-12);
  }
  const loaded = await loadOnnxModel(exportOnnx(calibrated), { featureNames: calibrated.featureNames });
  try {
    const actual = await scoreRows(loaded.session, calibrated.featureNames, holdout.x, holdout.rows);
    let max = 0;
    for (let i = 0; i < holdout.rows; i++) {
      const d = Math.abs(expected[i]! - actual[i]!);
      if (!(d <= max)) max = d;
    }
    assert.ok(max <= 1e-5, `max |p_ts - p_onnx| = ${max}`);
  } finally {
    await loaded.session.release();
  }
});
