/**
 * No clear card number anywhere the pipeline writes (issue 13): after a pipeline run (fused, then the
 * archiver), a PAN scan (test/support/card-number-scan.ts: every Luhn-valid 13-19 digit number) of
 *  - every topic of the run's namespace except the raw input and the DLQ: all partitions, read_committed,
 *    keys, values and headers as bytes, and the decoded values;
 *  - every Redis key and value under the run's prefixes (dedup markers, feature state, snapshots);
 *  - the offline store: every file's bytes and every row of every table, decoded;
 *  - the processes' logs (stdout and stderr) and their /metrics;
 * finds nothing. The same scan of the raw input finds the cards, so the scan is known to see them.
 * Size: 100,000 transactions with FAULT_PROFILE=full, a few thousand otherwise. Kafka and the registry are
 * the shared stack's; Redis is a redis-server of the test's own: the shared one, holding millions of other
 * runs' keys and scanned by other tests, made scoring 7x slower and a full SCAN of it take minutes.
 */
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS, dataFileNames, type TopicKey } from '@riskstream/shared';
import { openEngine, withConnection, fileList } from '../../shared/src/offline-store/duckdb-engine.ts';
import { faultProfile } from '../faults/fault-profile.ts';
import { integrationEnv, uniqueId } from '../support/integration.ts';
import { freePort, startChild, waitFor, type ChildService } from '../support/child-service.ts';
import { pipelineEnv } from '../support/pipeline-env.ts';
import { CardNumberScan } from '../support/card-number-scan.ts';
import { loggedPort, produceRaw, readWholeTopic, scoredTransactionIds, streamTransactions, trainTestModel } from './pipeline-run.ts';

const N = faultProfile().name === 'full' ? 100_000 : 3000;
const EXCLUDED: readonly TopicKey[] = ['transactionsRaw', 'transactionsDlq'];

/** Invalid records whose card numbers are valid: ingest must not echo them into logs or metrics. */
function invalidRecords(cards: readonly string[]): Array<Record<string, unknown>> {
  return cards.slice(0, 30).map((card, i) => ({
    transaction_id: `bad-${i}`,
    card_number: card,
    amount: i % 2 === 0 ? -5 : 10,
    currency: i % 2 === 0 ? 'EUR' : 'XXZ',
    event_time: Date.UTC(2018, 3, 2),
    terminal_id: 't-1',
    customer_id: 'c-1',
    channel: 'pos',
  }));
}

