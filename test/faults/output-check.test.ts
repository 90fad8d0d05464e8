import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDlq, checkScored } from './output-check.ts';
import { faultTransactions } from './fault-transactions.ts';
import { byProfile, faultProfile, FaultProfileError } from './fault-profile.ts';

const inputs = faultTransactions('r', { events: 200, cards: 20, terminals: 7, invalidShare: 0.05, decisionsShare: 0.1 });
const valid = inputs.filter((t) => t.valid);
const scoredOnce = valid.map((t) => ({ id: t.id, cardToken: `tok-${t.cardNumber}`, partition: Number(t.cardNumber.slice(-1)) % 6 }));

test('fault transactions: unique ids, a card enters one way, invalid ones only through Kafka', () => {
  assert.equal(new Set(inputs.map((t) => t.id)).size, 200);
  assert.equal(inputs.filter((t) => !t.valid).length, 10);
  assert.ok(inputs.every((t) => t.valid || t.entry === 'kafka'));
  const entries = new Map<string, Set<string>>();
  for (const t of inputs) entries.set(t.cardNumber, (entries.get(t.cardNumber) ?? new Set()).add(t.entry));
  assert.ok([...entries.values()].every((s) => s.size === 1));
  assert.equal(new Set(inputs.filter((t) => t.entry === 'decisions').map((t) => t.cardNumber)).size, 2);
});

test('the scored check counts nothing wrong on clean output', () => {
  assert.deepEqual(checkScored(inputs, scoredOnce), { scored: valid.length, lost: 0, duplicates: 0, unexpected: 0, outOfOrderCards: 0, splitCards: 0 });
});

test('the scored check finds lost, duplicated, unexpected, reordered and split records', () => {
  const broken = scoredOnce.slice(2); // two lost
  broken.push({ ...broken[5]! }); // a duplicate, re-read later: not an order problem of its own
  const invalid = inputs.find((t) => !t.valid)!;
  broken.push({ id: invalid.id, cardToken: 'tok-x', partition: 0 });
  const card = broken[10]!.cardToken;
  const ofCard = broken.map((r, i) => [r, i] as const).filter(([r]) => r.cardToken === card);
  const [a, b] = [ofCard[0]![1], ofCard[1]![1]];
  [broken[a], broken[b]] = [broken[b]!, broken[a]!];
  broken.push({ ...ofCard[2]![0], partition: (ofCard[2]![0].partition + 1) % 6 });
  const r = checkScored(inputs, broken);
  assert.equal(r.lost, 2);
  assert.equal(r.duplicates, 2);
  assert.equal(r.unexpected, 1);
  assert.equal(r.outOfOrderCards, 1);
  assert.equal(r.splitCards, 1);
});

test('the DLQ check wants every invalid input once and nothing else', () => {
  const invalid = inputs.filter((t) => !t.valid).map((t) => t.id);
  assert.deepEqual(checkDlq(inputs, invalid), { dlq: 10, missing: 0, extra: 0 });
  assert.deepEqual(checkDlq(inputs, [...invalid.slice(1), invalid[2]!, valid[0]!.id]), { dlq: 11, missing: 1, extra: 2 });
});

test('FAULT_PROFILE: unset or default is the small profile, full the issue\'s 100,000 events, anything else refused', () => {
  assert.equal(faultProfile({}).name, 'default');
  assert.equal(faultProfile({ FAULT_PROFILE: 'full' }).events, 100_000);
  assert.ok(faultProfile({}).events < 10_000);
  assert.throws(() => faultProfile({ FAULT_PROFILE: 'ful' }), FaultProfileError);
  assert.equal(byProfile(3, 1, faultProfile({ FAULT_PROFILE: 'full' })), 3);
  assert.equal(byProfile(3, 1, faultProfile({})), 1);
});
