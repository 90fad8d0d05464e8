import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMetricsRegistry,
  DependencyError,
  listPartitions,
  OfflineStoreQuery,
  OfflineStoreWriter,
  parseKafkaFileName,
  type HandlerContext,
  type InputMessage,
  type OfflineTableName,
  type TopicKey,
} from '@riskstream/shared';
import { createArchiveHandler } from '../../../services/archiver/src/archive-handler.ts';
import { validateArchiveInput, type ArchiveInput } from '../../../services/archiver/src/archive-records.ts';
import { archiverMetrics } from '../../../services/archiver/src/archiver-metrics.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const TOPIC = 'ns.transactions.enriched.v1';
const FEATURES = ['F1', 'F2'];

const ctx: HandlerContext = { heartbeat: async () => undefined, signal: new AbortController().signal };

/** Record i of partition p: dates cycle through day 0, 1, 2 so every batch spans several dates. */
function enrichedMessage(partition: number, offset: number, day = offset % 3): InputMessage<ArchiveInput> {
  const value = {
    transaction_id: `p${partition}-o${offset}`,
    card_token: `card-${offset % 5}`,
    terminal_id: `t-${offset % 7}`,
    amount: offset + 0.5,
    currency: 'EUR',
    channel: 'pos',
    event_time: T0 + day * DAY + offset * 1000,
    ingest_time: T0 + day * DAY + offset * 1000 + 3,
    feature_set: 'fs',
    features: { F1: offset, F2: offset % 2 === 0 ? Number.NaN : -offset },
  };
  return message('transactionsEnriched', TOPIC, partition, offset, value);
}

function message(topic: TopicKey, topicName: string, partition: number, offset: number, value: unknown, timestamp = T0 + 99): InputMessage<ArchiveInput> {
  return {
    topic,
    topicName,
    partition,
    offset: String(offset),
    timestamp: String(timestamp),
    key: null,
    headers: {},
    raw: null,
    value: validateArchiveInput(topic, value),
  };
}

function range(partition: number, from: number, to: number): InputMessage<ArchiveInput>[] {
  return Array.from({ length: to - from }, (_, i) => enrichedMessage(partition, from + i));
}

interface Setup {
  root: string;
  newHandler(writer?: Pick<OfflineStoreWriter, 'root' | 'writeFile'>): ReturnType<typeof createArchiveHandler>;
  writer: OfflineStoreWriter;
  skipped(): Promise<number>;
  storageErrors(): Promise<number>;
}

async function setup(t: { after: (fn: () => Promise<void> | void) => void }): Promise<Setup> {
  const root = await mkdtemp(join(tmpdir(), 'archiver-'));
  const writer = await OfflineStoreWriter.open(root);
  const registry = createMetricsRegistry('archiver-test', { defaultMetrics: false });
  const metrics = archiverMetrics(registry);
  t.after(async () => {
    writer.close();
    await rm(root, { recursive: true, force: true });
  });
  return {
    root,
    writer,
    newHandler: (w = writer) => createArchiveHandler({ writer: w, metrics, knownFeatures: FEATURES }),
    skipped: async () => (await metrics.rowsSkipped.get()).values.reduce((s, v) => s + v.value, 0),
    storageErrors: async () => (await metrics.storageErrors.get()).values.reduce((s, v) => s + v.value, 0),
  };
}

/** Every archived row of a table: (partition, offset, transaction_id, file date). */
async function archivedRows(root: string, table: OfflineTableName = 'transactions'): Promise<{ key: string; id: string; date: string }[]> {
  const query = await OfflineStoreQuery.open();
  try {
    const out: { key: string; id: string; date: string }[] = [];
    for (const p of await listPartitions(root, table)) {
      for await (const b of query.scan(p.files, [
        { name: 'kafka_partition', kind: 'number' },
        { name: 'kafka_offset', kind: 'number' },
        { name: 'transaction_id', kind: 'text' },
      ])) {
        for (let i = 0; i < b.length; i++) {
          out.push({ key: `${b.columns['kafka_partition']![i]}:${b.columns['kafka_offset']![i]}`, id: b.columns['transaction_id']![i] as string, date: p.eventDate });
        }
      }
    }
    return out;
  } finally {
    query.close();
  }
}

function assertExactlyOnce(rows: readonly { key: string }[], expected: readonly string[]): void {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
  const dupes = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  assert.deepEqual(dupes, [], 'duplicated records');
  assert.deepEqual([...counts.keys()].sort(), [...expected].sort(), 'archived set');
}

