import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionSchema, createMetricsRegistry, createRedis, loadConfig } from '@riskstream/shared';
import {
  applyEventToBuckets,
  applyLabelToBuckets,
  BUCKET_RETENTION_DAYS,
  computeFeatures,
  MS_PER_DAY,
  type MutableDailyBucket,
} from '@riskstream/shared/features';
import { FeatureStore } from '../../../services/features/src/feature-store.ts';
import { featuresMetrics } from '../../../services/features/src/features-metrics.ts';
import type { StoreEvent } from '../../../services/features/src/store-protocol.ts';
import { uniqueId } from '../../support/integration.ts';
import { bucketsOnly, deletePrefix, dumpPrefix } from './redis-dump.ts';

// No slack: with it the store keeps more days than the in-memory buckets, which the exact comparison would flag.
const TTLS = { featureTtlSeconds: 38 * 86_400, snapshotTtlSeconds: 7 * 86_400, labelMarkerTtlSeconds: 90 * 86_400, retentionSlackDays: 0 };
const DAY0 = 17_600;

function setup(t: { after: (fn: () => Promise<void>) => void }, settings = TTLS) {
  const config = loadConfig(connectionSchema, process.env);
  const redis = createRedis(config);
  const prefix = `test:features:${uniqueId()}:`;
  const store = new FeatureStore(redis, prefix, settings, featuresMetrics(createMetricsRegistry('features-test', { defaultMetrics: false })));
  t.after(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  return { redis, prefix, store };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimEvent extends StoreEvent {
  readonly eventTimeMs: number;
  readonly amount: number;
  readonly fraud: boolean;
}

/** Time-ordered events over 90 days: 8 cards, 6 terminals, gaps, a few terminal-less, late and too-old ones. */
function randomEvents(n: number, seed: number): SimEvent[] {
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
function offline(events: readonly SimEvent[], batchSize: number) {
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

/** The hashes the store should hold for the in-memory buckets. */
function expectedHashes(customers: Map<string, MutableDailyBucket[]>, terminals: Map<string, MutableDailyBucket[]>): Record<string, unknown> {
  const out: Record<string, Record<string, string>> = {};
  for (const [kind, map] of [['c', customers], ['t', terminals]] as const) {
    for (const [id, buckets] of map) {
      if (buckets.length === 0) continue;
      const h: Record<string, string> = { newest: String(buckets[buckets.length - 1]!.day) };
      for (const b of buckets) {
        if (b.count > 0) h[`${b.day}:n`] = String(b.count);
        if (kind === 'c' && b.count > 0) h[`${b.day}:s`] = String(b.sumAmountCents);
        if (kind === 't' && b.fraudCount > 0) h[`${b.day}:f`] = String(b.fraudCount);
      }
      out[`${kind}:${id}`] = Object.fromEntries(Object.entries(h).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function runStore(store: FeatureStore, events: readonly SimEvent[], batchSize: number): Promise<Float32Array[]> {
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

test('integration: the store answers the pre-states and keeps the buckets of the shared module, pruning included', async (t) => {
  const { redis, prefix, store } = setup(t);
  const events = randomEvents(1500, 11);
  const batchSize = 40;
  const expected = offline(events, batchSize);
  const got = await runStore(store, events, batchSize);
  let mismatches = 0;
  got.forEach((f, i) => {
    if (!f.every((v, j) => Object.is(v, expected.features[i]![j]))) mismatches++;
  });
  assert.equal(mismatches, 0, `${mismatches} of ${events.length} feature vectors differ`);
  assert.deepEqual(bucketsOnly(await dumpPrefix(redis, prefix)), expectedHashes(expected.customers, expected.terminals));
  // The store really did prune: no hash holds a day older than its retention allows.
  const card7 = await redis.hgetall(`${prefix}c:card-7`);
  const days = Object.keys(card7).filter((k) => k.includes(':')).map((k) => Number(k.split(':')[0]));
  assert.ok(Math.min(...days) > Number(card7['newest']) - BUCKET_RETENTION_DAYS.customer);
});

test('integration: a redelivered batch answers the stored pre-states and changes nothing', async (t) => {
  const { redis, prefix, store } = setup(t);
  const events = randomEvents(300, 5);
  const first = await store.applyEvents(events);
  const before = await dumpPrefix(redis, prefix);
  const again = await store.applyEvents(events);
  assert.deepEqual(await dumpPrefix(redis, prefix), before);
  assert.ok(again.every((p) => p.status === 'redelivered'));
  assert.deepEqual(again.map((p) => ({ customer: p.customer, terminal: p.terminal })), first.map((p) => ({ customer: p.customer, terminal: p.terminal })));
  // A batch mixing seen and new events applies only the new ones.
  const more = randomEvents(310, 5).slice(300);
  const mixed = await store.applyEvents([...events.slice(100, 120), ...more]);
  assert.equal(mixed.filter((p) => p.status === 'redelivered').length, 20);
  // The same event twice in one batch: the second is answered like a redelivery and not recorded.
  const twice = randomEvents(311, 5).slice(310).map((e) => ({ ...e, apply: true }));
  const beforeTwice = await dumpPrefix(redis, prefix);
  const [once, dup] = await store.applyEvents([twice[0]!, twice[0]!]);
  assert.deepEqual([once!.status, dup!.status], ['applied', 'redelivered']);
  assert.deepEqual(dup!.customer, once!.customer);
  const afterTwice = await dumpPrefix(redis, prefix);
  const day = `${twice[0]!.day}:n`;
  const card = `c:${twice[0]!.cardToken}`;
  const count = (d: Record<string, unknown>) => Number((d[card] as Record<string, string> | undefined)?.[day] ?? 0);
  assert.equal(count(afterTwice) - count(beforeTwice), 1);
});

test('integration: a late event is scored on the current state but never recorded', async (t) => {
  const { redis, prefix, store } = setup(t);
  const e = (id: string, day: number, apply: boolean): StoreEvent => ({ transactionId: id, cardToken: 'c', terminalId: 't', day, cents: 100, apply });
  await store.applyEvents([e('a', DAY0, true), e('b', DAY0 + 1, true)]);
  const before = bucketsOnly(await dumpPrefix(redis, prefix));
  const [late] = await store.applyEvents([e('late', DAY0, false)]);
  assert.equal(late!.status, 'late');
  assert.deepEqual(late!.customer, [{ day: DAY0, count: 1, sumAmountCents: 100, fraudCount: 0 }]);
  assert.deepEqual(bucketsOnly(await dumpPrefix(redis, prefix)), before);
  const [redelivered] = await store.applyEvents([e('late', DAY0, true)]);
  assert.equal(redelivered!.status, 'redelivered', 'a late event stays unrecorded when redelivered');
  assert.deepEqual(bucketsOnly(await dumpPrefix(redis, prefix)), before);
});

test('integration: a fraud label counts once however often it is delivered; keys carry their TTLs', async (t) => {
  const { redis, prefix, store } = setup(t);
  const label = { transactionId: 'tx-1', terminalId: 'term', day: DAY0 };
  assert.deepEqual(await store.applyLabels([label, label]), ['applied', 'duplicate']);
  assert.deepEqual(await store.applyLabels([label]), ['duplicate']);
  assert.equal(await redis.hget(`${prefix}t:term`, `${DAY0}:f`), '1');
  await store.applyEvents([{ transactionId: 'tx-1', cardToken: 'c', terminalId: 'term', day: DAY0, cents: 5, apply: true }]);
  const ttl = async (k: string) => redis.ttl(`${prefix}${k}`);
  assert.ok(Math.abs((await ttl('t:term')) - TTLS.featureTtlSeconds) <= 5);
  assert.ok(Math.abs((await ttl('c:c')) - TTLS.featureTtlSeconds) <= 5);
  assert.ok(Math.abs((await ttl('pre:tx-1')) - TTLS.snapshotTtlSeconds) <= 5);
  assert.ok(Math.abs((await ttl('lbl:tx-1')) - TTLS.labelMarkerTtlSeconds) <= 5);
});

test('integration: the same events in another order within the retention leave identical buckets', async (t) => {
  const a = setup(t);
  const b = setup(t);
  const events = randomEvents(600, 23).filter((e) => e.day > 0).map((e) => ({ ...e, apply: true }));
  // Keep the span inside the retention so no order can make an event too old for its entity.
  const span = events.filter((e) => e.day < events[0]!.day + 25);
  await runStore(a.store, span, 50);
  const rnd = mulberry32(99);
  const shuffled = [...span].sort(() => rnd() - 0.5);
  await runStore(b.store, shuffled, 50);
  assert.deepEqual(bucketsOnly(await dumpPrefix(b.redis, b.prefix)), bucketsOnly(await dumpPrefix(a.redis, a.prefix)));
});

test('integration: with retention slack, a partition lagging behind another still reads its whole terminal window', async (t) => {
  const e = (id: string, card: string, day: number): StoreEvent => ({ transactionId: id, cardToken: card, terminalId: 'term', day, cents: 100, apply: true });
  const oldest = DAY0 - 36; // the oldest day of the 30-day terminal window of an event on DAY0
  for (const [slack, expected] of [[0, 0], [7, 1]] as const) {
    const { store } = setup(t, { ...TTLS, retentionSlackDays: slack });
    await store.applyEvents([e('old', 'lagging', oldest)]);
    // A card on a partition 5 days ahead moves the terminal's newest day to DAY0 + 5 ...
    await store.applyEvents([e('ahead', 'ahead', DAY0 + 5)]);
    // ... then the lagging partition's event on DAY0 reads the window [DAY0 - 36, DAY0 - 7].
    const [pre] = await store.applyEvents([e('lagging', 'lagging', DAY0)]);
    assert.equal(pre!.terminal!.filter((b) => b.day === oldest).length, expected, `slack ${slack}`);
  }
});
