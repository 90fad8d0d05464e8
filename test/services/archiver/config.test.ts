import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '@riskstream/shared';
import { archiverConfigSchema } from '../../../services/archiver/src/config.ts';

test('archiver defaults follow the monitoring contract: port 8096, group riskstream-archiver', () => {
  const c = loadConfig(archiverConfigSchema, {});
  assert.equal(c.httpPort, 8096);
  assert.equal(c.groupId, 'riskstream-archiver');
  assert.match(c.offlineStoreDir, /\.riskstream\/offline$/);
  assert.equal(c.microBatchSize, 10_000);
  assert.equal(loadConfig(archiverConfigSchema, { OFFLINE_STORE_DIR: '/data/lake' }).offlineStoreDir, '/data/lake');
});

test('every bad archiver setting is reported at once', () => {
  assert.throws(
    () => loadConfig(archiverConfigSchema, { ARCHIVER_MICRO_BATCH_SIZE: '0', ARCHIVER_PARTITIONS_CONCURRENTLY: 'many', ARCHIVER_SESSION_TIMEOUT_MS: '10' }),
    (e: unknown) => e instanceof ConfigError && e.issues.length === 3,
  );
});
