import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  archivedOffsets,
  archivedOffsetsForDate,
  kafkaFileName,
  LABEL_COLUMNS,
  labelRow,
  listPartitions,
  OfflineStoreQuery,
  OfflineStoreWriter,
  partitionDir,
  removeStaleTemporaries,
  SCORE_COLUMNS,
  scoreRow,
  transactionColumns,
  transactionRow,
  type EnrichedTransaction,
  type ColumnarBatch,
} from '@riskstream/shared';

const DAY = 86_400_000;
const T0 = Date.parse('2025-03-01T00:00:00.000Z');

async function tempRoot(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'offline-rt-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

function enriched(i: number, features: Record<string, number>, extra: Partial<EnrichedTransaction> = {}): EnrichedTransaction {
  return {
    transaction_id: `tx-${i}`,
    card_token: `card-${i % 3}`,
    terminal_id: i % 4 === 0 ? null : `term-${i}`,
    amount: 10 + i / 100,
    currency: 'EUR',
    channel: i % 2 === 0 ? 'pos' : null,
    event_time: T0 + i * 1000,
    ingest_time: T0 + i * 1000 + 5,
    feature_set: 'fs-1',
    features,
    ...extra,
  };
}

async function collect(it: AsyncIterable<ColumnarBatch>): Promise<ColumnarBatch[]> {
  const out: ColumnarBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

function flat<T>(batches: readonly ColumnarBatch[], column: string): T[] {
  return batches.flatMap((b) => Array.from(b.columns[column] as unknown as ArrayLike<T>));
}

test('transactions round-trip through Parquet: nulls, NaN features as NULL, offsets, order', async (t) => {
  const root = await tempRoot(t);
  const writer = await OfflineStoreWriter.open(root);
  const query = await OfflineStoreQuery.open();
  t.after(() => {
    writer.close();
    query.close();
  });
  const names = ['TX_AMOUNT', 'TERMINAL_ID_RISK_1DAY_WINDOW'];
  const records = Array.from({ length: 50 }, (_, i) => enriched(i, { TX_AMOUNT: 10 + i / 100, TERMINAL_ID_RISK_1DAY_WINDOW: i % 4 === 0 ? Number.NaN : i / 50 }));
  const file = kafkaFileName({ topic: 'ns.enriched', partition: 2, firstOffset: 100n, lastOffset: 149n });
  const written = await writer.writeFile('transactions', '2025-03-01', file, transactionColumns(names), records.map((r, i) => transactionRow(r, names, { partition: 2, offset: BigInt(100 + i) })));
  assert.equal(written.rows, 50);
  assert.ok(written.bytes > 0);
  assert.equal(written.path, join(partitionDir(root, 'transactions', '2025-03-01'), file));
  // Only the published file remains: the temporary was renamed, not copied.
  assert.deepEqual(await readdir(partitionDir(root, 'transactions', '2025-03-01')), [file]);

  const files = [written.path];
  const schema = await query.columns(files);
  assert.deepEqual(
    schema.map((c) => `${c.name}:${c.type}`),
    [
      'transaction_id:VARCHAR', 'card_token:VARCHAR', 'terminal_id:VARCHAR', 'amount:DOUBLE', 'currency:VARCHAR', 'channel:VARCHAR',
      'event_time:BIGINT', 'ingest_time:BIGINT', 'feature_set:VARCHAR', 'kafka_partition:INTEGER', 'kafka_offset:BIGINT',
      'TX_AMOUNT:DOUBLE', 'TERMINAL_ID_RISK_1DAY_WINDOW:DOUBLE', 'event_date:DATE',
    ],
  );
  const batches = await collect(
    query.scan(files, [
      { name: 'transaction_id', kind: 'text' },
      { name: 'terminal_id', kind: 'text' },
      { name: 'channel', kind: 'text' },
      { name: 'amount', kind: 'number' },
      { name: 'event_time', kind: 'number' },
      { name: 'kafka_offset', kind: 'number' },
      { name: 'TERMINAL_ID_RISK_1DAY_WINDOW', kind: 'number' },
    ], { batchSize: 16 }),
  );
  assert.deepEqual(batches.map((b) => b.length), [16, 16, 16, 2]);
  assert.deepEqual(flat<string>(batches, 'transaction_id'), records.map((r) => r.transaction_id));
  assert.deepEqual(flat<string | null>(batches, 'terminal_id'), records.map((r) => r.terminal_id));
  assert.deepEqual(flat<string | null>(batches, 'channel'), records.map((r) => r.channel));
  assert.deepEqual(flat<number>(batches, 'amount'), records.map((r) => r.amount));
  assert.deepEqual(flat<number>(batches, 'event_time'), records.map((r) => r.event_time));
  assert.deepEqual(flat<number>(batches, 'kafka_offset'), records.map((_, i) => 100 + i));
  const risk = flat<number>(batches, 'TERMINAL_ID_RISK_1DAY_WINDOW');
  records.forEach((r, i) => {
    const expected = r.features['TERMINAL_ID_RISK_1DAY_WINDOW']!;
    if (Number.isNaN(expected)) assert.ok(Number.isNaN(risk[i]!), `row ${i} missing`);
    else assert.equal(risk[i], expected);
  });
  assert.deepEqual((await query.rowCounts(files)).get(written.path), 50);
});

test('the event-time filter is half-open and files with different feature sets read by name', async (t) => {
  const root = await tempRoot(t);
  const writer = await OfflineStoreWriter.open(root);
  const query = await OfflineStoreQuery.open();
  t.after(() => {
    writer.close();
    query.close();
  });
  const a = await writer.writeFile('transactions', '2025-03-01', 'import+old.parquet', transactionColumns(['A']), [transactionRow(enriched(0, { A: 1 }), ['A'], null)]);
  const b = await writer.writeFile('transactions', '2025-03-01', 'import+new.parquet', transactionColumns(['A', 'B']), [
    transactionRow(enriched(1, { A: 2, B: 3 }), ['A', 'B'], null),
    transactionRow(enriched(2, { A: 4, B: 5 }), ['A', 'B'], null),
  ]);
  const files = [a.path, b.path];
  const batches = await collect(
    query.scan(files, [{ name: 'transaction_id', kind: 'text' }, { name: 'B', kind: 'number' }, { name: 'kafka_partition', kind: 'number' }], {
      eventTimeFrom: T0 + 0,
      eventTimeTo: T0 + 2000,
    }),
  );
  assert.deepEqual(flat(batches, 'transaction_id'), ['tx-0', 'tx-1']);
  const bCol = flat<number>(batches, 'B');
  assert.ok(Number.isNaN(bCol[0]!), 'a file without the feature reads NaN');
  assert.equal(bCol[1], 3);
  assert.ok(flat<number>(batches, 'kafka_partition').every(Number.isNaN), 'imported rows have no Kafka coordinates');
});

test('labels and scores round-trip; rewriting the same name replaces the file (idempotent retry)', async (t) => {
  const root = await tempRoot(t);
  const writer = await OfflineStoreWriter.open(root);
  const query = await OfflineStoreQuery.open();
  t.after(() => {
    writer.close();
    query.close();
  });
  const label = { transaction_id: 'tx-1', terminal_id: null, event_time: T0 + 5, is_fraud: true, labelled_at: T0 + 8 * DAY };
  const name = kafkaFileName({ topic: 'ns.labels', partition: 0, firstOffset: 7n, lastOffset: 7n });
  await writer.writeFile('labels', '2025-03-01', name, LABEL_COLUMNS, [labelRow(label, { partition: 0, offset: 7n })]);
  const again = await writer.writeFile('labels', '2025-03-01', name, LABEL_COLUMNS, [labelRow(label, { partition: 0, offset: 7n })]);
  const [labels] = await collect(query.scan([again.path], [
    { name: 'transaction_id', kind: 'text' },
    { name: 'terminal_id', kind: 'text' },
    { name: 'is_fraud', kind: 'flag' },
    { name: 'labelled_at', kind: 'number' },
  ]));
  assert.equal(labels!.length, 1);
  assert.deepEqual([labels!.columns['transaction_id']![0], labels!.columns['terminal_id']![0], labels!.columns['is_fraud']![0], labels!.columns['labelled_at']![0]], ['tx-1', null, 1, T0 + 8 * DAY]);

  const scored = {
    transaction_id: 'tx-1', event_time: T0 + 5, card_token: 'c', terminal_id: 't', amount: 9.5, score: 0.25, decision: 'REVIEW' as const,
    model_name: 'fraud', model_version: 3, reasons: [{ feature: 'TX_AMOUNT', contribution: 0.5 }], latency_ms: 12.5, challenger_score: null, challenger_version: null,
  };
  const s = await writer.writeFile('scores', '2025-03-01', 'ns.scored+1+0-0.parquet', SCORE_COLUMNS, [scoreRow(scored, { partition: 1, offset: 0n })]);
  const [scores] = await collect(query.scan([s.path], [
    { name: 'reasons', kind: 'text' },
    { name: 'model_version', kind: 'number' },
    { name: 'challenger_score', kind: 'number' },
    { name: 'decision', kind: 'text' },
  ]));
  assert.deepEqual(JSON.parse(scores!.columns['reasons']![0] as string), scored.reasons);
  assert.equal(scores!.columns['model_version']![0], 3);
  assert.ok(Number.isNaN(scores!.columns['challenger_score']![0] as number));
  assert.equal(scores!.columns['decision']![0], 'REVIEW');
});

test('partitions list in date order with files in offset order; archived offsets come from the names', async (t) => {
  const root = await tempRoot(t);
  const writer = await OfflineStoreWriter.open(root);
  t.after(() => writer.close());
  const put = (date: string, topic: string, partition: number, first: bigint, last: bigint) =>
    writer.writeFile('labels', date, kafkaFileName({ topic, partition, firstOffset: first, lastOffset: last }), LABEL_COLUMNS, [
      labelRow({ transaction_id: 'x', terminal_id: null, event_time: Date.parse(`${date}T01:00:00Z`), is_fraud: false, labelled_at: 0 }, { partition, offset: first }),
    ]);
  await put('2025-03-02', 'a', 0, 100n, 120n);
  await put('2025-03-02', 'a', 0, 20n, 99n); // lexicographically after 100-120, numerically before
  await put('2025-03-02', 'a', 1, 5n, 6n);
  await put('2025-03-01', 'a', 0, 121n, 130n); // a late batch for an earlier date
  await put('2025-03-03', 'b', 0, 1n, 1n);
  // Neither a temporary nor a stray directory is a partition or a file.
  await writeFile(join(partitionDir(root, 'labels', '2025-03-02'), '.a+0+131-140.parquet.1-ff.tmp'), 'partial');
  await writeFile(join(root, 'labels', 'README'), 'not a partition');

  const parts = await listPartitions(root, 'labels');
  assert.deepEqual(parts.map((p) => p.eventDate), ['2025-03-01', '2025-03-02', '2025-03-03']);
  assert.deepEqual(parts[1]!.files.map((f) => f.split('/').pop()), ['a+0+20-99.parquet', 'a+0+100-120.parquet', 'a+1+5-6.parquet']);
  assert.deepEqual((await listPartitions(root, 'labels', { firstDate: '2025-03-02', lastDate: '2025-03-02' })).map((p) => p.eventDate), ['2025-03-02']);
  assert.deepEqual(await listPartitions(root, 'scores'), []);

  const day2 = await archivedOffsetsForDate(root, 'labels', '2025-03-02');
  assert.deepEqual([...day2.get('a')!], [[0, 120n], [1, 6n]]);
  assert.equal((await archivedOffsetsForDate(root, 'labels', '2025-03-09')).size, 0);
  const all = await archivedOffsets(root, 'labels');
  assert.deepEqual([...all.get('a')!].sort(), [[0, 130n], [1, 6n]]);
  assert.deepEqual([...all.get('b')!], [[0, 1n]]);
});

test('stale temporaries of a killed writer are removed; fresh ones (a live writer) and data files stay', async (t) => {
  const root = await tempRoot(t);
  const dir = partitionDir(root, 'transactions', '2025-03-01');
  await mkdir(dir, { recursive: true });
  const old = join(dir, '.a+0+0-9.parquet.1-aa.tmp');
  const fresh = join(dir, '.a+0+10-19.parquet.2-bb.tmp');
  const data = join(dir, 'a+0+0-9.parquet');
  for (const f of [old, fresh, data]) await writeFile(f, 'x');
  const hourAgo = new Date(Date.now() - 2 * 3_600_000);
  await utimes(old, hourAgo, hourAgo);
  await utimes(data, hourAgo, hourAgo);
  assert.deepEqual(await removeStaleTemporaries(root, 3_600_000), [old]);
  assert.deepEqual((await readdir(dir)).sort(), ['.a+0+10-19.parquet.2-bb.tmp', 'a+0+0-9.parquet']);
  assert.deepEqual(await removeStaleTemporaries(join(root, 'missing'), 0), []);
});
