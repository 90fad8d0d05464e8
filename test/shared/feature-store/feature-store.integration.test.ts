import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@riskstream/shared';
import { customerKey, terminalKey, type EntityState, type StoreEvent } from '@riskstream/shared/feature-store';
import { BUCKET_RETENTION_DAYS } from '@riskstream/shared/features';
import { bucketsOnly, dumpPrefix, readEntity } from './redis-dump.ts';
import { DAY0, expectedStates, mulberry32, offline, randomEvents, runStore, setup, TTLS } from './store-simulation.ts';

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
  assert.deepEqual(bucketsOnly(await dumpPrefix(redis, prefix)), expectedStates(expected.customers, expected.terminals));
  // The store really did prune: no state holds a day older than its retention allows.
  const card7 = (await readEntity(redis, prefix, 'c', 'card-7'))!;
  assert.ok(Math.min(...card7.buckets.map((b) => b.day)) > card7.newest - BUCKET_RETENTION_DAYS.customer);
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
  const card = `c:${twice[0]!.cardToken}`;
  const count = (d: Record<string, unknown>) => (d[card] as EntityState | undefined)?.buckets.find((b) => b.day === twice[0]!.day)?.count ?? 0;
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
  assert.deepEqual(await readEntity(redis, prefix, 't', 'term'), { newest: DAY0, buckets: [{ day: DAY0, count: 0, sumAmountCents: 0, fraudCount: 1 }] });
  await store.applyEvents([{ transactionId: 'tx-1', cardToken: 'c', terminalId: 'term', day: DAY0, cents: 5, apply: true }]);
  const ttl = async (k: string) => redis.ttl(`${prefix}${k}`);
  assert.ok(Math.abs((await redis.ttl(terminalKey(prefix, 'term'))) - TTLS.featureTtlSeconds) <= 5);
  assert.ok(Math.abs((await redis.ttl(customerKey(prefix, 'c'))) - TTLS.featureTtlSeconds) <= 5);
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
    // The window holds nothing else, so its count is whether day `oldest` was still there.
    assert.equal(pre!.terminal!.reduce((n, b) => n + b.count, 0), expected, `slack ${slack}`);
  }
});

test('integration: a value of another layout under an entity key fails the batch before anything is written', async (t) => {
  const { redis, prefix, store } = setup(t);
  const e = (id: string, card: string): StoreEvent => ({ transactionId: id, cardToken: card, terminalId: 't', day: DAY0, cents: 100, apply: true });
  await store.applyEvents([e('a', 'good')]);
  await redis.set(customerKey(prefix, 'bad'), 'nsXXXX-not-a-packed-state');
  const before = await dumpPrefix(redis, prefix, { raw: true });
  await assert.rejects(store.applyEvents([e('b', 'good'), e('c', 'bad')]), (err: unknown) => err instanceof AppError && err.code === 'HANDLER_FAILED' && /does not hold/.test(err.message));
  assert.deepEqual(await dumpPrefix(redis, prefix, { raw: true }), before);
});
