import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  kafkaFileName,
  LABEL_COLUMNS,
  labelRow,
  OfflineStoreWriter,
  SCORE_COLUMNS,
  scoreRow,
  transactionColumns,
  transactionRow,
  UsageError,
  ValidationError,
  type EnrichedTransaction,
  type TransactionLabel,
} from '@riskstream/shared';
import { FEATURE_NAMES } from '@riskstream/shared/features';
import { featurizeOffline, simulate, writeCsv } from '@riskstream/training';
import { JsonlOfflineStore, LABEL_UNKNOWN, joinLabels, labelsKnownAt, type OfflineStoreReader, type TransactionBatch } from '../../../training/src/data/offline-store.ts';
import { ParquetOfflineStore } from '../../../training/src/data/parquet-offline-store.ts';
import { offlineCommand } from '../../../cli/src/commands/offline-command.ts';
import { capture } from '../../cli/commands/cli-io.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2025-03-01T00:00:00.000Z');

async function tempRoot(t: { after: (fn: () => Promise<void>) => void }, prefix: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), `${prefix}-`));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

async function collect<B>(it: AsyncIterable<B>): Promise<B[]> {
  const out: B[] = [];
  for await (const b of it) out.push(b);
  return out;
}

function tx(id: string, eventTime: number, features: Record<string, number> = { TX_AMOUNT: 12.5 }, extra: Partial<EnrichedTransaction> = {}): EnrichedTransaction {
  return { transaction_id: id, event_time: eventTime, card_token: `tok-${id}`, terminal_id: 't1', amount: 12.5, currency: 'EUR', channel: 'pos', ingest_time: eventTime, feature_set: 'fs', features, ...extra };
}

function label(id: string, eventTime: number, isFraud: boolean, labelledAt: number): TransactionLabel {
  return { transaction_id: id, terminal_id: null, event_time: eventTime, is_fraud: isFraud, labelled_at: labelledAt };
}

/**
 * The same four days as the JSONL store's tests, written the way the archiver writes them: days 1, 2, 3
 * and 5, two files on day 2 (two Kafka partitions), and a later feature set on day 3.
 */
async function buildStore(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await tempRoot(t, 'parquet-store');
  const w = await OfflineStoreWriter.open(root);
  try {
    const f = ['TX_AMOUNT'];
    const put = (date: string, partition: number, first: number, records: EnrichedTransaction[], names = f) =>
      w.writeFile('transactions', date, kafkaFileName({ topic: 'ns.enriched', partition, firstOffset: BigInt(first), lastOffset: BigInt(first + records.length - 1) }), transactionColumns(names), records.map((r, i) => transactionRow(r, names, { partition, offset: BigInt(first + i) })));
    await put('2025-03-01', 0, 0, [tx('a1', T0 + 1000), tx('a2', T0 + 13 * 3_600_000, { TX_AMOUNT: Number.NaN }, { terminal_id: null, channel: null })]);
    await put('2025-03-02', 0, 2, [tx('b1', T0 + DAY + 5), tx('b2', T0 + DAY + 6)]);
    await put('2025-03-02', 1, 0, [tx('b3', T0 + 2 * DAY - 1)]);
    await put('2025-03-03', 0, 4, [tx('c1', T0 + 2 * DAY, { TX_AMOUNT: 1, NEW_FEATURE: 7 })], ['TX_AMOUNT', 'NEW_FEATURE']);
    await put('2025-03-05', 0, 5, [tx('e1', T0 + 4 * DAY)]);
    const labels = (date: string, first: number, rows: TransactionLabel[]) =>
      w.writeFile('labels', date, kafkaFileName({ topic: 'ns.labels', partition: 0, firstOffset: BigInt(first), lastOffset: BigInt(first + rows.length - 1) }), LABEL_COLUMNS, rows.map((r, i) => labelRow(r, { partition: 0, offset: BigInt(first + i) })));
    await labels('2025-03-01', 0, [label('a1', T0 + 1000, true, T0 + 3 * DAY), label('a2', T0 + 13 * 3_600_000, false, T0 + DAY), label('a2', T0 + 13 * 3_600_000, true, T0 + 20 * DAY)]);
    await labels('2025-03-02', 3, [label('b1', T0 + DAY + 5, false, T0 + 2 * DAY), label('b1', T0 + DAY + 5, true, T0 + 4 * DAY), label('b2', T0 + DAY + 6, true, T0 + 30 * DAY)]);
    await w.writeFile('scores', '2025-03-01', 'ns.scored+0+0-0.parquet', SCORE_COLUMNS, [
      scoreRow({ transaction_id: 'a1', event_time: T0 + 1000, card_token: 'tok-a1', terminal_id: 't1', amount: 12.5, score: 0.9, decision: 'DECLINE', model_name: 'fraud', model_version: 4, reasons: [], latency_ms: 8, challenger_score: 0.7, challenger_version: 5 }, { partition: 0, offset: 0n }),
    ]);
  } finally {
    w.close();
  }
  return root;
}

