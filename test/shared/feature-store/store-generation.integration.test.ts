import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram } from 'prom-client';
import { connectionSchema, createMetricsRegistry, createRedis, DependencyError, loadConfig } from '@riskstream/shared';
import { FeatureStore, generationKey, type StoreEvent } from '@riskstream/shared/feature-store';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.ts';

// A private redis-server: these tests kill, restart and SIGSTOP it (never the shared one on 6379).

const SETTINGS = { featureTtlSeconds: 86_400 * 40, snapshotTtlSeconds: 3600, labelMarkerTtlSeconds: 3600, retentionSlackDays: 0 };
const DAY0 = 20_000;
/** The oldest age any feature reads (terminal windows end 36 days back). */
const SPAN = 36;

function storeOn(server: PrivateRedis, prefix: string, timeoutMs = 1000) {
  const registry = createMetricsRegistry('generation-test', { defaultMetrics: false });
  const generationChanges = new Counter({ name: 'test_generation_changes_total', help: 'changes', registers: [registry] });
  const redisRoundtrip = new Histogram({ name: 'test_roundtrip_seconds', help: 'rt', labelNames: ['script'], registers: [registry] });
  const redis = createRedis(loadConfig(connectionSchema, { ...process.env, REDIS_URL: server.url }), { commandTimeoutMs: timeoutMs });
  const store = new FeatureStore(redis, prefix, SETTINGS, { redisRoundtrip, generationChanges });
  return { store, redis, changes: async () => (await generationChanges.get()).values[0]?.value ?? 0 };
}

function ev(id: string, day: number, card = 'c1'): StoreEvent {
  return { transactionId: id, cardToken: card, terminalId: 't1', day, cents: 100, apply: true };
}

test('integration: after Redis restarts empty, events whose windows reach before the loss are marked degraded, later ones are not', async (t) => {
  const server = await startPrivateRedis();
  const a = storeOn(server, 'g:');
  t.after(async () => {
    a.redis.disconnect();
    await server.stop();
  });
  const first = await a.store.applyEvents([ev('1', DAY0), ev('2', DAY0 + 1)]);
  assert.deepEqual(first.map((p) => p.degraded), [false, false], 'a first start is trusted');
  assert.equal(first[1]!.customer.length, 1);

  await server.restartEmpty();
  // The client reconnects by itself; the first call after the restart may still hit the dead socket.
  const after = await retry(() => a.store.applyEvents([ev('3', DAY0 + 2), ev('4', DAY0 + 2 + SPAN), ev('5', DAY0 + 3 + SPAN)]));
  assert.deepEqual(after.map((p) => p.degraded), [true, true, false], 'degraded exactly through the loss day + 36');
  assert.deepEqual(after[0]!.customer, [], 'the history before the loss is gone: that is what the flag says');
  assert.equal(await a.changes(), 1);
  const generation = await a.redis.hgetall(generationKey('g:'));
  assert.equal(Number(generation['born']), DAY0 + 2);
  assert.equal(Number(generation['through']), DAY0 + 2 + SPAN);

  const again = await a.store.applyEvents([ev('6', DAY0 + 10), ev('3', DAY0 + 2)]);
  assert.deepEqual(again.map((p) => [p.status, p.degraded]), [['applied', true], ['redelivered', true]], 'the verdict holds for every later batch and redelivery');
  assert.equal(await a.changes(), 1, 'one loss is counted once');
});

test('integration: a member that never knew the old generation learns of the loss from one that did', async (t) => {
  const server = await startPrivateRedis();
  const knowing = storeOn(server, 'h:');
  t.after(async () => {
    knowing.redis.disconnect();
    await server.stop();
  });
  await knowing.store.applyEvents([ev('1', DAY0)]);
  await server.restartEmpty();
  // A replica started after the loss calls first: it cannot tell a loss from a first start.
  const fresh = storeOn(server, 'h:');
  t.after(() => fresh.redis.disconnect());
  const [unknown] = await fresh.store.applyEvents([ev('2', DAY0 + 1)]);
  assert.equal(unknown!.degraded, false);
  await retry(() => knowing.store.applyEvents([ev('3', DAY0 + 1, 'c2')]));
  const [told] = await fresh.store.applyEvents([ev('4', DAY0 + 2)]);
  assert.equal(told!.degraded, true, 'the knowing member wrote the verdict into the generation both read');
  assert.equal(Number((await knowing.redis.hgetall(generationKey('h:')))['through']), DAY0 + 1 + SPAN, 'dated from the generation birth');
});

test('integration: a Redis stopped by SIGSTOP fails calls as retriable; after SIGCONT the retried batch is applied exactly once', async (t) => {
  const server = await startPrivateRedis();
  const a = storeOn(server, 's:', 300);
  t.after(async () => {
    server.resume();
    a.redis.disconnect();
    await server.stop();
  });
  await a.store.applyEvents([ev('1', DAY0)]);
  server.pause();
  const batch = [ev('2', DAY0), ev('3', DAY0)];
  await assert.rejects(a.store.applyEvents(batch), (e: unknown) => e instanceof DependencyError && e.retriable);
  server.resume();
  const pre = await retry(() => a.store.applyEvents(batch));
  // The timed-out call may have run once Redis woke up: the retry is then answered from its snapshots.
  assert.ok(pre.every((p) => !p.degraded), 'a pause is not a loss');
  const [probe] = await a.store.applyEvents([ev('4', DAY0 + 1)]);
  assert.deepEqual(probe!.customer, [{ day: DAY0, count: 3, sumAmountCents: 300, fraudCount: 0 }], 'each event of the stopped batch counted once');
  assert.equal(await a.changes(), 0);
});

async function retry<T>(fn: () => Promise<T>, attempts = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof DependencyError) || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
