import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError } from '@riskstream/shared';
import { ManifestError, validateManifest } from '@riskstream/shared/model';
import { sampleManifest } from './sample-manifest.ts';

test('accepts a complete manifest and returns it typed', () => {
  const m = validateManifest(sampleManifest());
  assert.equal(m.version, 2);
  assert.deepEqual(m.featureNames, ['amount', 'velocity_1h']);
  assert.deepEqual(validateManifest(JSON.parse(JSON.stringify(sampleManifest({ parentVersion: undefined })))).parentVersion, undefined);
});

test('lists every problem at once, with paths', () => {
  const bad = sampleManifest({
    version: 0,
    kind: 'forest',
    featureNames: ['amount', 'amount'],
    metrics: { roc_auc: Number.NaN, holdout: { ap: 'high' } },
    thresholds: { review: 0.9, decline: 0.5 },
    createdAt: 'yesterday',
    onnxSha256: 'xyz',
    referenceProfile: {
      features: { amount: { kind: 'numeric', binEdges: [0, 5, 5], proportions: [0.5, 0.4], missingRate: 2 } },
      score: { kind: 'categorical', frequencies: { a: 1 } },
    },
  });
  assert.throws(() => validateManifest(bad), (err: unknown) => {
    assert.ok(err instanceof ManifestError && err instanceof ModelError);
    assert.equal(err.code, 'MODEL_INVALID');
    const text = err.issues.join('\n');
    for (const fragment of [
      'version:', 'kind:', 'featureNames: duplicate "amount"', 'metrics.roc_auc', 'metrics.holdout.ap',
      'thresholds: review must not exceed decline', 'createdAt', 'onnxSha256', 'binEdges: must be strictly increasing',
      'proportions: must sum to 1', 'missingRate', 'referenceProfile.score: must be numeric', 'inputSchema.velocity_1h: is not a feature name',
    ]) {
      assert.ok(text.includes(fragment), `missing issue "${fragment}" in:\n${text}`);
    }
    return true;
  });
});

test('inputSchema must cover every feature, parentVersion must precede version', () => {
  const bad = sampleManifest({ inputSchema: { amount: { type: 'float', description: 'x' } }, parentVersion: 2 });
  assert.throws(() => validateManifest(bad), /inputSchema\.velocity_1h: missing[\s\S]*parentVersion: must be lower than version/);
  assert.throws(() => validateManifest('nope'), ManifestError);
  assert.throws(() => validateManifest(sampleManifest({ trainingConfig: { when: new Date() } })), /trainingConfig/);
});