test('reads only the partitions overlapping the range, and only rows inside it', async (t) => {
  const store: OfflineStoreReader = new ParquetOfflineStore(await buildStore(t));
  t.after(() => store.close());
  const range = { from: new Date(T0 + DAY / 2), to: new Date(T0 + 2 * DAY) };
  const parts = await store.partitions(range);
  assert.deepEqual(parts.map((p) => p.eventDate), ['2025-03-01', '2025-03-02']);
  assert.deepEqual(parts[1]!.files.map((f) => f.split('/').pop()), ['ns.enriched+0+2-3.parquet', 'ns.enriched+1+0-0.parquet']);
  const batches = await collect(store.readTransactions(range));
  assert.deepEqual(batches.flatMap((b) => [...b.transaction_id]), ['a2', 'b1', 'b2', 'b3']);
  const first = batches[0]!;
  assert.deepEqual([first.terminal_id[0], first.channel[0], first.currency[0], first.amount[0], first.card_token[0]], [null, null, 'EUR', 12.5, 'tok-a2']);
  assert.ok(first.event_time instanceof Float64Array);
  assert.equal(first.event_time[0], T0 + 13 * 3_600_000);
  assert.deepEqual(Object.keys(first.features ?? {}), ['TX_AMOUNT']);
  assert.ok(Number.isNaN(first.features!['TX_AMOUNT']![0]!), 'a missing feature reads NaN');
  assert.equal(first.features!['TX_AMOUNT']![1], 12.5);
});

test('features are the union over the files read; older files read NaN for newer features', async (t) => {
  const store = new ParquetOfflineStore(await buildStore(t), { batchSize: 2 });
  t.after(() => store.close());
  const range = { from: new Date(T0), to: new Date(T0 + 3 * DAY) };
  assert.deepEqual(await store.featureNames(range), ['TX_AMOUNT', 'NEW_FEATURE']);
  const batches = await collect(store.readTransactions(range));
  assert.deepEqual(batches.map((b) => b.length), [2, 2, 2]);
  assert.deepEqual(batches.flatMap((b) => [...b.transaction_id]), ['a1', 'a2', 'b1', 'b2', 'b3', 'c1']);
  const last = batches[2]!;
  assert.ok(Number.isNaN(last.features!['NEW_FEATURE']![0]!));
  assert.equal(last.features!['NEW_FEATURE']![1], 7);
  assert.throws(() => new ParquetOfflineStore('/x', { batchSize: 0 }), ConfigError);
});

test('point-in-time labels work on the Parquet store exactly as on the JSONL one', async (t) => {
  const store = new ParquetOfflineStore(await buildStore(t));
  t.after(() => store.close());
  const range = { from: new Date(T0), to: new Date(T0 + 2 * DAY) };
  const known = await labelsKnownAt(store.readLabels(range), new Date(T0 + 10 * DAY));
  assert.deepEqual(Object.fromEntries(known), { a1: 1, a2: 0, b1: 1 });
  const [batch] = await collect(store.readTransactions(range));
  assert.deepEqual([...joinLabels(batch!, known)], [1, 0, 1, LABEL_UNKNOWN, LABEL_UNKNOWN]);
  const later = await labelsKnownAt(store.readLabels(range), new Date(T0 + 40 * DAY));
  assert.deepEqual([...joinLabels(batch!, later)], [1, 1, 1, 1, LABEL_UNKNOWN]);
});

