import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertGate } from '../../../services/alert-receiver/src/alert-gate.ts';
import { FakeClock, MemoryMarkerStore } from './alert-fakes.ts';

const MIN = 60_000;

function gate(clock: FakeClock, cooldownMs = 30 * MIN) {
  const store = new MemoryMarkerStore(clock);
  let n = 0;
  const g = new AlertGate({ store, keyPrefix: 'test:', dedupTtlMs: 7 * 24 * 60 * MIN, cooldownMs, claimTtlMs: MIN, newToken: () => `t${++n}` });
  return { g, store };
}

test('dedup: the first sighting claims; after commit every replay is a duplicate carrying the event id', async () => {
  const clock = new FakeClock();
  const { g, store } = gate(clock);
  const v = await g.claimAlert('fp1', 1000);
  assert.equal(v.kind, 'claimed');
  if (v.kind !== 'claimed') return;
  assert.equal(store.get(v.claim.key), 'pending:t1');
  assert.equal(store.ttlMs(v.claim.key), MIN, 'a pending claim only lives for the claim TTL');
  await g.commit(v.claim, null, 'ev-1');
  assert.equal(store.get(v.claim.key), 'done:ev-1');
  assert.equal(store.ttlMs(v.claim.key), 7 * 24 * 60 * MIN);
  clock.advance(6 * 24 * 60 * MIN);
  assert.deepEqual(await g.claimAlert('fp1', 1000), { kind: 'duplicate', eventId: 'ev-1' });
  assert.equal((await g.claimAlert('fp1', 1001)).kind, 'claimed', 'a new startsAt is a new occurrence');
  assert.equal((await g.claimAlert('fp2', 1000)).kind, 'claimed');
  clock.advance(24 * 60 * MIN);
  assert.equal((await g.claimAlert('fp1', 1000)).kind, 'claimed', 'forgotten after the dedup TTL');
});

test('dedup: a claim being published is in_progress for others; released on failure so the retry publishes; lapses after a crash', async () => {
  const clock = new FakeClock();
  const { g } = gate(clock);
  const a = await g.claimAlert('fp', 5);
  assert.equal(a.kind, 'claimed');
  assert.deepEqual(await g.claimAlert('fp', 5), { kind: 'in_progress' });
  if (a.kind === 'claimed') await g.release(a.claim);
  const retry = await g.claimAlert('fp', 5);
  assert.equal(retry.kind, 'claimed', 'the failed publish does not swallow the retry');
  // The holder dies without releasing: its claim lapses after the claim TTL.
  clock.advance(MIN);
  const after = await g.claimAlert('fp', 5);
  assert.equal(after.kind, 'claimed');
  // The dead holder's late release or commit must not touch the new holder's marker.
  if (retry.kind === 'claimed' && after.kind === 'claimed') {
    await g.release(retry.claim);
    assert.deepEqual(await g.claimAlert('fp', 5), { kind: 'in_progress' });
    await assert.rejects(g.commit(retry.claim, null, 'ev-late'), { code: 'DEPENDENCY_UNAVAILABLE' });
    await g.commit(after.claim, null, 'ev-new');
    assert.deepEqual(await g.claimAlert('fp', 5), { kind: 'duplicate', eventId: 'ev-new' });
  }
});

test('cooldown: one request per model+action per period, running from the commit; other models and actions are independent', async () => {
  const clock = new FakeClock();
  const { g, store } = gate(clock);
  const c = await g.claimCooldown('fraud', 'RETRAIN');
  assert.equal(c.kind, 'claimed');
  assert.deepEqual(await g.claimCooldown('fraud', 'RETRAIN'), { kind: 'cooling', eventId: null }, 'pending counts as cooling');
  const alert = await g.claimAlert('fp', 1);
  clock.advance(10_000);
  if (c.kind === 'claimed' && alert.kind === 'claimed') await g.commit(alert.claim, c.claim, 'ev-1');
  assert.equal(store.ttlMs(g.cooldownKey('fraud', 'RETRAIN')), 30 * MIN);
  assert.deepEqual(await g.claimCooldown('fraud', 'RETRAIN'), { kind: 'cooling', eventId: 'ev-1' });
  assert.equal((await g.claimCooldown('fraud', 'ROLLBACK')).kind, 'claimed');
  assert.equal((await g.claimCooldown('other', 'RETRAIN')).kind, 'claimed');
  clock.advance(30 * MIN - 1);
  assert.equal((await g.claimCooldown('fraud', 'RETRAIN')).kind, 'cooling');
  clock.advance(1);
  assert.equal((await g.claimCooldown('fraud', 'RETRAIN')).kind, 'claimed');
});

test('cooldown 0 disables it', async () => {
  const { g, store } = gate(new FakeClock(), 0);
  assert.deepEqual(await g.claimCooldown('fraud', 'RETRAIN'), { kind: 'claimed', claim: null });
  assert.deepEqual(await g.claimCooldown('fraud', 'RETRAIN'), { kind: 'claimed', claim: null });
  assert.equal(store.entries.size, 0);
});

test('keys are namespaced by the prefix and hash the sender-controlled fingerprint', () => {
  const { g } = gate(new FakeClock());
  assert.match(g.dedupKey('x'.repeat(5000), 1), /^test:dedup:[0-9a-f]{64}$/);
  assert.notEqual(g.dedupKey('a', 12), g.dedupKey('a1', 2));
  assert.equal(g.cooldownKey('fraud v2:x', 'ROLLBACK'), 'test:cooldown:fraud%20v2%3Ax:ROLLBACK');
});