test(`integration: security: after ${N.toLocaleString('en')} transactions through the pipeline and the archiver, 0 Luhn-valid card numbers in topics (but raw and DLQ), Redis, the offline store, logs and metrics`, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rs-pan-scan-'));
  const env = await integrationEnv('pan-scan');
  const redisPrefix = `t-${uniqueId()}:`;
  const redisPort = await freePort();
  const redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const children: ChildService[] = [];
  t.after(async () => {
    for (const c of children) {
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
      await c.exited();
    }
    redisServer.kill('SIGKILL');
    await env.cleanup();
    await rm(root, { recursive: true, force: true });
  });
  const registryDir = await trainTestModel(root);
  const childEnv = { ...pipelineEnv(env, registryDir, redisPrefix), REDIS_URL: redisUrl };
  const offlineDir = join(root, 'offline');
  const fused = startChild('services/fused/src/main.ts', { ...childEnv, INSTANCE_ID: 'fused' });
  const archiver = startChild('services/archiver/src/main.ts', {
    ...childEnv,
    INSTANCE_ID: 'archiver',
    OFFLINE_STORE_DIR: offlineDir,
    ARCHIVER_GROUP_ID: env.uniqueGroup('archiver'),
    ARCHIVER_MIN_BYTES: '1',
    ARCHIVER_MAX_WAIT_MS: '500',
  });
  children.push(fused, archiver);

  const transactions = streamTransactions(N);
  const sentCards = [...new Set(transactions.map((tx) => String(tx['card_number'])))];
  const started = Date.now();
  await produceRaw(env, [...transactions, ...invalidRecords(sentCards)]);
  const { ids } = await scoredTransactionIds(env, N, N > 10_000 ? 1_200_000 : 300_000).catch((err: Error) => {
    throw new Error(`${err.message}; fused's last output:\n${fused.output().slice(-4000)}`);
  });
  assert.equal(ids.size, N);
  t.diagnostic(`${N} scored in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // The archiver has written every transaction and score row.
  const metricsOf = async (c: ChildService, name: string) => {
    const port = loggedPort(c.output(), name);
    assert.ok(port, `${name} logged no port`);
    return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  };
  const rowsWritten = (metrics: string, table: string) => Number(new RegExp(`^archiver_rows_written_total\\{[^}]*table="${table}"[^}]*\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
  await waitFor(
    'the archiver wrote every row',
    async () => {
      const m = await metricsOf(archiver, 'archiver');
      return rowsWritten(m, 'transactions') >= N && rowsWritten(m, 'scores') >= N;
    },
    N > 10_000 ? 600_000 : 120_000,
    1000,
  );

  const scan = new CardNumberScan();
  // Topics: bytes (key, value, every header) and decoded values.
  const counts: Record<string, number> = {};
  for (const [key, topic] of Object.entries(env.names) as Array<[TopicKey, string]>) {
    if (EXCLUDED.includes(key)) continue;
    const msgs = await readWholeTopic(env.kafka, topic);
    counts[key] = msgs.length;
    for (const m of msgs) {
      const where = `${topic}[${m.partition}]@${m.offset}`;
      if (m.key) scan.scan(`${where} key`, m.key);
      if (m.value) scan.scan(`${where} value`, m.value);
      for (const [h, v] of Object.entries(m.headers ?? {})) for (const b of [v].flat()) if (b !== undefined) scan.scan(`${where} header ${h}`, Buffer.isBuffer(b) ? b : Buffer.from(String(b)));
      if (TOPICS[key].encoding !== 'bytes' && m.value) scan.scanValue(`${where} decoded`, await env.codec.decode(key, m.value));
    }
  }
  t.diagnostic(`records scanned per topic: ${JSON.stringify(counts)}`);
  for (const key of ['transactionsValid', 'transactionsEnriched', 'transactionsScored'] as const) assert.equal(counts[key], N, `${key} read whole`);

  // Redis: every key and value under the run's prefix, whatever its type (pipelined per SCAN page).
  const redis = new Redis(redisUrl);
  let redisKeys = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scanBuffer(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 10_000);
      cursor = String(next);
      redisKeys += keys.length;
      for (const k of keys) scan.scan('redis key', k);
      const types = ((await redis.pipeline(keys.map((k) => ['type', k])).exec()) ?? []).map(([, type]) => String(type));
      const reads = redis.pipeline();
      const readKeys = keys.filter((_, i) => types[i] !== 'none');
      keys.forEach((k, i) => {
        const type = types[i]!;
        assert.ok(['string', 'hash', 'set', 'list', 'zset', 'none'].includes(type), `redis type ${type}`);
        if (type === 'string') reads.getBuffer(k);
        else if (type === 'hash') reads.hgetallBuffer(k);
        else if (type === 'set') reads.smembersBuffer(k);
        else if (type === 'list') reads.lrangeBuffer(k, 0, -1);
        else if (type === 'zset') reads.zrangeBuffer(k, 0, -1);
      });
      for (const [i, [err, value]] of ((await reads.exec()) ?? []).entries()) {
        assert.ifError(err);
        const values = Buffer.isBuffer(value) ? [value] : Array.isArray(value) ? (value as Buffer[]) : Object.entries(value as Record<string, Buffer>).flatMap(([f, v]) => [Buffer.from(f), v]);
        for (const v of values) if (v) scan.scan(`redis ${readKeys[i]!.toString('latin1')}`, v);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  assert.ok(redisKeys > N, `redis keys under the prefix: ${redisKeys}`);

  // The offline store: raw bytes of every file, and every row decoded (Parquet pages are compressed).
  const files = (await readdir(offlineDir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
  for (const f of files) scan.scan(f, await readFile(f));
  const engine = await openEngine();
  let offlineRows = 0;
  for (const table of ['transactions', 'scores', 'labels']) {
    const parquet = files.filter((f) => f.includes(`/${table}/`) && f.endsWith('.parquet'));
    if (parquet.length === 0) continue;
    const rows = await withConnection(engine, async (con) => (await con.runAndReadAll(`SELECT * FROM read_parquet(${fileList(parquet)}, union_by_name = true)`)).getRowObjectsJS());
    offlineRows += rows.length;
    for (const row of rows) scan.scanValue(`offline ${table}`, row);
  }
  engine.closeSync?.();
  assert.ok(offlineRows >= 2 * N, `offline rows ${offlineRows}`);
  assert.ok((await dataFileNames(join(offlineDir, 'transactions', (await readdir(join(offlineDir, 'transactions')))[0]!))).length > 0);

  // Metrics and logs of every process.
  scan.scan('fused /metrics', await metricsOf(fused, 'fused'));
  scan.scan('archiver /metrics', await metricsOf(archiver, 'archiver'));
  for (const c of children) {
    c.child.kill('SIGTERM');
    await c.exited();
  }
  scan.scan('fused logs', fused.output());
  scan.scan('archiver logs', archiver.output());
  t.diagnostic(`scanned ${scan.scannedItems} items (${(scan.scannedBytes / 1e6).toFixed(1)} MB of bytes and text) and ${offlineRows} offline rows: ${scan.findings.length} card numbers`);
  assert.equal(scan.findings.length, 0, `card numbers found:\n${scan.summary()}`);

  // The scan sees card numbers where they are: every sent card is found in the raw input.
  const control = new CardNumberScan();
  for (const m of await readWholeTopic(env.kafka, env.names.transactionsRaw)) if (m.value) control.scan('raw', m.value);
  const found = new Set(control.findings.map((f) => f.hit.digits));
  assert.ok(sentCards.every((c) => found.has(c)), `the scan missed cards in the raw input (${found.size} of ${sentCards.length})`);
});
