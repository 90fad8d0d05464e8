import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ValidationError } from '@riskstream/shared';
import { JsonlOfflineStore, LABEL_UNKNOWN, joinLabels, labelsKnownAt } from '../../../training/src/data/offline-store.ts';
import type { LabelBatch, OfflineStoreReader, TransactionBatch } from '../../../training/src/data/offline-store.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2025-03-01T00:00:00.000Z');

function tx(id: string, eventTime: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { transaction_id: id, event_time: eventTime, card_token: `tok-${id}`, terminal_id: 't1', amount: 12.5, currency: 'EUR', channel: 'pos', ...extra };
}

async function writeJsonl(root: string, table: string, date: string, file: string, records: readonly unknown[]): Promise<void> {
  const dir = join(root, table, `event_date=${date}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, file), records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
}

async function collect<B extends { length: number }>(it: AsyncIterable<B>): Promise<B[]> {
  const out: B[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** Four days of transactions; day 5 holds a corrupt file, so reading it would throw. */
async function buildStore(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'offline-store-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeJsonl(root, 'transactions', '2025-03-01', 'part-0.jsonl', [tx('a1', T0 + 1000), tx('a2', T0 + 13 * 3_600_000, { terminal_id: null, channel: null })]);
  await writeJsonl(root, 'transactions', '2025-03-02', 'part-0.jsonl', [tx('b1', T0 + DAY + 5), '', tx('b2', T0 + DAY + 6)]);
  await writeJsonl(root, 'transactions', '2025-03-02', 'part-1.jsonl', [tx('b3', T0 + 2 * DAY - 1)]);
  await writeJsonl(root, 'transactions', '2025-03-02', '_SUCCESS.jsonl', ['not json']);
  await writeJsonl(root, 'transactions', '2025-03-03', 'part-0.jsonl', [tx('c1', T0 + 2 * DAY)]);
  await writeJsonl(root, 'transactions', '2025-03-05', 'part-0.jsonl', ['{ broken']);
  await mkdir(join(root, 'transactions', 'not-a-partition'));
  await writeJsonl(root, 'labels', '2025-03-01', 'part-0.jsonl', [
    { transaction_id: 'a1', terminal_id: 't1', event_time: T0 + 1000, is_fraud: true, labelled_at: T0 + 3 * DAY },
    { transaction_id: 'a2', terminal_id: null, event_time: T0 + 13 * 3_600_000, is_fraud: false, labelled_at: T0 + DAY },
    // A correction after the cutoff must not count.
    { transaction_id: 'a2', terminal_id: null, event_time: T0 + 13 * 3_600_000, is_fraud: true, labelled_at: T0 + 20 * DAY },
  ]);
  await writeJsonl(root, 'labels', '2025-03-02', 'part-0.jsonl', [
    { transaction_id: 'b1', event_time: T0 + DAY + 5, is_fraud: false, labelled_at: T0 + 2 * DAY },
    { transaction_id: 'b1', event_time: T0 + DAY + 5, is_fraud: true, labelled_at: T0 + 4 * DAY }, // correction before the cutoff: wins
    { transaction_id: 'b2', event_time: T0 + DAY + 6, is_fraud: true, labelled_at: T0 + 30 * DAY }, // known only after the cutoff
  ]);
  return root;
}

test('reads only the partitions overlapping the range, and only rows inside it', async (t) => {
  const store: OfflineStoreReader = new JsonlOfflineStore(await buildStore(t));
  // [Mar 1 12:00, Mar 3 00:00): a1 is before it, c1 is exactly at the (exclusive) end, day 5 is never opened.
  const range = { from: new Date(T0 + DAY / 2), to: new Date(T0 + 2 * DAY) };
  const parts = await store.partitions(range);
  assert.deepEqual(parts.map((p) => p.eventDate), ['2025-03-01', '2025-03-02']);
  assert.deepEqual(parts[1]!.files.map((f) => f.split('/').pop()), ['part-0.jsonl', 'part-1.jsonl']);
  const batches = await collect(store.readTransactions(range));
  const ids = batches.flatMap((b) => [...b.transaction_id]);
  assert.deepEqual(ids, ['a2', 'b1', 'b2', 'b3']);
  const first = batches[0]!;
  assert.deepEqual([first.terminal_id[0], first.channel[0], first.currency[0], first.amount[0], first.card_token[0]], [null, null, 'EUR', 12.5, 'tok-a2']);
  assert.ok(first.event_time instanceof Float64Array);
  assert.equal(first.event_time[0], T0 + 13 * 3_600_000);
  // A range that reaches day 5 opens the corrupt file and says where it is.
  await assert.rejects(
    collect(store.readTransactions({ from: new Date(T0), to: new Date(T0 + 6 * DAY) })),
    (e: unknown) => e instanceof ValidationError && e.reason === 'OFFLINE_RECORD_INVALID' && /event_date=2025-03-05\/part-0\.jsonl:1/.test(e.issues[0]!.path),
  );
  await store.close();
});

test('batches are capped at batchSize and keep partition order', async (t) => {
  const store = new JsonlOfflineStore(await buildStore(t), { batchSize: 2 });
  const batches = await collect(store.readTransactions({ from: new Date(T0), to: new Date(T0 + 3 * DAY) }));
  assert.deepEqual(batches.map((b) => b.length), [2, 2, 2]);
  assert.deepEqual(batches.flatMap((b) => [...b.transaction_id]), ['a1', 'a2', 'b1', 'b2', 'b3', 'c1']);
  assert.throws(() => new JsonlOfflineStore('/x', { batchSize: 0 }), ConfigError);
});

test('point-in-time labels: only labels known at the cutoff count, the latest known one wins', async (t) => {
  const store = new JsonlOfflineStore(await buildStore(t));
  const range = { from: new Date(T0), to: new Date(T0 + 2 * DAY) };
  const cutoff = new Date(T0 + 10 * DAY);
  const known = await labelsKnownAt(store.readLabels(range), cutoff);
  assert.deepEqual(Object.fromEntries(known), { a1: 1, a2: 0, b1: 1 });
  const [batch] = await collect(store.readTransactions(range));
  assert.deepEqual(batch!.transaction_id, ['a1', 'a2', 'b1', 'b2', 'b3']);
  assert.deepEqual([...joinLabels(batch!, known)], [1, 0, 1, LABEL_UNKNOWN, LABEL_UNKNOWN]);
  // Later cutoff: a2's correction and b2's label are known now.
  const later = await labelsKnownAt(store.readLabels(range), new Date(T0 + 40 * DAY));
  assert.deepEqual([...joinLabels(batch!, later)], [1, 1, 1, 1, LABEL_UNKNOWN]);
});

test('labelsKnownAt breaks a tie towards fraud regardless of read order', async () => {
  const batch = (fraud: number[]): LabelBatch => ({
    length: 2,
    transaction_id: ['x', 'x'],
    terminal_id: [null, null],
    event_time: new Float64Array([0, 0]),
    is_fraud: Uint8Array.from(fraud),
    labelled_at: new Float64Array([5, 5]),
  });
  assert.equal((await labelsKnownAt([batch([0, 1])], new Date(10))).get('x'), 1);
  assert.equal((await labelsKnownAt([batch([1, 0])], new Date(10))).get('x'), 1);
  await assert.rejects(labelsKnownAt([], new Date(Number.NaN)), ValidationError);
});

test('invalid ranges, malformed records, misplaced rows and a missing store', async (t) => {
  const root = await buildStore(t);
  const store = new JsonlOfflineStore(root);
  await assert.rejects(store.partitions({ from: new Date(T0), to: new Date(T0) }), (e: unknown) => e instanceof ValidationError && e.reason === 'TIME_RANGE_INVALID');
  assert.throws(() => store.readTransactions({ from: new Date(Number.NaN), to: new Date(T0) }), ValidationError);
  await writeJsonl(root, 'transactions', '2025-03-07', 'part-0.jsonl', [tx('g1', T0 + 6 * DAY, { amount: 'ten' })]);
  await writeJsonl(root, 'transactions', '2025-03-08', 'part-0.jsonl', [tx('h1', T0 + 6 * DAY)]);
  const read = (day: number): Promise<TransactionBatch[]> => collect(store.readTransactions({ from: new Date(T0 + day * DAY), to: new Date(T0 + (day + 1) * DAY) }));
  await assert.rejects(read(6), (e: unknown) => e instanceof ValidationError && /amount must be a finite number/.test(e.message));
  await assert.rejects(read(7), (e: unknown) => e instanceof ValidationError && /outside partition event_date=2025-03-08/.test(e.message));
  const empty = new JsonlOfflineStore(join(root, 'nothing-here'));
  assert.deepEqual(await empty.partitions({ from: new Date(T0), to: new Date(T0 + DAY) }), []);
  assert.deepEqual(await collect(empty.readLabels({ from: new Date(T0), to: new Date(T0 + DAY) })), []);
});