test('a batch spanning three dates writes one file per date, named with the exact offsets of its rows', async (t) => {
  const s = await setup(t);
  const result = await s.newHandler()(range(0, 10, 20), ctx);
  assert.deepEqual(result, { outputs: [] });
  const parts = await listPartitions(s.root, 'transactions');
  assert.deepEqual(parts.map((p) => [p.eventDate, p.files.map((f) => f.split('/').pop())]), [
    ['2025-03-01', [`${TOPIC}+0+12-18.parquet`]], // offsets 12, 15, 18
    ['2025-03-02', [`${TOPIC}+0+10-19.parquet`]], // 10, 13, 16, 19
    ['2025-03-03', [`${TOPIC}+0+11-17.parquet`]], // 11, 14, 17
  ]);
  const rows = await archivedRows(s.root);
  assertExactlyOnce(rows, range(0, 10, 20).map((m) => `0:${m.offset}`));
  for (const r of rows) assert.equal(r.date, `2025-03-0${1 + (Number(r.key.split(':')[1]) % 3)}`, `${r.id} is in its event date`);
});

test('a redelivery with different batch boundaries archives only what is new', async (t) => {
  const s = await setup(t);
  const handle = s.newHandler();
  await handle(range(0, 0, 30), ctx);
  // After a crash before the commit, the group resumes at an older offset, with other boundaries.
  await handle(range(0, 5, 12), ctx);
  await handle(range(0, 12, 45), ctx);
  assert.equal(await s.skipped(), 7 + 18);
  assertExactlyOnce(await archivedRows(s.root), range(0, 0, 45).map((m) => `0:${m.offset}`));
});

test('a crash between the files of two dates of one batch: the restart writes the missing dates once', async (t) => {
  const s = await setup(t);
  // The first process dies after publishing the first date's file of its second batch: no write after
  // that one completes.
  // The handler writes a batch's dates concurrently, so "dies after the 4th file" must wait for that
  // write to land (regression: under CI load the 4th file was still in flight when the test looked).
  let writes = 0;
  let survivor = '';
  const inFlight: Promise<unknown>[] = [];
  const dying = {
    root: s.root,
    writeFile: async (...args: Parameters<OfflineStoreWriter['writeFile']>) => {
      if (++writes >= 5) {
        await Promise.allSettled(inFlight);
        throw new Error('process killed');
      }
      const write = s.writer.writeFile(...args);
      inFlight.push(write);
      const written = await write;
      survivor = written.path;
      return written;
    },
  };
  const first = s.newHandler(dying);
  await first(range(0, 0, 30), ctx); // 3 files
  await assert.rejects(first(range(0, 30, 60), ctx), /process killed/); // 4th file published, 5th not
  const before = await archivedRows(s.root);
  assert.equal(before.length, 30 + 10, 'batch 2 left exactly one of its dates behind');
  const survivedAt = (await stat(survivor)).mtimeMs;

  // The restarted process gets everything from the last commit (offset 30) again, in other slices.
  const second = s.newHandler();
  await second(range(0, 30, 41), ctx);
  await second(range(0, 41, 75), ctx);
  const after = await archivedRows(s.root);
  assertExactlyOnce(after, range(0, 0, 75).map((m) => `0:${m.offset}`));
  // Nothing published before the crash was rewritten. Which date's file survived depends on the order
  // the concurrent date writes started in, so the test names the one that did.
  const names = (await listPartitions(s.root, 'transactions')).flatMap((p) => p.files.map((f) => f.split('/').pop()!));
  assert.match(survivor.split('/').pop()!, new RegExp(`^${TOPIC.replaceAll('.', '\\.')}\\+0\\+3[012]-5[789]\\.parquet$`));
  assert.ok(names.includes(survivor.split('/').pop()!), names.join(' '));
  assert.equal((await stat(survivor)).mtimeMs, survivedAt, 'the surviving file was not rewritten');
});

