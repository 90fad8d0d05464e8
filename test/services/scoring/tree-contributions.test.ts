import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictBatch, treeMargin, linearMargin } from '@riskstream/shared/model';
import { exportOnnx, loadOnnxModel, scoreRows } from '@riskstream/training';
import { randomLinearModel, randomMatrix, randomTreeEnsemble } from '../../../training/bench/random-model.ts';
import { parseOnnxModel } from '../../../services/scoring/src/onnx-model-parser.ts';
import { createExplainer, explainRow, nodeExpectations, topReasons } from '../../../services/scoring/src/tree-contributions.ts';
import { handMadeEnsemble } from './scoring-fixtures.ts';

test('Saabas contributions of a hand-made ensemble: exact per feature and summing exactly to margin - bias', () => {
  const model = handMadeEnsemble();
  const explainer = createExplainer(model);
  // E(tree 1) = ((-0.5 + 0.25) / 2 + 1.5) / 2 = 0.6875, E(tree 2) = 0.3125, bias = -2 + 1 = -1.
  assert.deepEqual([...nodeExpectations(model.trees[0]!)], [0.6875, -0.125, -0.5, 0.25, 1.5]);
  assert.equal(explainer.bias, -1);
  const { contributions, margin } = explainRow(explainer, Float32Array.from([50, 5, 1]));
  assert.equal(margin, -1);
  assert.deepEqual([...contributions], [-0.8125, 0.375, 0.4375]);

  const values = [[NaN, 0, 1], [100, 3, 0.5], [100.5, NaN, NaN], [0, 2.999, 0.75], [1e6, -1, 0]];
  for (const row of values) {
    const x = Float32Array.from(row);
    const { contributions: c, margin: m } = explainRow(explainer, x);
    assert.equal(m, treeMargin(model, x), `margin of ${row}`);
    assert.equal(c[0]! + c[1]! + c[2]!, m - explainer.bias, `additivity of ${row}`);
  }
});

test('ONNX -> trees: a parsed random ensemble predicts exactly like the original and like onnxruntime', async () => {
  const model = randomTreeEnsemble({ features: 12, trees: 120, maxDepth: 6, seed: 11, calibrated: true });
  const onnx = exportOnnx(model);
  const parsed = parseOnnxModel(onnx, model.featureNames);
  assert.equal(parsed.kind, 'tree-ensemble');
  assert.deepEqual(parsed.kind === 'tree-ensemble' && parsed.calibration, model.calibration);
  const rows = 5000;
  const x = randomMatrix(rows, 12, 5, 0.05);
  // Same trees, same summation order: bit-identical, not merely close.
  assert.deepEqual(predictBatch(parsed, x, rows), predictBatch(model, x, rows));

  const loaded = await loadOnnxModel(onnx, { featureNames: model.featureNames });
  try {
    const onnxScores = await scoreRows(loaded.session, model.featureNames, x, rows);
    const ts = predictBatch(parsed, x, rows);
    let max = 0;
    for (let i = 0; i < rows; i++) max = Math.max(max, Math.abs(ts[i]! - onnxScores[i]!));
    assert.ok(max <= 1e-6, `max |ts - onnx| = ${max}`);
  } finally {
    await loaded.session.release();
  }

  // The whole matrix in one tree-major walk, as the service does it, against the row-wise TS margin.
  const explainer = createExplainer(parsed);
  const c = new Float64Array(rows * 12);
  const margins = new Float64Array(rows);
  explainer.explain(x, rows, c, margins);
  let worst = 0;
  for (let i = 0; i < rows; i++) {
    assert.equal(margins[i], treeMargin(parsed, x, i * 12));
    worst = Math.max(worst, Math.abs(c.subarray(i * 12, (i + 1) * 12).reduce((s, v) => s + v, 0) - (margins[i]! - explainer.bias)));
  }
  assert.ok(worst < 1e-9, `contributions miss margin - bias by ${worst}`);
});

test('ONNX -> linear model: weights, standardisation and calibration come back exactly', () => {
  const model = randomLinearModel(6, 3);
  const parsed = parseOnnxModel(exportOnnx(model), model.featureNames);
  assert.equal(parsed.kind, 'linear');
  const x = randomMatrix(1000, 6, 9, 0.1);
  assert.deepEqual(predictBatch(parsed, x, 1000), predictBatch(model, x, 1000));
  const explainer = createExplainer(parsed);
  const { contributions: c, margin: m } = explainRow(explainer, x.subarray(0, 6));
  assert.equal(m, linearMargin(model, x, 0));
  assert.ok(Math.abs(c.reduce((s, v) => s + v, 0) - (m - model.intercept)) < 1e-12);
});

test('parsing refuses a graph whose inputs are not in the manifest feature order', () => {
  const model = randomTreeEnsemble({ features: 3, trees: 2, maxDepth: 2, seed: 1 });
  assert.throws(() => parseOnnxModel(exportOnnx(model), [...model.featureNames].reverse()), { code: 'MODEL_INVALID' });
  assert.throws(() => parseOnnxModel(Uint8Array.from([1, 2, 3, 255, 255]), model.featureNames), { code: 'MODEL_INVALID' });
});

test('top reasons: the largest |contribution| first, at most k, zeros never a reason', () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  assert.deepEqual(topReasons(names, Float64Array.from([0.1, -0.7, 0, 0.3, -0.3]), 3), [
    { feature: 'b', contribution: -0.7 },
    { feature: 'd', contribution: 0.3 },
    { feature: 'e', contribution: -0.3 },
  ]);
  assert.deepEqual(topReasons(names, Float64Array.from([0, 0, 0.2, 0, 0]), 3), [{ feature: 'c', contribution: 0.2 }]);
  assert.deepEqual(topReasons(names, new Float64Array(5), 3), []);
  // Rows of a batch matrix are read at their offset.
  assert.deepEqual(topReasons(['a', 'b'], Float64Array.from([9, 9, 0.5, -1]), 1, 2), [{ feature: 'b', contribution: -1 }]);
});

test('ONNX -> trees: node rows in any order (root not first) parse to the same model', async () => {
  const { default: onnxProto } = await import('onnx-proto');
  const model = randomTreeEnsemble({ features: 5, trees: 20, maxDepth: 4, seed: 8 });
  const decoded = onnxProto.onnx.ModelProto.decode(exportOnnx(model));
  const ensemble = decoded.graph!.node!.find((n) => n.opType === 'TreeEnsembleRegressor')!;
  // Reverse every per-node attribute: each tree's root becomes its last row (and trees come in reverse).
  for (const a of ensemble.attribute ?? []) {
    if (!a.name?.startsWith('nodes_')) continue;
    a.ints?.reverse();
    a.floats?.reverse();
    a.strings?.reverse();
  }
  const shuffled = onnxProto.onnx.ModelProto.encode(decoded).finish();
  const parsed = parseOnnxModel(shuffled, model.featureNames);
  const x = randomMatrix(2000, 5, 3, 0.1);
  // Trees are summed in the reverse order now, so equal up to float64 rounding, not bit for bit.
  const a = predictBatch(parsed, x, 2000);
  const b = predictBatch(model, x, 2000);
  for (let i = 0; i < 2000; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-12, `row ${i}: ${a[i]} vs ${b[i]}`);
});
