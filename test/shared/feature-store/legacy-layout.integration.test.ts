import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customerKey, LAYOUT_VERSION, layoutMarkerKey, migrateLegacyLayout, terminalKey } from '@riskstream/shared/feature-store';
import { bucketsOnly, dumpPrefix, readEntity } from './redis-dump.ts';
import { DAY0, expectedStates, offline, randomEvents, runStore, setup, TTLS, v1Hash } from './store-simulation.ts';

test('integration: an upgrade converts layout v1 hashes once, before the first batch, and the features carry on exactly', async (t) => {
  const { redis, prefix, store } = setup(t);
  const events = randomEvents(1200, 17);
  const batchSize = 40;
  const half = 600;
  // A v1 store ran the first half: its hashes (with a TTL) are what the upgrade finds.
  const before = offline(events.slice(0, half), batchSize);
  for (const [kind, map] of [['c', before.customers], ['t', before.terminals]] as const) {
    for (const [id, buckets] of map) {
      if (buckets.length === 0) continue;
      await redis.hset(`${prefix}${kind}:${id}`, v1Hash(kind, buckets));
      await redis.expire(`${prefix}${kind}:${id}`, 5000);
    }
  }
  await redis.hset(`${prefix}c:idle`, { newest: String(DAY0), [`${DAY0}:n`]: '2', [`${DAY0}:s`]: '300' });
  await redis.expire(`${prefix}c:idle`, 1000);
  await redis.set(`${prefix}c:not-a-hash`, 'x');
  // A v1 hash whose v2 value exists already is left alone (only a v1 replica still running writes one).
  await redis.hset(`${prefix}t:both`, { newest: String(DAY0), [`${DAY0}:n`]: '9' });
  const both = Buffer.alloc(2 + 4 + 12);
  both.write('nf', 0, 'latin1');
  [DAY0, DAY0, 1, 0].forEach((v, i) => both.writeInt32LE(v, 2 + 4 * i));
  await redis.set(terminalKey(prefix, 'both'), both);

  // The upgraded store runs the second half: every feature as if one store had run it all.
  const expected = offline(events, batchSize);
  const got = await runStore(store, events.slice(half), batchSize);
  const mismatches = got.filter((f, i) => !f.every((v, j) => Object.is(v, expected.features[half + i]![j]))).length;
  assert.equal(mismatches, 0, `${mismatches} of ${got.length} feature vectors differ`);
  const dump = bucketsOnly(await dumpPrefix(redis, prefix));
  for (const k of ['c:idle', 't:both', 'c:not-a-hash']) delete dump[k];
  assert.deepEqual(dump, expectedStates(expected.customers, expected.terminals));
  // Converted with its remaining TTL, then the hash is gone; foreign and doubled keys are left alone.
  assert.deepEqual(await readEntity(redis, prefix, 'c', 'idle'), { newest: DAY0, buckets: [{ day: DAY0, count: 2, sumAmountCents: 300, fraudCount: 0 }] });
  const idleTtl = await redis.ttl(customerKey(prefix, 'idle'));
  assert.ok(idleTtl > 900 && idleTtl <= 1000, `idle TTL ${idleTtl}`);
  assert.deepEqual(await redis.keys(`${prefix}c:*`), [`${prefix}c:not-a-hash`]);
  assert.deepEqual(await redis.keys(`${prefix}t:*`), [`${prefix}t:both`]);
  assert.deepEqual(await readEntity(redis, prefix, 't', 'both'), { newest: DAY0, buckets: [{ day: DAY0, count: 1, sumAmountCents: 0, fraudCount: 0 }] });
  // The marker makes every later start one GET.
  assert.equal(await redis.get(layoutMarkerKey(prefix)), String(LAYOUT_VERSION));
  assert.deepEqual(await migrateLegacyLayout(redis, prefix, TTLS), { migrated: 0, leftAlone: 0, scanned: false });
});

test('integration: a snapshot written by layout v1 answers its redelivery after the upgrade', async (t) => {
  const { redis, prefix, store } = setup(t);
  await redis.set(`${prefix}pre:old`, '2,0,3,4500,29,1,99,1,8,2,1');
  const [pre] = await store.applyEvents([{ transactionId: 'old', cardToken: 'c', terminalId: 't', day: DAY0, cents: 100, apply: true }]);
  assert.deepEqual(pre, {
    status: 'redelivered',
    degraded: false,
    customer: [
      { day: DAY0, count: 3, sumAmountCents: 4500, fraudCount: 0 },
      { day: DAY0 - 29, count: 1, sumAmountCents: 99, fraudCount: 0 },
    ],
    terminal: [{ day: DAY0 - 8, count: 2, sumAmountCents: 0, fraudCount: 1 }],
  });
  assert.equal(await redis.exists(customerKey(prefix, 'c')), 0, 'and it is not applied again');
});
