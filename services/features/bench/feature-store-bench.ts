/**
 * The feature store's script path alone (no Kafka): sequential micro-batches of time-ordered events
 * against a real Redis, reporting events/s and the round trip per micro-batch. The first half warms the
 * windows up (hashes fill to 30+ days), the second half is the steady state that is reported.
 *
 *   node services/features/bench/feature-store-bench.ts [events=100000] [batch=500] [cards=2000] [terminals=1000]
 *
 * Uses REDIS_URL etc. like the service; writes under a unique prefix and deletes it afterwards.
 */
import { connectionSchema, createMetricsRegistry, createRedis, loadConfig } from '@riskstream/shared';
import { amountToCents, computeFeatures, dayIndex, MS_PER_DAY } from '@riskstream/shared/features';
import { FeatureStore } from '../src/feature-store.ts';
import { featuresMetrics } from '../src/features-metrics.ts';
import type { StoreEvent } from '../src/store-protocol.ts';

const [events = 100_000, batch = 500, cards = 2000, terminals = 1000] = process.argv.slice(2).map(Number);
const days = 40;
const config = loadConfig(connectionSchema, process.env);
const redis = createRedis(config, { commandTimeoutMs: 10_000 });
const prefix = `bench:features:${Date.now().toString(36)}:`;
const store = new FeatureStore(
  redis,
  prefix,
  { featureTtlSeconds: 38 * 86_400, snapshotTtlSeconds: 3600, labelMarkerTtlSeconds: 3600, retentionSlackDays: 7 },
  featuresMetrics(createMetricsRegistry('bench', { defaultMetrics: false })),
);

let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const t0 = 17_600 * MS_PER_DAY;
const all: (StoreEvent & { eventTimeMs: number; amount: number })[] = [];
for (let i = 0; i < events; i++) {
  const eventTimeMs = t0 + Math.floor((i / events) * days * MS_PER_DAY);
  const amount = Math.round(rnd() * 20000) / 100;
  all.push({
    transactionId: `b-${i}`,
    cardToken: `card-${Math.floor(rnd() * cards)}`,
    terminalId: `term-${Math.floor(rnd() * terminals)}`,
    day: dayIndex(eventTimeMs),
    cents: amountToCents(amount),
    apply: true,
    eventTimeMs,
    amount,
  });
}

const latencies: number[] = [];
let steadyEvents = 0;
let steadyMs = 0;
let replyNumbers = 0;
try {
  for (let b = 0; b < all.length; b += batch) {
    const slice = all.slice(b, b + batch);
    const start = performance.now();
    const pre = await store.applyEvents(slice);
    const storeMs = performance.now() - start;
    for (let i = 0; i < slice.length; i++) computeFeatures(slice[i]!, pre[i]!.customer, pre[i]!.terminal);
    const totalMs = performance.now() - start;
    if (b >= all.length / 2) {
      latencies.push(storeMs);
      steadyEvents += slice.length;
      steadyMs += totalMs;
      replyNumbers += pre.reduce((s, p) => s + 1 + 3 * p.customer.length + 3 * (p.terminal?.length ?? 0) + 2, 0);
    }
  }
  latencies.sort((a, c) => a - c);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
  const info = await redis.info('memory');
  console.log(
    JSON.stringify({
      events,
      batch,
      cards,
      terminals,
      steadyBatches: latencies.length,
      roundtripMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: latencies[latencies.length - 1]!.toFixed(1) },
      eventsPerSecond: Math.round(steadyEvents / (steadyMs / 1000)),
      replyNumbersPerEvent: +(replyNumbers / steadyEvents).toFixed(1),
      redisUsedMemory: /used_memory_human:(\S+)/.exec(info)?.[1],
    }),
  );
} finally {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
}
