import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { Histogram, type Registry } from 'prom-client';
import { AppError, createMetricsRegistry, DependencyError } from '@riskstream/shared';
import { FeatureStore, type FeatureStoreMetrics } from '@riskstream/shared/feature-store';

const SETTINGS = { featureTtlSeconds: 100, snapshotTtlSeconds: 100, labelMarkerTtlSeconds: 100, retentionSlackDays: 0 };
const EVENT = { transactionId: 'a', cardToken: 'c', terminalId: null, day: 1, cents: 1, apply: true };

/** The owning service names the histogram (features_redis_roundtrip_seconds in the features service). */
function storeMetrics(registry: Registry = createMetricsRegistry('feature-store-test', { defaultMetrics: false })): FeatureStoreMetrics {
  return { redisRoundtrip: new Histogram({ name: 'test_redis_roundtrip_seconds', help: 'script round trip', labelNames: ['script'], registers: [registry] }) };
}

/** A client whose prefix is already on the current layout (the marker answers '2') and whose script calls fail. */
function failingStore(error: Error) {
  const redis = { get: async () => '2', call: async () => Promise.reject(error), callBuffer: async () => Promise.reject(error) } as unknown as Redis;
  const registry = createMetricsRegistry('feature-store-test', { defaultMetrics: false });
  return { store: new FeatureStore(redis, 'p:', SETTINGS, storeMetrics(registry)), registry };
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
  const h = (await registry.getMetricsAsJSON()).find((m) => m.name === 'test_redis_roundtrip_seconds')!;
  const count = h.values.find((v) => (v as { metricName?: string }).metricName === 'test_redis_roundtrip_seconds_count' && v.labels['script'] === 'apply-labels');
  assert.equal(count?.value, 1);
});

test('a failed layout check is retriable whatever the error, and the next batch checks again', async () => {
  let gets = 0;
  const redis = {
    get: async () => {
      gets++;
      if (gets === 1) throw replyError('ERR unexpected');
      return '2';
    },
    callBuffer: async () => [0, Buffer.alloc(0)],
  } as unknown as Redis;
  const store = new FeatureStore(redis, 'p:', SETTINGS, storeMetrics());
  await assert.rejects(store.applyEvents([EVENT]), (e: unknown) => e instanceof DependencyError && e.retriable);
  // The check passes now; the (fake) script's empty pre-state is then refused as malformed, which shows it ran.
  await assert.rejects(store.applyEvents([EVENT]), (e: unknown) => e instanceof AppError && e.code === 'HANDLER_FAILED');
  await assert.rejects(store.applyEvents([EVENT]), (e: unknown) => e instanceof AppError && e.code === 'HANDLER_FAILED');
  assert.equal(gets, 2, 'checked until it succeeded, then never again');
});
