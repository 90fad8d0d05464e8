import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import {
  DLQ_HEADERS,
  listPartitions,
  loadConfig,
  parseKafkaFileName,
  runService,
  type EnrichedTransaction,
  type RunningService,
  type ScoredTransaction,
  type TopicKey,
} from '@riskstream/shared';
import { ParquetOfflineStore } from '../../../training/src/data/parquet-offline-store.ts';
import { buildArchiver } from '../../../services/archiver/src/app.ts';
import { archiverConfigSchema } from '../../../services/archiver/src/config.ts';
import { integrationEnv, readTopic, type IntegrationEnv } from '../../support/integration.ts';
import { waitFor } from '../../support/child-service.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2025-06-01T00:00:00.000Z');
const DATES = 4;
const N_TX = 900;
const N_LABELS = 240;
const N_JSON_LABELS = 12;
const N_SCORED = 420;

/** Record i lands on day i % 4 and partition i % partitions, so every batch spans dates and partitions. */
function eventTime(i: number): number {
  return T0 + (i % DATES) * DAY + i * 1000;
}

function enriched(i: number): EnrichedTransaction {
  return {
    transaction_id: `tx-${i}`,
    card_token: `card-${i % 37}`,
    terminal_id: i % 9 === 0 ? null : `term-${i % 50}`,
    amount: 5 + (i % 300) / 4,
    currency: 'EUR',
    channel: i % 3 === 0 ? null : 'ecom',
    event_time: eventTime(i),
    ingest_time: eventTime(i) + 7,
    feature_set: 'handbook-baseline-v1',
    features: { TX_AMOUNT: 5 + (i % 300) / 4, CUSTOMER_ID_NB_TX_1DAY_WINDOW: i % 11, TERMINAL_ID_RISK_7DAY_WINDOW: i % 9 === 0 ? Number.NaN : (i % 5) / 10 },
  };
}

function scored(i: number): ScoredTransaction {
  return {
    transaction_id: `tx-${i}`,
    event_time: eventTime(i),
    card_token: `card-${i % 37}`,
    terminal_id: `term-${i % 50}`,
    amount: 10,
    score: (i % 100) / 100,
    decision: i % 10 === 0 ? 'REVIEW' : 'APPROVE',
    model_name: 'fraud',
    model_version: 1 + (i % 2),
    reasons: [{ feature: 'TX_AMOUNT', contribution: i / 1000 }],
    latency_ms: 4.5,
    challenger_score: null,
    challenger_version: null,
  };
}

/** Produces with explicit partitions (round robin), Avro through the registry; plus the odd raw payload. */
async function produceAll(env: IntegrationEnv): Promise<void> {
  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const send = async (key: TopicKey, partitions: number, values: readonly unknown[]) => {
      for (let start = 0; start < values.length; start += 300) {
        const chunk = values.slice(start, start + 300);
        const messages = await Promise.all(chunk.map(async (v, j) => ({ partition: (start + j) % partitions, key: `k${start + j}`, value: await env.codec.encode(key, v) })));
        await producer.send({ topic: env.names[key], acks: -1, messages });
      }
    };
    await send('transactionsEnriched', 6, Array.from({ length: N_TX }, (_, i) => enriched(i)));
    await send('transactionsScored', 6, Array.from({ length: N_SCORED }, (_, i) => scored(i)));
    await send('transactionsLabels', 3, Array.from({ length: N_LABELS - N_JSON_LABELS }, (_, i) => ({
      transaction_id: `tx-${i * 3}`,
      terminal_id: null,
      event_time: eventTime(i * 3),
      is_fraud: i % 7 === 0,
      labelled_at: eventTime(i * 3) + 2 * DAY,
    })));
    // Users send JSON labels with ISO times and no labelled_at; and one poison record per topic.
    await producer.send({
      topic: env.names.transactionsLabels,
      acks: -1,
      messages: [
        ...Array.from({ length: N_JSON_LABELS }, (_, i) => ({
          partition: i % 3,
          key: `json-${i}`,
          value: JSON.stringify({ transaction_id: `tx-json-${i}`, event_time: new Date(eventTime(i)).toISOString(), is_fraud: true }),
        })),
        { partition: 1, key: 'bad-label', value: JSON.stringify({ transaction_id: 'tx-bad', event_time: 'yesterday', is_fraud: 'yes' }) },
      ],
    });
    await producer.send({ topic: env.names.transactionsEnriched, acks: -1, messages: [{ partition: 2, key: 'poison', value: Buffer.from('not avro at all') }] });
  } finally {
    await producer.disconnect();
  }
}

