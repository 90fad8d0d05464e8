/**
 * Offline store throughput on this machine:
 *  1. archive: enriched records (15 features, 6 partitions, event times advancing over 10 dates like a
 *     live stream's backlog) from Kafka into Parquet by the archiver service, end to end (fetch, Avro
 *     decode, offset check, Parquet, fsync, commit); records/s over the steady part (first commit to
 *     last) and over the whole run (group join included). `interleaved`: the worst case, every fetch
 *     spanning all 10 dates (a replay of a topic filled out of order), so 10 small files per fetch;
 *  2. ceiling: the same backlog fetched and Avro-decoded by a bare kafkajs consumer doing nothing else;
 *  3. replay: the same backlog again under a new group, all records already archived (skip path);
 *  4. writer: OfflineStoreWriter alone, rows/s for files of --micro-batch rows (no Kafka);
 *  5. import: `riskstream offline import` of a simulated CSV (--import-days), rows/s.
 * Needs the stack (riskstream stack up). Prints one JSON object on stdout.
 *   node bench/offline/archiver-bench.ts [--events N] [--micro-batch N] [--import-days N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Admin } from 'kafkajs';
import {
  kafkaFileName,
  listPartitions,
  loadConfig,
  OfflineStoreQuery,
  OfflineStoreWriter,
  runService,
  transactionColumns,
  transactionRow,
  type EnrichedTransaction,
  type RunningService,
} from '@riskstream/shared';
import { FEATURE_NAMES } from '@riskstream/shared/features';
import { simulate, writeCsv } from '@riskstream/training';
import { buildArchiver } from '../../services/archiver/src/app.ts';
import { archiverConfigSchema } from '../../services/archiver/src/config.ts';
import { offlineCommand } from '../../cli/src/commands/offline-command.ts';
import { integrationEnv, uniqueId, type IntegrationEnv } from '../../test/support/integration.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const EVENTS = arg('--events', 60_000);
const MICRO_BATCH = arg('--micro-batch', 10_000);
const IMPORT_DAYS = arg('--import-days', 30);
const DATES = 10;
const T0 = Date.parse('2025-06-01T00:00:00.000Z');
const log = (m: string) => process.stderr.write(`archiver-bench: ${m}\n`);

function enriched(i: number, interleaved = false): EnrichedTransaction {
  const features: Record<string, number> = {};
  FEATURE_NAMES.forEach((f, j) => (features[f] = j === 10 && i % 13 === 0 ? Number.NaN : ((i * 31 + j * 7) % 1000) / 10));
  const day = interleaved ? i % DATES : Math.floor((i * DATES) / EVENTS);
  const t = T0 + day * 86_400_000 + i;
  return {
    transaction_id: `tx-${i}`,
    card_token: `card-${i % 5000}`.padEnd(64, '0'),
    terminal_id: `term-${i % 10_000}`,
    amount: ((i * 17) % 50_000) / 100,
    currency: 'EUR',
    channel: 'ecom',
    event_time: t,
    ingest_time: t + 3,
    feature_set: 'handbook-baseline-v1',
    features,
  };
}

async function produce(env: IntegrationEnv, interleaved: boolean): Promise<void> {
  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let start = 0; start < EVENTS; start += 2000) {
      const n = Math.min(2000, EVENTS - start);
      const messages = await Promise.all(Array.from({ length: n }, async (_, j) => ({ partition: (start + j) % 6, key: null, value: await env.codec.encode('transactionsEnriched', enriched(start + j, interleaved)) })));
      await producer.send({ topic: env.names.transactionsEnriched, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (res?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
}

/** Runs the archiver under `groupId` until it committed the whole backlog; timings in seconds. */
async function archive(env: IntegrationEnv, admin: Admin, root: string, groupId: string): Promise<{ wallSeconds: number; steadySeconds: number; steadyRecords: number }> {
  const config = loadConfig(archiverConfigSchema, {
    ...process.env,
    TOPIC_NAMESPACE: env.namespace,
    HTTP_PORT: '0',
    LOG_LEVEL: 'error',
    ARCHIVER_GROUP_ID: groupId,
    OFFLINE_STORE_DIR: root,
    ARCHIVER_MICRO_BATCH_SIZE: String(MICRO_BATCH),
  });
  const started = Date.now();
  const svc: RunningService = await runService('archiver', config, (ctx) => buildArchiver(ctx, config), { installSignalHandlers: false });
  let firstAt = 0;
  let firstCount = 0;
  for (;;) {
    const n = await committed(admin, groupId, env.names.transactionsEnriched);
    if (n > 0 && firstAt === 0) {
      firstAt = Date.now();
      firstCount = n;
    }
    if (n >= EVENTS) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const done = Date.now();
  await svc.stop();
  return { wallSeconds: (done - started) / 1000, steadySeconds: (done - firstAt) / 1000, steadyRecords: EVENTS - firstCount };
}

/** A kafkajs consumer that fetches and decodes the backlog and does nothing else. */
async function decodeCeiling(env: IntegrationEnv): Promise<number> {
  const consumer = env.kafka.consumer({ groupId: `${env.namespace}ceiling-${uniqueId()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: env.names.transactionsEnriched, fromBeginning: true });
  let seen = 0;
  let firstAt = 0;
  let doneAt = 0;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (firstAt === 0) firstAt = Date.now();
      for (const m of batch.messages) await env.codec.decode('transactionsEnriched', m.value);
      seen += batch.messages.length;
      if (seen >= EVENTS && doneAt === 0) doneAt = Date.now();
    },
  });
  while (doneAt === 0) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
  return EVENTS / Math.max(0.001, (doneAt - firstAt) / 1000);
}

async function writerOnly(root: string): Promise<{ rowsPerSecond: number; bytesPerRow: number }> {
  const writer = await OfflineStoreWriter.open(root);
  const columns = transactionColumns(FEATURE_NAMES);
  const rows = Array.from({ length: MICRO_BATCH }, (_, i) => transactionRow(enriched(i * DATES), FEATURE_NAMES, { partition: 0, offset: BigInt(i) }));
  let bytes = 0;
  const files = Math.max(3, Math.ceil(100_000 / MICRO_BATCH));
  const started = process.hrtime.bigint();
  for (let k = 0; k < files; k++) {
    const w = await writer.writeFile('transactions', '2025-06-01', kafkaFileName({ topic: 'bench', partition: 0, firstOffset: BigInt(k * MICRO_BATCH), lastOffset: BigInt((k + 1) * MICRO_BATCH - 1) }), columns, rows);
    bytes += w.bytes;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  writer.close();
  return { rowsPerSecond: Math.round((files * MICRO_BATCH) / seconds), bytesPerRow: Math.round((bytes / (files * MICRO_BATCH)) * 10) / 10 };
}

async function importRate(dir: string): Promise<{ rows: number; seconds: number; rowsPerSecond: number }> {
  const sim = simulate({ nbDays: IMPORT_DAYS, seed: 5 });
  const csv = join(dir, 'import.csv');
  await writeCsv(sim, csv);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const started = Date.now();
  const code = await offlineCommand.run(['import', '--csv', csv, '--root', join(dir, 'import-store'), '--quiet'], {
    stdout: sink,
    stderr: sink,
    env: { CARD_TOKEN_KEYS: `bench:${Buffer.alloc(32, 1).toString('base64')}` },
  });
  if (code !== 0) throw new Error(`import exited ${code}`);
  const seconds = (Date.now() - started) / 1000;
  return { rows: sim.transactions.length, seconds, rowsPerSecond: Math.round(sim.transactions.length / seconds) };
}

async function archiveRun(env: IntegrationEnv, admin: Admin, root: string) {
  const first = await archive(env, admin, root, env.uniqueGroup('archive'));
  const files = (await listPartitions(root, 'transactions')).flatMap((p) => p.files);
  const query = await OfflineStoreQuery.open();
  const counts = await query.rowCounts(files);
  query.close();
  const rows = [...counts.values()].reduce((a, b) => a + b, 0);
  if (rows !== EVENTS) throw new Error(`archived ${rows} rows for ${EVENTS} records`);
  return {
    recordsPerSecondSteady: Math.round(first.steadyRecords / first.steadySeconds),
    recordsPerSecondWall: Math.round(EVENTS / first.wallSeconds),
    wallSeconds: first.wallSeconds,
    files: files.length,
    meanFileRows: Math.round(rows / files.length),
  };
}

const dir = await mkdtemp(join(tmpdir(), 'rs-offline-bench-'));
const env = await integrationEnv('archiver-bench');
const worst = await integrationEnv('archiver-bench-il');
const admin = env.kafka.admin();
await admin.connect();
try {
  log(`producing ${EVENTS} enriched records (time-ordered, and interleaved over ${DATES} dates)`);
  await produce(env, false);
  await produce(worst, true);
  log('decode ceiling');
  const ceiling = await decodeCeiling(env);
  log('archiving');
  const root = join(dir, 'store');
  const archived = await archiveRun(env, admin, root);
  log('replaying (everything already archived)');
  const replay = await archive(env, admin, root, env.uniqueGroup('replay'));
  log('archiving the interleaved backlog');
  const interleaved = await archiveRun(worst, admin, join(dir, 'store-interleaved'));
  log('writer alone');
  const writer = await writerOnly(join(dir, 'writer'));
  log(`import of a ${IMPORT_DAYS}-day simulation`);
  const imported = await importRate(dir);
  const result = {
    events: EVENTS,
    microBatchSize: MICRO_BATCH,
    archive: archived,
    archiveInterleavedDates: interleaved,
    decodeCeilingRecordsPerSecond: Math.round(ceiling),
    replay: {
      recordsPerSecondSteady: Math.round(replay.steadyRecords / replay.steadySeconds),
      recordsPerSecondWall: Math.round(EVENTS / replay.wallSeconds),
      filesWritten: (await listPartitions(root, 'transactions')).flatMap((p) => p.files).length - archived.files,
    },
    writer,
    import: imported,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await admin.disconnect();
  await env.cleanup();
  await worst.cleanup();
  await rm(dir, { recursive: true, force: true });
}