test('redelivery from offset 0 after everything was archived writes nothing', async (t) => {
  const s = await setup(t);
  const handle = s.newHandler();
  await handle(range(1, 0, 40), ctx);
  await handle(range(2, 0, 40), ctx);
  const files = (await listPartitions(s.root, 'transactions')).flatMap((p) => p.files);
  const fresh = s.newHandler();
  for (let i = 0; i < 40; i += 7) {
    await fresh([...range(1, i, Math.min(40, i + 7))], ctx);
    await fresh([...range(2, i, Math.min(40, i + 7))], ctx);
  }
  assert.deepEqual((await listPartitions(s.root, 'transactions')).flatMap((p) => p.files), files);
  assert.equal(await s.skipped(), 80);
  assertExactlyOnce(await archivedRows(s.root), [...range(1, 0, 40), ...range(2, 0, 40)].map((m) => `${m.partition}:${m.offset}`));
});

test('a late record for an old date is archived although newer offsets of that partition exist elsewhere', async (t) => {
  const s = await setup(t);
  const handle = s.newHandler();
  await handle(range(0, 0, 9), ctx); // days 0, 1, 2
  await handle([enrichedMessage(0, 9, 5), enrichedMessage(0, 10, 0)], ctx); // day 5 first seen, then a late day-0 record
  assertExactlyOnce(await archivedRows(s.root), ['0:0', '0:1', '0:2', '0:3', '0:4', '0:5', '0:6', '0:7', '0:8', '0:9', '0:10']);
});

test('records of several partitions in one call are grouped per partition', async (t) => {
  const s = await setup(t);
  const mixed = [enrichedMessage(0, 0, 0), enrichedMessage(1, 0, 0), enrichedMessage(0, 1, 0), enrichedMessage(1, 1, 0)];
  await s.newHandler()(mixed, ctx);
  const names = (await readdir(join(s.root, 'transactions', 'event_date=2025-03-01'))).sort();
  assert.deepEqual(names, [`${TOPIC}+0+0-1.parquet`, `${TOPIC}+1+0-1.parquet`]);
  assert.deepEqual(parseKafkaFileName(names[1]!), { topic: TOPIC, partition: 1, firstOffset: 0n, lastOffset: 1n });
});

test('a label without labelled_at (user JSON) became known when it was published', async (t) => {
  const s = await setup(t);
  const published = T0 + 9 * DAY;
  const labelTopic = 'ns.transactions.labels.v1';
  await s.newHandler()(
    [
      message('transactionsLabels', labelTopic, 0, 0, { transaction_id: 'a', terminal_id: null, event_time: new Date(T0 + 5).toISOString(), is_fraud: true }, published),
      message('transactionsLabels', labelTopic, 0, 1, { transaction_id: 'b', terminal_id: 't', event_time: T0 + 6, is_fraud: false, labelled_at: T0 + DAY }, published),
    ],
    ctx,
  );
  const query = await OfflineStoreQuery.open();
  t.after(() => query.close());
  const [p] = await listPartitions(s.root, 'labels');
  const batches = [];
  for await (const b of query.scan(p!.files, [{ name: 'transaction_id', kind: 'text' }, { name: 'labelled_at', kind: 'number' }, { name: 'event_time', kind: 'number' }])) batches.push(b);
  assert.deepEqual(Array.from(batches[0]!.columns['labelled_at'] as Float64Array), [published, T0 + DAY]);
  assert.deepEqual(Array.from(batches[0]!.columns['event_time'] as Float64Array), [T0 + 5, T0 + 6]);
});

test('a failing disk is a retriable error, so the runner retries instead of dead-lettering', async (t) => {
  const s = await setup(t);
  const handle = s.newHandler({ root: s.root, writeFile: async () => Promise.reject(new DependencyError('offline-store', 'ENOSPC')) });
  await assert.rejects(handle(range(0, 0, 3), ctx), (e: unknown) => e instanceof DependencyError && e.retriable);
  assert.equal(await s.storageErrors(), 3, 'one per refused file (three event dates)');
  const refused = s.newHandler({ root: s.root, writeFile: async () => Promise.reject(new TypeError('a bug, not the disk')) });
  await assert.rejects(refused(range(0, 0, 1), ctx), TypeError);
  assert.equal(await s.storageErrors(), 3, 'other failures are not counted as storage errors');
});

test('a heartbeat refused after a rebalance does not fail the batch: its records are archived, never dead-lettered', async (t) => {
  const s = await setup(t);
  const refused: HandlerContext = { heartbeat: async () => Promise.reject(new Error('The coordinator is not aware of this member')), signal: new AbortController().signal };
  const result = await s.newHandler()(range(0, 0, 6), refused);
  assert.deepEqual(result.rejected ?? [], []);
  assertExactlyOnce(await archivedRows(s.root), range(0, 0, 6).map((m) => `0:${m.offset}`));
});