async function startArchiver(env: IntegrationEnv, root: string, groupId: string, microBatch: number): Promise<RunningService> {
  const config = loadConfig(archiverConfigSchema, {
    ...process.env,
    TOPIC_NAMESPACE: env.namespace,
    HTTP_PORT: '0',
    LOG_LEVEL: 'error',
    ARCHIVER_GROUP_ID: groupId,
    OFFLINE_STORE_DIR: root,
    ARCHIVER_MICRO_BATCH_SIZE: String(microBatch),
    ARCHIVER_MAX_WAIT_MS: '200',
  });
  return runService('archiver', config, (ctx) => buildArchiver(ctx, config), { installSignalHandlers: false });
}

const ARCHIVED: readonly TopicKey[] = ['transactionsEnriched', 'transactionsLabels', 'transactionsScored'];

/** Waits until the group has committed every record of the three inputs. */
async function waitAllCommitted(admin: Admin, env: IntegrationEnv, groupId: string): Promise<void> {
  const ends = new Map<string, number>();
  for (const key of ARCHIVED) {
    for (const p of await admin.fetchTopicOffsets(env.names[key])) ends.set(`${env.names[key]}:${p.partition}`, Number(p.high));
  }
  await waitFor(`group ${groupId} to commit everything`, async () => {
    for (const key of ARCHIVED) {
      const [res] = await admin.fetchOffsets({ groupId, topics: [env.names[key]] });
      for (const p of res?.partitions ?? []) if (Number(p.offset) < ends.get(`${env.names[key]}:${p.partition}`)!) return false;
      if ((res?.partitions.length ?? 0) === 0) return false;
    }
    return true;
  }, 120_000, 250);
}

interface Contents {
  transactions: string[];
  labels: string[];
  scores: string[];
  files: string[];
}

async function contents(root: string): Promise<Contents> {
  const store = new ParquetOfflineStore(root);
  try {
    const range = { from: new Date(T0 - DAY), to: new Date(T0 + 10 * DAY) };
    const ids = async (it: AsyncIterable<{ length: number; transaction_id: readonly string[] }>) => {
      const out: string[] = [];
      for await (const b of it) out.push(...b.transaction_id);
      return out;
    };
    const files: string[] = [];
    for (const table of ['transactions', 'labels', 'scores'] as const) files.push(...(await listPartitions(root, table)).flatMap((p) => p.files));
    return { transactions: await ids(store.readTransactions(range)), labels: await ids(store.readLabels(range)), scores: await ids(store.readScores(range)), files: files.sort() };
  } finally {
    await store.close();
  }
}

function assertComplete(c: Contents): void {
  const expectTx = Array.from({ length: N_TX }, (_, i) => `tx-${i}`).sort();
  assert.equal(c.transactions.length, N_TX, 'one row per enriched record');
  assert.deepEqual([...c.transactions].sort(), expectTx);
  assert.equal(c.scores.length, N_SCORED);
  assert.equal(new Set(c.scores).size, N_SCORED);
  assert.equal(c.labels.length, N_LABELS);
  assert.equal(new Set(c.labels).size, N_LABELS);
}

