import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '@riskstream/shared';
import { checkScoringConfig, DEFAULT_MODEL_SOURCE, scoringConfigSchema } from '../../../services/scoring/src/config.ts';

test('scoring config: defaults (port 8093, the repo registry, model fraud, batch 256)', () => {
  const c = loadConfig(scoringConfigSchema, {}, checkScoringConfig);
  assert.equal(c.httpPort, 8093);
  assert.equal(c.modelSource, DEFAULT_MODEL_SOURCE);
  assert.equal(DEFAULT_MODEL_SOURCE, join(import.meta.dirname, '..', '..', '..', '.riskstream', 'registry'));
  assert.equal(c.modelName, 'fraud');
  assert.equal(c.microBatch, 256);
  assert.equal(c.intraOpThreads, 1);
  assert.ok(Object.isFrozen(c));
});

test('scoring config: every problem at once, and MODEL_SOURCE must be a path or http(s)', () => {
  assert.throws(() => loadConfig(scoringConfigSchema, { SCORING_MICRO_BATCH: '0', MODEL_NAME: '../x' }, checkScoringConfig), (err: Error & { issues?: { field: string }[] }) => {
    assert.deepEqual(err.issues?.map((i) => i.field).sort(), ['MODEL_NAME', 'SCORING_MICRO_BATCH']);
    return true;
  });
  assert.throws(() => loadConfig(scoringConfigSchema, { MODEL_SOURCE: 's3://bucket/registry' }, checkScoringConfig), /MODEL_SOURCE/);
  assert.equal(loadConfig(scoringConfigSchema, { MODEL_SOURCE: 'https://models:8099' }, checkScoringConfig).modelSource, 'https://models:8099');
});
