import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictBatch } from '@riskstream/shared/model';
import type { Model } from '@riskstream/shared/model';
import { exportOnnx } from '../../../training/src/export/onnx-export.ts';
import { loadOnnxModel, scoreRows } from '../../../training/src/export/onnx-session.ts';
import { randomLinearModel, randomMatrix, randomTreeEnsemble } from '../../../training/bench/random-model.ts';

const ROWS = 100_000;
const TOLERANCE = 1e-5;

async function maxAbsDiff(model: Model, x: Float32Array, rows: number): Promise<{ max: number; worstRow: number }> {
  const expected = predictBatch(model, x, rows);
  const loaded = await loadOnnxModel(exportOnnx(model), { featureNames: model.featureNames });
  try {
    const actual = await scoreRows(loaded.session, model.featureNames, x, rows);
    let max = 0;
    let worstRow = -1;
    for (let i = 0; i < rows; i++) {
      const d = Math.abs(expected[i]! - actual[i]!);
      // NaN must count as a failure, so compare with !(d <= max) rather than d > max.
      if (!(d <= max)) {
        max = d;
        worstRow = i;
      }
    }
    return { max, worstRow };
  } finally {
    await loaded.session.release();
  }
}

const cases: { name: string; model: () => Model; features: number }[] = [
  { name: '300 trees, depth 6, Platt', features: 12, model: () => randomTreeEnsemble({ features: 12, trees: 300, maxDepth: 6, seed: 1, calibrated: true }) },
  { name: '50 trees, depth 3, uncalibrated', features: 5, model: () => randomTreeEnsemble({ features: 5, trees: 50, maxDepth: 3, seed: 2 }) },
  { name: '120 trees, depth 6, Platt, 30 features', features: 30, model: () => randomTreeEnsemble({ features: 30, trees: 120, maxDepth: 6, seed: 3, calibrated: true }) },
  { name: 'linear, Platt', features: 12, model: () => randomLinearModel(12, 4) },
];

for (const c of cases) {
  test(`ONNX parity on ${ROWS} rows: ${c.name}`, async (t) => {
    const model = c.model();
    const x = randomMatrix(ROWS, c.features, 100 + c.features, 0.05);
    const { max, worstRow } = await maxAbsDiff(model, x, ROWS);
    t.diagnostic(`max |p_ts - p_onnx| = ${max.toExponential(3)} (row ${worstRow})`);
    assert.ok(max <= TOLERANCE, `max abs diff ${max} at row ${worstRow} exceeds ${TOLERANCE}`);
  });
}

test('ONNX parity: every branch decision matches (exact float32 ties and NaN on each side)', async () => {
  // One stump per feature at an integer threshold, leaves +-10 so any wrong branch shows as a large
  // difference; rows put values exactly on, just above, just below the threshold, and NaN.
  const features = 3;
  const trees = [0, 1, 2].map((f) => ({
    feature: Int32Array.from([f, -1, -1]),
    threshold: Float32Array.from([f === 1 ? Math.fround(0.1) : 2]),
    left: Int32Array.from([1, -1, -1]),
    right: Int32Array.from([2, -1, -1]),
    missingLeft: Uint8Array.from([f % 2]),
    value: Float64Array.from([0, 10 ** -(f), -(10 ** -(f))]),
  }));
  const model: Model = { kind: 'tree-ensemble', featureNames: ['a', 'b', 'c'], baseMargin: 0, trees };
  const values = [2, Math.fround(0.1), 0.1, 1.9999999, 2.0000001, NaN, -0, 0, Infinity, -Infinity];
  const rows = values.length ** 2;
  const x = new Float32Array(rows * features);
  for (let i = 0; i < rows; i++) {
    x[i * 3] = values[i % values.length]!;
    x[i * 3 + 1] = values[Math.floor(i / values.length)]!;
    x[i * 3 + 2] = values[(i * 7) % values.length]!;
  }
  const { max } = await maxAbsDiff(model, x, rows);
  assert.ok(max <= 1e-7, `branch mismatch: max diff ${max}`);
});
