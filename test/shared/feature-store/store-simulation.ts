import { Histogram } from 'prom-client';
import { connectionSchema, createRedis, loadConfig } from '@riskstream/shared';
import { FeatureStore, type StoreEvent } from '@riskstream/shared/feature-store';
import {
  applyEventToBuckets,
  applyLabelToBuckets,
  BUCKET_RETENTION_DAYS,
  computeFeatures,
  MS_PER_DAY,
  type MutableDailyBucket,
} from '@riskstream/shared/features';
import { uniqueId } from '../../support/integration.ts';
import { deletePrefix } from './redis-dump.ts';

/**
 * A feature store on a real Redis under a unique prefix, random event streams, and what the shared
 * module computes for them in memory: what the store's integration tests compare against.
 */
// No slack: with it the store keeps more days than the in-memory buckets, which the exact comparison would flag.
export const TTLS = { featureTtlSeconds: 38 * 86_400, snapshotTtlSeconds: 7 * 86_400, labelMarkerTtlSeconds: 90 * 86_400, retentionSlackDays: 0 };
export const DAY0 = 17_600;

export function setup(t: { after: (fn: () => Promise<void>) => void }, settings = TTLS) {
  const config = loadConfig(connectionSchema, process.env);
  const redis = createRedis(config);
  const prefix = `test:features:${uniqueId()}:`;
  const store = new FeatureStore(redis, prefix, settings, { redisRoundtrip: new Histogram({ name: 'test_redis_roundtrip_seconds', help: 'unregistered', labelNames: ['script'], registers: [] }) });
  t.after(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  return { redis, prefix, store };
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimEvent extends StoreEvent {
  readonly eventTimeMs: number;
  readonly amount: number;
  readonly fraud: boolean;
}

/** Time-ordered events over 90 days: 8 cards, 6 terminals, gaps, a few terminal-less, late and too-old ones. */
export function randomEvents(n: number, seed: number): SimEvent[] {
  const rnd = mulberry32(seed);
  const out: SimEvent[] = [];
  let t = DAY0 * MS_PER_DAY;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 0.3 * MS_PER_DAY);
    // Card 7 sleeps through days 30..75, so its hash prunes everything when it wakes up.
    let card = Math.floor(rnd() * 8);
    const dayNow = Math.floor(t / MS_PER_DAY) - DAY0;
    if (card === 7 && dayNow > 30 && dayNow < 75) card = 6;
    // Some events come 28..40 days late, around both retention boundaries (30 and 37 days).
    const veryOld = rnd() < 0.04;
    const eventTimeMs = veryOld ? t - (28 + Math.floor(rnd() * 13)) * MS_PER_DAY : t;
    const amount = Math.round(rnd() * 50000) / 100;
    out.push({
      transactionId: `tx-${i}`,
      cardToken: `card-${card}`,
      terminalId: rnd() < 0.05 ? null : `term-${Math.floor(rnd() * 6)}`,
      day: Math.floor(eventTimeMs / MS_PER_DAY),
      cents: Math.round(amount * 100),
      apply: rnd() >= 0.03,
      eventTimeMs,
      amount,
      fraud: rnd() < 0.1,
    });
  }
  return out;
}

/** What the shared module computes on in-memory buckets, with labels applied after each batch. */
export function offline(events: readonly SimEvent[], batchSize: number) {
  const customers = new Map<string, MutableDailyBucket[]>();
  const terminals = new Map<string, MutableDailyBucket[]>();
  const get = (m: Map<string, MutableDailyBucket[]>, k: string) => m.get(k) ?? (m.set(k, []), m.get(k)!);
  const features: Float32Array[] = [];
  for (let b = 0; b < events.length; b += batchSize) {
    const batch = events.slice(b, b + batchSize);
    for (const e of batch) {
      const c = get(customers, e.cardToken);
      const term = e.terminalId === null ? null : get(terminals, e.terminalId);
      features.push(computeFeatures(e, c, term));
      if (!e.apply) continue;
      applyEventToBuckets(c, e, BUCKET_RETENTION_DAYS.customer);
      if (term) applyEventToBuckets(term, e, BUCKET_RETENTION_DAYS.terminal);
    }
    for (const e of batch) {
      if (e.fraud && e.terminalId !== null) applyLabelToBuckets(get(terminals, e.terminalId), { eventTimeMs: e.eventTimeMs, isFraud: true }, BUCKET_RETENTION_DAYS.terminal);
    }
  }
  return { customers, terminals, features };
}

/** The states the store should hold for the in-memory buckets: only the fields it stores, the others 0. */
export function expectedStates(customers: Map<string, MutableDailyBucket[]>, terminals: Map<string, MutableDailyBucket[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [kind, map] of [['c', customers], ['t', terminals]] as const) {
    for (const [id, buckets] of map) {
      if (buckets.length === 0) continue;
      out[`${kind}:${id}`] = {
        newest: buckets[buckets.length - 1]!.day,
        buckets: buckets.map((b) => ({
          day: b.day,
          count: b.count,
          sumAmountCents: kind === 'c' ? b.sumAmountCents : 0,
          fraudCount: kind === 't' ? b.fraudCount : 0,
        })),
      };
    }
  }
  return out;
}

export async function runStore(store: FeatureStore, events: readonly SimEvent[], batchSize: number): Promise<Float32Array[]> {
  const features: Float32Array[] = [];
  for (let b = 0; b < events.length; b += batchSize) {
    const batch = events.slice(b, b + batchSize);
    const pre = await store.applyEvents(batch);
    batch.forEach((e, i) => features.push(computeFeatures(e, pre[i]!.customer, pre[i]!.terminal)));
    const frauds = batch.filter((e) => e.fraud && e.terminalId !== null);
    await store.applyLabels(frauds.map((e) => ({ transactionId: e.transactionId, terminalId: e.terminalId!, day: e.day })));
  }
  return features;
}

/** What a layout v1 store held for these buckets: a hash per entity, "<day>:n|s|f" fields and "newest". */
export function v1Hash(kind: 'c' | 't', buckets: readonly MutableDailyBucket[]): Record<string, string> {
  const h: Record<string, string> = { newest: String(buckets[buckets.length - 1]!.day) };
  for (const b of buckets) {
    if (b.count > 0) h[`${b.day}:n`] = String(b.count);
    if (kind === 'c' && b.count > 0) h[`${b.day}:s`] = String(b.sumAmountCents);
    if (kind === 't' && b.fraudCount > 0) h[`${b.day}:f`] = String(b.fraudCount);
  }
  return h;
}
