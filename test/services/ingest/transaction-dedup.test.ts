import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyError } from '@riskstream/shared';
import { recordCoordinates, TransactionDedup } from '../../../services/ingest/src/transaction-dedup.ts';
import { FakeMarkerStore, NOW } from './transaction-fixtures.ts';

function setup(horizonSeconds = 3600) {
  const store = new FakeMarkerStore();
  const dedup = new TransactionDedup({ store, keyPrefix: 'test:', horizonSeconds });
  return { store, dedup };
}

const at = (offset: number, partition = 0) => recordCoordinates('raw', partition, String(offset));

test('first sighting passes, a second sighting at other coordinates is a duplicate', async () => {
  const { dedup } = setup();
  assert.deepEqual(await dedup.check([{ transactionId: 'a', coordinates: at(1) }]), ['first']);
  assert.deepEqual(await dedup.check([{ transactionId: 'a', coordinates: at(7) }]), ['duplicate']);
  assert.deepEqual(await dedup.check([{ transactionId: 'a', coordinates: at(3, 2) }]), ['duplicate'], 'same offset on another partition is another record');
});

test('a redelivery (same coordinates, e.g. after an aborted transaction) is processed again, every time', async () => {
  const { dedup } = setup();
  const e = { transactionId: 'a', coordinates: at(5) };
  assert.deepEqual(await dedup.check([e]), ['first']);
  assert.deepEqual(await dedup.check([e]), ['redelivery']);
  assert.deepEqual(await dedup.check([e]), ['redelivery']);
  assert.deepEqual(await dedup.check([{ transactionId: 'a', coordinates: at(6) }]), ['duplicate'], 'the copy is still a duplicate');
});

test('a whole batch is one round trip, in order: a repeat inside the batch is a duplicate of the earlier one', async () => {
  const { dedup, store } = setup();
  const verdicts = await dedup.check([
    { transactionId: 'a', coordinates: at(1) },
    { transactionId: 'b', coordinates: at(2) },
    { transactionId: 'a', coordinates: at(3) },
    { transactionId: 'c', coordinates: at(4) },
  ]);
  assert.deepEqual(verdicts, ['first', 'first', 'duplicate', 'first']);
  assert.equal(store.calls, 1);
  // Running the same batch again (the runner retries a failed transaction) changes nothing.
  const again = await dedup.check([
    { transactionId: 'a', coordinates: at(1) },
    { transactionId: 'b', coordinates: at(2) },
    { transactionId: 'a', coordinates: at(3) },
    { transactionId: 'c', coordinates: at(4) },
  ]);
  assert.deepEqual(again, ['redelivery', 'redelivery', 'duplicate', 'redelivery']);
  assert.deepEqual(await dedup.check([]), []);
  assert.equal(store.calls, 2, 'an empty batch costs no round trip');
});

test('after the horizon an id is new again', async () => {
  const { dedup, store } = setup(60);
  await dedup.check([{ transactionId: 'a', coordinates: at(1) }]);
  store.now = () => NOW + 59_000;
  assert.deepEqual(await dedup.check([{ transactionId: 'a', coordinates: at(2) }]), ['duplicate']);
  store.now = () => NOW + 61_000;
  assert.deepEqual(await dedup.check([{ transactionId: 'a', coordinates: at(3) }]), ['first']);
});

test('keys are prefixed fixed-length hashes, never the id itself', () => {
  const { dedup } = setup();
  const key = dedup.key('4000001234567899');
  assert.match(key, /^test:[0-9a-f]{64}$/);
  assert.ok(!key.includes('4000001234567899'));
  assert.notEqual(dedup.key('a'), dedup.key('b'));
});

test('a store failure surfaces as a retriable DependencyError', async () => {
  const { dedup, store } = setup();
  store.failWith = new DependencyError('redis', 'connection refused');
  await assert.rejects(dedup.check([{ transactionId: 'a', coordinates: at(1) }]), { code: 'DEPENDENCY_UNAVAILABLE', retriable: true });
  const short = new TransactionDedup({ store: { claim: async () => [] }, keyPrefix: '', horizonSeconds: 1 });
  await assert.rejects(short.check([{ transactionId: 'a', coordinates: at(1) }]), { retriable: true });
});
