import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { AppError, createMetricsRegistry, DependencyError } from '@riskstream/shared';
import { FeatureStore } from '../../../services/features/src/feature-store.ts';
import { featuresMetrics } from '../../../services/features/src/features-metrics.ts';

const SETTINGS = { featureTtlSeconds: 100, snapshotTtlSeconds: 100, labelMarkerTtlSeconds: 100, retentionSlackDays: 0 };
const EVENT = { transactionId: 'a', cardToken: 'c', terminalId: null, day: 1, cents: 1, apply: true };

function failingStore(error: Error) {
  const redis = { evalsha: async () => Promise.reject(error), eval: async () => Promise.reject(error) } as unknown as Redis;
  const registry = createMetricsRegistry('features-test', { defaultMetrics: false });
  return { store: new FeatureStore(redis, 'p:', SETTINGS, featuresMetrics(registry)), registry };
}

function replyError(message: string): Error {
  const e = new Error(message);
  e.name = 'ReplyError';
  return e;
}

test('connection failures and transient server states are retriable DependencyErrors', async () => {
  for (const err of [new Error('connect ECONNREFUSED 127.0.0.1:6390'), new Error('Command timed out'), replyError('LOADING Redis is loading the dataset in memory'), replyError('BUSY Redis is busy running a script'), replyError('NOPERM this user has no permissions')]) {
    await assert.rejects(failingStore(err).store.applyEvents([EVENT]), (e: unknown) => e instanceof DependencyError && e.retriable && e.dependency === 'redis', err.message);
  }
});

test('an error about the request itself is final, so the runner isolates and dead-letters the record', async () => {
  for (const err of [replyError('ERR user_script:12: attempt to compare nil with number'), replyError('WRONGTYPE Operation against a key holding the wrong kind of value')]) {
    await assert.rejects(failingStore(err).store.applyEvents([EVENT]), (e: unknown) => e instanceof AppError && !e.retriable && e.code === 'HANDLER_FAILED', err.message);
  }
});

test('the round trip is timed even when it fails, and nothing is sent for an empty batch', async () => {
  const { store, registry } = failingStore(new Error('boom'));
  assert.deepEqual(await store.applyEvents([]), []);
  assert.deepEqual(await store.applyLabels([]), []);
  await assert.rejects(store.applyLabels([{ transactionId: 'a', terminalId: 't', day: 1 }]));
  const h = (await registry.getMetricsAsJSON()).find((m) => m.name === 'features_redis_roundtrip_seconds')!;
  const count = h.values.find((v) => (v as { metricName?: string }).metricName === 'features_redis_roundtrip_seconds_count' && v.labels['script'] === 'apply-labels');
  assert.equal(count?.value, 1);
});
