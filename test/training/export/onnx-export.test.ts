import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError } from '@riskstream/shared';
import { predictBatch } from '@riskstream/shared/model';
import type { TreeEnsembleModel } from '@riskstream/shared/model';
import { ONNX_METADATA_KEYS, exportOnnx, readOnnxMetadata } from '../../../training/src/export/onnx-export.ts';
import { loadOnnxModel, scoreRows } from '../../../training/src/export/onnx-session.ts';
import { randomLinearModel, randomTreeEnsemble } from '../../../training/bench/random-model.ts';

const leaf = (v: number) => ({
  feature: Int32Array.from([-1]),
  threshold: Float32Array.from([0]),
  left: Int32Array.from([-1]),
  right: Int32Array.from([-1]),
  missingLeft: Uint8Array.from([0]),
  value: Float64Array.from([v]),
});

test('metadata carries feature names, kind and a content hash; export is deterministic', () => {
  const model = randomTreeEnsemble({ features: 4, trees: 5, maxDepth: 3, seed: 7, calibrated: true });
  const a = exportOnnx(model);
  const b = exportOnnx(model);
  assert.deepEqual(a, b);
  const meta = readOnnxMetadata(a);
  assert.deepEqual(JSON.parse(meta[ONNX_METADATA_KEYS.featureNames]!), model.featureNames);
  assert.equal(meta[ONNX_METADATA_KEYS.modelKind], 'tree-ensemble');
  assert.match(meta[ONNX_METADATA_KEYS.contentSha256]!, /^[0-9a-f]{64}$/);
  const other = exportOnnx({ ...model, baseMargin: model.baseMargin + 1 });
  assert.notEqual(readOnnxMetadata(other)[ONNX_METADATA_KEYS.contentSha256], meta[ONNX_METADATA_KEYS.contentSha256]);
  assert.equal(readOnnxMetadata(exportOnnx(randomLinearModel(3, 1)))[ONNX_METADATA_KEYS.modelKind], 'linear');
});

test('graph inputs are named exactly after the features, one [N,1] float each', async () => {
  const model = randomTreeEnsemble({ features: 3, trees: 2, maxDepth: 2, seed: 8 });
  const renamed: TreeEnsembleModel = { ...model, featureNames: ['amount eur', 'merchant.risk', 'velocity_1h'] };
  const loaded = await loadOnnxModel(exportOnnx(renamed));
  assert.deepEqual([...loaded.session.inputNames].sort(), ['amount eur', 'merchant.risk', 'velocity_1h']);
  assert.deepEqual(loaded.session.outputNames, ['probability']);
  assert.deepEqual(loaded.featureNames, renamed.featureNames);
  await loaded.session.release();
});

test('single-leaf trees and an empty ensemble export and score correctly', async () => {
  for (const model of [
    { kind: 'tree-ensemble', featureNames: ['x'], baseMargin: 0.25, trees: [leaf(0.5), leaf(-1)] },
    { kind: 'tree-ensemble', featureNames: ['x', 'y'], baseMargin: -1, trees: [] },
  ] satisfies TreeEnsembleModel[]) {
    const loaded = await loadOnnxModel(exportOnnx(model));
    const x = new Float32Array(model.featureNames.length * 2).fill(1);
    const got = await scoreRows(loaded.session, model.featureNames, x, 2);
    const want = predictBatch(model, x, 2);
    assert.ok(Math.abs(got[0]! - want[0]!) < 1e-7 && Math.abs(got[1]! - want[1]!) < 1e-7, `${got} vs ${want}`);
    await loaded.session.release();
  }
});

test('unreachable node slots are dropped, not exported', async () => {
  // Slot 3 is garbage (points at itself); the learner may leave such slots when it preallocates.
  const tree = {
    feature: Int32Array.from([0, -1, -1, 0]),
    threshold: Float32Array.from([1, 0, 0, 5]),
    left: Int32Array.from([1, -1, -1, 3]),
    right: Int32Array.from([2, -1, -1, 3]),
    missingLeft: Uint8Array.from([0, 0, 0, 0]),
    value: Float64Array.from([0, 1, -1, 0]),
  };
  const model: TreeEnsembleModel = { kind: 'tree-ensemble', featureNames: ['x'], baseMargin: 0, trees: [tree] };
  const loaded = await loadOnnxModel(exportOnnx(model));
  const got = await scoreRows(loaded.session, ['x'], Float32Array.from([0, 2, NaN]), 3);
  assert.deepEqual(Array.from(got, (p) => Math.round(p * 1e6) / 1e6), Array.from(predictBatch(model, Float32Array.from([0, 2, NaN]), 3), (p) => Math.round(p * 1e6) / 1e6));
  await loaded.session.release();
});

test('refuses models the graph cannot represent faithfully, listing the problem', () => {
  const base = randomTreeEnsemble({ features: 2, trees: 1, maxDepth: 1, seed: 9 });
  const cases: [string, TreeEnsembleModel, RegExp][] = [
    ['duplicate names', { ...base, featureNames: ['a', 'a'] }, /duplicate feature name "a"/],
    ['reserved name', { ...base, featureNames: ['probability', 'b'] }, /reserved/],
    ['non-finite leaf', { ...base, trees: [leaf(NaN)] }, /not finite/],
    ['feature out of range', { ...base, featureNames: ['only'], trees: [{ ...leaf(0), feature: Int32Array.from([3, -1, -1]), left: Int32Array.from([1, -1, -1]), right: Int32Array.from([2, -1, -1]), threshold: Float32Array.from([0, 0, 0]), missingLeft: Uint8Array.from([0, 0, 0]), value: Float64Array.from([0, 1, 2]) }] }, /feature 3 of 1/],
  ];
  for (const [name, model, message] of cases) {
    assert.throws(() => exportOnnx(model), (err: unknown) => err instanceof ModelError && message.test(err.message), name);
  }
  const linear = randomLinearModel(2, 1);
  assert.throws(() => exportOnnx({ ...linear, scale: Float64Array.from([1, 0]) }), /scale 1 must be finite and non-zero/);
});