test('the Parquet and JSONL stores return the same batches for the same records', async (t) => {
  const parquetRoot = await buildStore(t);
  const jsonlRoot = await tempRoot(t, 'jsonl-store');
  const rows: Record<string, ReturnType<typeof tx>[]> = {
    '2025-03-01': [tx('a1', T0 + 1000), tx('a2', T0 + 13 * 3_600_000, { TX_AMOUNT: Number.NaN }, { terminal_id: null, channel: null })],
    '2025-03-02': [tx('b1', T0 + DAY + 5), tx('b2', T0 + DAY + 6), tx('b3', T0 + 2 * DAY - 1)],
  };
  for (const [date, records] of Object.entries(rows)) {
    const dir = join(jsonlRoot, 'transactions', `event_date=${date}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'part-0.jsonl'), records.map((r) => JSON.stringify({ ...r, features: { TX_AMOUNT: Number.isNaN(r.features['TX_AMOUNT']!) ? null : r.features['TX_AMOUNT'] } })).join('\n'));
  }
  const range = { from: new Date(T0), to: new Date(T0 + 2 * DAY) };
  const parquet = new ParquetOfflineStore(parquetRoot);
  t.after(() => parquet.close());
  const strip = (b: TransactionBatch) => ({ ...b, features: { TX_AMOUNT: Array.from(b.features!['TX_AMOUNT']!) } });
  const [p] = await collect(parquet.readTransactions(range));
  const [j] = await collect(new JsonlOfflineStore(jsonlRoot).readTransactions(range));
  assert.deepEqual({ ...strip(p!), transaction_id: [...p!.transaction_id] }, { ...strip(j!), transaction_id: [...j!.transaction_id] });
});

test('scores read back with their model and challenger', async (t) => {
  const store = new ParquetOfflineStore(await buildStore(t));
  t.after(() => store.close());
  const [s] = await collect(store.readScores({ from: new Date(T0), to: new Date(T0 + DAY) }));
  assert.deepEqual([s!.transaction_id[0], s!.score[0], s!.decision[0], s!.model_version[0], s!.challenger_version[0], s!.reasons[0]], ['a1', 0.9, 'DECLINE', 4, 5, '[]']);
  assert.deepEqual((await store.partitions({ from: new Date(T0), to: new Date(T0 + DAY) }, 'scores')).map((p) => p.table), ['scores']);
});

test('invalid ranges throw at the call site; a missing store is empty; a closed store refuses reads', async (t) => {
  const store = new ParquetOfflineStore(join(await tempRoot(t, 'empty'), 'nothing-here'));
  await assert.rejects(store.partitions({ from: new Date(T0), to: new Date(T0) }), (e: unknown) => e instanceof ValidationError && e.reason === 'TIME_RANGE_INVALID');
  assert.throws(() => store.readTransactions({ from: new Date(Number.NaN), to: new Date(T0) }), ValidationError);
  assert.deepEqual(await store.partitions({ from: new Date(T0), to: new Date(T0 + DAY) }), []);
  assert.deepEqual(await collect(store.readLabels({ from: new Date(T0), to: new Date(T0 + DAY) })), []);
  assert.deepEqual(await collect(store.readTransactions({ from: new Date(T0), to: new Date(T0 + DAY) })), []);
  await store.close();
  await store.close();
});

// The batch path end to end: the CLI's import writes what this reader serves. (A test of the CLI command
// itself; it lives here because it exercises the reader on real imported data.)
test('offline import of a simulator CSV: every transaction once, features equal the offline featuriser, idempotent re-import', async (t) => {
  const dir = await tempRoot(t, 'offline-import');
  const sim = simulate({ nbDays: 12, nCustomers: 150, nTerminals: 300, seed: 11 });
  const csv = join(dir, 'sim.csv');
  await writeCsv(sim, csv);
  const root = join(dir, 'store');
  const secret = Buffer.alloc(32, 3);
  const env = { CARD_TOKEN_KEYS: `k1:${secret.toString('base64')}` };
  const run = async (...args: string[]) => {
    const out = capture();
    const err = capture();
    const code = await offlineCommand.run(args, { stdout: out.stream, stderr: err.stream, env });
    return { code, stdout: out.text(), stderr: err.text() };
  };
  const first = await run('import', '--csv', csv, '--root', root);
  assert.equal(first.code, 0, first.stderr);
  const n = sim.transactions.length;
  assert.match(first.stdout, new RegExp(`^imported ${n} transactions \\(\\d+ frauds\\) over 12 days into ${root}: 24 files`));
  assert.match(first.stderr, /write: 100%/);

  const store = new ParquetOfflineStore(root);
  t.after(() => store.close());
  const range = { from: new Date(sim.startTimeMs), to: new Date(sim.startTimeMs + 12 * DAY) };
  const batches = await collect(store.readTransactions(range));
  const ids = batches.flatMap((b) => [...b.transaction_id]);
  assert.equal(ids.length, n);
  assert.equal(new Set(ids).size, n);
  const expected = featurizeOffline(sim.transactions);
  const simRow = new Map(Array.from({ length: n }, (_, i) => [`tx-${sim.options.seed}-${sim.transactions.txNumber[i]}`, i]));
  for (const b of batches) {
    assert.deepEqual(Object.keys(b.features!), [...FEATURE_NAMES]);
    for (let i = 0; i < b.length; i++) {
      const src = simRow.get(b.transaction_id[i]!)!;
      FEATURE_NAMES.forEach((f, j) => {
        const want = expected.x[src * expected.cols + j]!;
        const got = b.features![f]![i]!;
        if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `${f} of ${b.transaction_id[i]} should be missing`);
        else assert.equal(got, want, `${f} of ${b.transaction_id[i]}`);
      });
    }
  }
  // Cards are pseudonymised as ingest does it.
  const card0 = sim.customers.cardNumber[sim.transactions.customer[0]!]!;
  assert.equal(batches[0]!.card_token[0], createHmac('sha256', secret).update(card0).digest('hex'));
  // Every transaction is labelled, known seven days later.
  const labels = await collect(store.readLabels(range));
  assert.equal(labels.reduce((s, b) => s + b.length, 0), n);
  assert.equal(labels[0]!.labelled_at[0]! - labels[0]!.event_time[0]!, 7 * DAY);
  assert.equal(labels.reduce((s, b) => s + b.is_fraud.reduce((a, v) => a + v, 0), 0), sim.transactions.isFraud.reduce((a, v) => a + v, 0));

  // Importing the same file again replaces its files: still one row per transaction.
  const filesBefore = (await store.partitions(range)).flatMap((p) => p.files);
  assert.equal((await run('import', '--csv', csv, '--root', root, '--quiet')).code, 0);
  assert.deepEqual((await store.partitions(range)).flatMap((p) => p.files), filesBefore);
  assert.equal((await collect(store.readTransactions(range))).reduce((s, b) => s + b.length, 0), n);

  const ls = await run('ls', '--root', root, '--json');
  const listed = JSON.parse(ls.stdout) as { partitions: { table: string; rows: number }[] };
  assert.equal(listed.partitions.filter((p) => p.table === 'transactions').reduce((s, p) => s + p.rows, 0), n);
  assert.equal(listed.partitions.length, 24);
  const text = await run('ls', '--root', root);
  assert.match(text.stdout, new RegExp(`transactions +12 days +12 +${n}\\n`));
  assert.equal((await readdir(join(root, 'transactions'))).length, 12);
  await assert.rejects(run('import', '--root', root), UsageError);
});
