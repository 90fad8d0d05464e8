import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex, validateManifest } from '@riskstream/shared/model';
import type { EnrichedTransaction } from '@riskstream/shared';
import { selectColumns, simulate, simulatedTrainingData, takeRows, trainModel } from '@riskstream/training';
import { loadScoringModel, toColumns } from '../../../services/scoring/src/scoring-model.ts';
import { featureRows } from '../../../services/scoring/src/transaction-scorer.ts';
import { loadOnnxModel, scoreRows } from '../../../training/src/export/onnx-session.ts';

// A model trained with --select-features takes fewer features than the feature service computes: scoring
// reads the manifest's list and picks those by name from the full feature map, with no code change.
test('a model trained on a selected subset scores events that carry every feature, from its manifest alone', async () => {
  const data = simulatedTrainingData({ seed: 3, simulation: simulate({ nCustomers: 300, nTerminals: 600, nbDays: 40, seed: 3 }) });
  const o = await trainModel(data, { name: 'fraud', seed: 1, gbdt: { rounds: 20, earlyStoppingRounds: 5 }, selectFeatures: 4 });
  const kept = o.featureSelection!.kept;
  assert.equal(o.manifest.featureNames.length, 4);
  const manifest = validateManifest({ ...o.manifest, name: 'fraud', version: 1, createdAt: '2026-12-07T00:00:00.000Z', onnxSha256: sha256Hex(o.onnx) });
  const loaded = await loadScoringModel({ manifest, onnx: o.onnx });
  try {
    const test = takeRows(data.dataset, data.testIndex.subarray(0, 300));
    // Events as the feature service publishes them: all 15 features, in no particular order.
    const events = Array.from({ length: test.rows }, (_, i) => ({
      features: Object.fromEntries([...test.featureNames].reverse().map((f) => [f, test.x[i * test.cols + test.featureNames.indexOf(f)]!])),
    })) as unknown as EnrichedTransaction[];
    const x = featureRows(events, loaded.featureNames);
    const served = await loaded.score(toColumns(x, test.rows, kept.length), test.rows);
    const reference = await loadOnnxModel(o.onnx, { featureNames: kept });
    const subset = selectColumns(test, kept);
    const expected = await scoreRows(reference.session, reference.featureNames, subset.x, subset.rows);
    await reference.session.release();
    for (let i = 0; i < test.rows; i++) assert.ok(Math.abs(served[i]! - expected[i]!) <= 1e-6, `row ${i}: ${served[i]} vs ${expected[i]}`);
  } finally {
    await loaded.release();
  }
});