test('integration: the archiver stores every record exactly once, survives a crash between date files and a full replay, and dead-letters poison', async (t) => {
  const env = await integrationEnv('archiver');
  t.after(() => env.cleanup());
  const root = await mkdtemp(join(tmpdir(), 'archiver-it-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const admin = env.kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await produceAll(env);

  // 1. Archive everything in small batches (many files, every batch spanning dates).
  const groupId = env.uniqueGroup('archiver');
  let svc = await startArchiver(env, root, groupId, 37);
  await waitAllCommitted(admin, env, groupId);
  await svc.stop();
  const first = await contents(root);
  assertComplete(first);

  const store = new ParquetOfflineStore(root);
  t.after(() => store.close());
  for await (const b of store.readTransactions({ from: new Date(T0), to: new Date(T0 + DATES * DAY) })) {
    for (let i = 0; i < b.length; i++) {
      const want = enriched(Number(b.transaction_id[i]!.slice(3)));
      assert.equal(b.event_time[i], want.event_time);
      assert.equal(b.terminal_id[i], want.terminal_id);
      assert.equal(b.features!['CUSTOMER_ID_NB_TX_1DAY_WINDOW']![i], want.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']);
      const risk = b.features!['TERMINAL_ID_RISK_7DAY_WINDOW']![i]!;
      assert.ok(Number.isNaN(want.features['TERMINAL_ID_RISK_7DAY_WINDOW']!) ? Number.isNaN(risk) : risk === want.features['TERMINAL_ID_RISK_7DAY_WINDOW']);
      // A feature of the current set that the record did not carry is a missing value.
      assert.ok(Number.isNaN(b.features!['TX_DURING_NIGHT']![i]!));
    }
  }
  const dlq = await readTopic(env.kafka, env.names.transactionsDlq, { count: 2, timeoutMs: 30_000, settleMs: 1000 });
  assert.deepEqual(
    dlq.map((m) => `${m.headers![DLQ_HEADERS.topic]!.toString()} ${m.headers![DLQ_HEADERS.code]!.toString()} ${m.headers![DLQ_HEADERS.reason]!.toString()}`).sort(),
    [`${env.names.transactionsEnriched} DECODE_FAILED DECODE_FAILED`, `${env.names.transactionsLabels} VALIDATION_FAILED LABEL_INVALID`],
  );

  // 2. A crash in the middle of a batch spanning dates: the files of that batch's later dates are gone
  //    and the group never committed it. Take a batch boundary K of enriched partition 0 (no file of
  //    that partition straddles it); the "crashed batch" is everything from K on, of which only its
  //    first date's rows had been published.
  const enrichedTopic = env.names.transactionsEnriched;
  const p0 = (await listPartitions(root, 'transactions')).flatMap((p) =>
    p.files.map((f) => ({ f, date: p.eventDate, r: parseKafkaFileName(f.split('/').pop()!)! })).filter((x) => x.r.topic === enrichedTopic && x.r.partition === 0),
  );
  const boundaries = [...new Set(p0.map((x) => x.r.firstOffset))]
    .filter((k) => p0.every((x) => x.r.lastOffset < k || x.r.firstOffset >= k))
    .sort((a, b) => (a < b ? -1 : 1));
  const k = boundaries[Math.floor(boundaries.length / 2)]!;
  assert.ok(k > 0n, `found a batch boundary inside partition 0 (${boundaries.join(',')})`);
  const crashed = p0.filter((x) => x.r.firstOffset >= k);
  const firstDate = crashed.map((x) => x.date).sort()[0]!;
  const lost = crashed.filter((x) => x.date !== firstDate);
  assert.ok(lost.length > 0, 'the crashed batch had later dates to lose');
  for (const x of lost) await rm(x.f);
  await admin.setOffsets({ groupId, topic: enrichedTopic, partitions: [{ partition: 0, offset: k.toString() }] });
  const damaged = await contents(root);
  assert.ok(damaged.transactions.length < N_TX);

  // The restart re-reads from K, with other batch boundaries, and must restore exactly what was lost.
  svc = await startArchiver(env, root, groupId, 1000);
  await waitAllCommitted(admin, env, groupId);
  await svc.stop();
  const restored = await contents(root);
  assertComplete(restored);
  for (const x of crashed.filter((c) => c.date === firstDate)) assert.ok(restored.files.includes(x.f), `${x.f} was kept, not rewritten`);

  // 3. A replay of everything from offset 0 (a new group) archives nothing new.
  const replayGroup = env.uniqueGroup('replay');
  svc = await startArchiver(env, root, replayGroup, 500);
  await waitAllCommitted(admin, env, replayGroup);
  await svc.stop();
  const replayed = await contents(root);
  assertComplete(replayed);
  assert.deepEqual(replayed.files, restored.files, 'the replay wrote no file');
});
