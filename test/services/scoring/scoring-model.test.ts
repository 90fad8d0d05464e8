import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictBatch, sha256Hex } from '@riskstream/shared/model';
import { exportOnnx } from '@riskstream/training';
import { randomTreeEnsemble, randomMatrix } from '../../../training/bench/random-model.ts';
import { loadScoringModel, toColumns } from '../../../services/scoring/src/scoring-model.ts';
import { fetchedModel, handMadeEnsemble, nanModel } from './scoring-fixtures.ts';

test('a valid model loads and scores like the TypeScript model', async () => {
  const model = randomTreeEnsemble({ features: 8, trees: 60, maxDepth: 5, seed: 4, calibrated: true });
  const loaded = await loadScoringModel(fetchedModel(model, 3, { thresholds: { review: 0.2, decline: 0.6 } }));
  try {
    assert.equal(loaded.version, 3);
    assert.deepEqual(loaded.thresholds, { review: 0.2, decline: 0.6 });
    const x = randomMatrix(512, 8, 2);
    const scores = await loaded.score(toColumns(x, 512, 8), 512);
    const expected = predictBatch(model, x, 512);
    for (let i = 0; i < 512; i++) assert.ok(Math.abs(scores[i]! - expected[i]!) <= 1e-6, `row ${i}`);
  } finally {
    await loaded.release();
  }
});

test('a model that scores NaN is refused by the probe batch', async () => {
  await assert.rejects(loadScoringModel(fetchedModel(nanModel(['a', 'b']), 2)), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'MODEL_INVALID');
    assert.match(err.message, /probe row 0 scored NaN/);
    return true;
  });
});

test('corrupt ONNX bytes (with a manifest that matches them) are refused', async () => {
  const onnx = Buffer.from(exportOnnx(handMadeEnsemble()));
  const corrupt = onnx.subarray(0, Math.floor(onnx.length / 2));
  await assert.rejects(loadScoringModel(fetchedModel(handMadeEnsemble(), 2, { onnx: corrupt })), { code: 'MODEL_INVALID' });
});

test('bytes that do not hash to the manifest or to the announced sha256 are refused', async () => {
  const fetched = fetchedModel(handMadeEnsemble(), 2);
  const other = exportOnnx({ ...handMadeEnsemble(), baseMargin: 1 });
  await assert.rejects(loadScoringModel({ manifest: fetched.manifest, onnx: other }), /does not match the manifest/);
  await assert.rejects(loadScoringModel(fetched, { expectedSha256: sha256Hex(other) }), /does not match the announced/);
});

test('a manifest whose feature names differ from the graph is refused', async () => {
  const good = fetchedModel(handMadeEnsemble(), 2);
  const manifest = { ...good.manifest, featureNames: ['amount', 'night', 'velocity'] };
  await assert.rejects(loadScoringModel({ manifest, onnx: good.onnx }), { code: 'MODEL_INVALID' });
});
