/**
 * The feature store's script path alone (no Kafka): sequential micro-batches of time-ordered events
 * against a real Redis, reporting events/s and the round trip per micro-batch. The first half warms the
 * windows up (entities fill to 30+ days), the second half is the steady state that is reported.
 *
 * Also reports what the store's keys look like in the steady state (`keyShapes`, sampled at its start
 * and end, by key kind: type, mean size) and how many keys of each kind a batch declares (`perBatch`),
 * so feature-store-vs-redis.ts can run redis-benchmark on values shaped like ours.
 *
 *   node bench/pipeline/feature-store-bench.ts [events=100000] [batch=500] [cards=2000] [terminals=1000]
 *
 * Uses REDIS_URL etc. like the service; writes under a unique prefix and deletes it afterwards.
 */
import { connectionSchema, createRedis, loadConfig } from '@riskstream/shared';
import { FeatureStore, type FeatureStoreMetrics, type StoreEvent } from '@riskstream/shared/feature-store';
import { amountToCents, computeFeatures, dayIndex, MS_PER_DAY } from '@riskstream/shared/features';

const [events = 100_000, batch = 500, cards = 2000, terminals = 1000] = process.argv.slice(2).map(Number);
const days = 40;
const config = loadConfig(connectionSchema, process.env);
const redis = createRedis(config, { commandTimeoutMs: 10_000 });
const prefix = `bench:features:${Date.now().toString(36)}:`;
// The bench times each round trip itself (performance.now() around applyEvents), so the store's timer is a no-op.
const untimed: FeatureStoreMetrics = { redisRoundtrip: { startTimer: () => () => 0 } };
const store = new FeatureStore(
  redis,
  prefix,
  { featureTtlSeconds: 38 * 86_400, snapshotTtlSeconds: 3600, labelMarkerTtlSeconds: 3600, retentionSlackDays: 7 },
  untimed,
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

export interface KeyShape {
  type: string;
  keys: number;
  /** strings: bytes; hashes: fields, and bytes per field name and per value */
  meanBytes?: number;
  meanFields?: number;
  meanFieldBytes?: number;
  meanValueBytes?: number;
}

/** The kind of a key: its name under the prefix without the last ":" part (the id), e.g. "pre", "c". */
function kindOf(key: string): string {
  const name = key.slice(prefix.length);
  return name.slice(0, Math.max(0, name.lastIndexOf(':')));
}

async function sampleKeyShapes(): Promise<Map<string, KeyShape>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batchKeys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    keys.push(...batchKeys);
  } while (cursor !== '0');
  const types = (await redis.pipeline(keys.map((k) => ['type', k])).exec())!.map(([, t]) => t as string);
  const sizes = (await redis.pipeline(keys.map((k, i) => (types[i] === 'hash' ? ['hgetall', k] : ['strlen', k]))).exec())!.map(([, v]) => v);
  const out = new Map<string, KeyShape & { sums: number[] }>();
  keys.forEach((k, i) => {
    const kind = kindOf(k);
    let shape = out.get(kind);
    if (!shape) out.set(kind, (shape = { type: types[i]!, keys: 0, sums: [0, 0, 0, 0] }));
    shape.keys++;
    if (types[i] === 'hash') {
      const h = sizes[i] as Record<string, string>;
      const entries = Object.entries(h);
      shape.sums[1]! += entries.length;
      for (const [f, v] of entries) {
        shape.sums[2]! += f.length;
        shape.sums[3]! += v.length;
      }
    } else {
      shape.sums[0]! += sizes[i] as number;
    }
  });
  const shapes = new Map<string, KeyShape>();
  for (const [kind, { sums, ...s }] of out) {
    if (s.type === 'hash') {
      const fields = sums[1]!;
      shapes.set(kind, { ...s, meanFields: fields / s.keys, meanFieldBytes: sums[2]! / Math.max(1, fields), meanValueBytes: sums[3]! / Math.max(1, fields) });
    } else {
      shapes.set(kind, { ...s, meanBytes: sums[0]! / s.keys });
    }
  }
  return shapes;
}

/** The mean of two samples, kind by kind (a kind missing from one counts from the other alone). */
function meanShapes(a: Map<string, KeyShape>, b: Map<string, KeyShape>): Record<string, KeyShape> {
  const out: Record<string, KeyShape> = {};
  for (const kind of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(kind) ?? b.get(kind)!;
    const y = b.get(kind) ?? x;
    const mean = (f: keyof KeyShape) => (x[f] === undefined ? undefined : +(((x[f] as number) + (y[f] as number)) / 2).toFixed(1));
    out[kind] = Object.fromEntries(
      Object.entries({ type: y.type, keys: mean('keys'), meanBytes: mean('meanBytes'), meanFields: mean('meanFields'), meanFieldBytes: mean('meanFieldBytes'), meanValueBytes: mean('meanValueBytes') }).filter(([, v]) => v !== undefined),
    ) as unknown as KeyShape;
  }
  return out;
}

const latencies: number[] = [];
let steadyEvents = 0;
let steadyMs = 0;
let buckets = 0;
const perBatch = { batches: 0, events: 0, distinctCards: 0, distinctTerminals: 0 };
let shapesAtStart = new Map<string, KeyShape>();
try {
  for (let b = 0; b < all.length; b += batch) {
    const slice = all.slice(b, b + batch);
    if (b >= all.length / 2 && steadyEvents === 0) shapesAtStart = await sampleKeyShapes();
    const start = performance.now();
    const pre = await store.applyEvents(slice);
    const storeMs = performance.now() - start;
    for (let i = 0; i < slice.length; i++) computeFeatures(slice[i]!, pre[i]!.customer, pre[i]!.terminal);
    const totalMs = performance.now() - start;
    if (b >= all.length / 2) {
      latencies.push(storeMs);
      steadyEvents += slice.length;
      steadyMs += totalMs;
      buckets += pre.reduce((s, p) => s + p.customer.length + (p.terminal?.length ?? 0), 0);
      perBatch.batches++;
      perBatch.events += slice.length;
      perBatch.distinctCards += new Set(slice.map((e) => e.cardToken)).size;
      perBatch.distinctTerminals += new Set(slice.map((e) => e.terminalId)).size;
    }
  }
  const keyShapes = meanShapes(shapesAtStart, await sampleKeyShapes());
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
      /** Buckets (customer + terminal) in the pre-states the store answered: the size of its reply. */
      bucketsPerEvent: +(buckets / steadyEvents).toFixed(1),
      redisUsedMemory: /used_memory_human:(\S+)/.exec(info)?.[1],
      keyShapes,
      perBatch: {
        events: perBatch.events / perBatch.batches,
        distinctCards: perBatch.distinctCards / perBatch.batches,
        distinctTerminals: perBatch.distinctTerminals / perBatch.batches,
      },
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
