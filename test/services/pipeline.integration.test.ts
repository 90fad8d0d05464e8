/**
 * The pipeline end to end, as users run it, in both topologies (shared/src/topology.ts): split (ingest,
 * features and scoring as separate processes) and fused (one process, one transaction per commit),
 * against the real Kafka, registry and Redis. One simulated stream, several properties:
 *  - exactly one scored event per valid input (read_committed), the invalid ones on the DLQ;
 *  - training/serving parity: scores equal the offline features run through the same ONNX model;
 *  - kill -9 of each service mid-stream and a restart lose nothing and duplicate nothing;
 *  - a promotion mid-stream switches versions with every event scored by exactly one version;
 *  - no clear card number downstream of ingest (topics, Redis, logs); kcat decodes the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import avro from 'avsc';
import { Redis } from 'ioredis';
import { createIdempotentProducer, isFusedOutput, sendRecords, type OutputRecord } from '@riskstream/shared';
import {
  ModelRegistry,
  featurizeOffline,
  isLuhnValid,
  loadOnnxModel,
  scoreRows,
  simulate,
  simulatedTrainingData,
  trainModel,
  transactionAt,
  type SimulatedTransaction,
} from '@riskstream/training';
import { takeTransactions } from '../../training/src/simulator/transactions.ts';
import { publishLifecycle } from '../../cli/src/lifecycle-publisher.ts';
import { endOffsetSum, integrationEnv, readTopic, uniqueId, type IntegrationEnv } from '../support/integration.ts';
import { startChild, waitFor, type ChildService } from '../support/child-service.ts';
import { pipelineEnv } from '../support/pipeline-env.ts';
import { deleteRedisKeys } from '../support/redis-keys.ts';

const N = 10_000;
const INVALID = 40;

interface Scored {
  transaction_id: string;
  score: number;
  model_version: number;
  decision: string;
  card_token: string;
}

async function decodeAll(env: IntegrationEnv, msgs: KafkaMessage[]): Promise<Scored[]> {
  const out: Scored[] = [];
  for (const m of msgs) out.push((await env.codec.decode('transactionsScored', m.value)) as Scored);
  return out;
}

/** The card numbers the tests send. A leak is one of them appearing anywhere downstream. */
const SENT_CARDS = new Set<string>();

/**
 * Card numbers we sent that appear in a text as a whole digit run. Matching the sent numbers, not any
 * Luhn-valid run: a hex HMAC token contains 15-digit Luhn-valid runs by chance (about one in 200).
 */
function cardNumbersIn(text: string): string[] {
  return [...text.matchAll(/(?<!\d)\d{12,19}(?!\d)/g)].map((m) => m[0]).filter((d) => SENT_CARDS.has(d) && isLuhnValid(d));
}

function invalidRecords(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < INVALID; i++) {
    const base = { transaction_id: `bad-${i}`, card_number: '4000001234567899', amount: 10, currency: 'EUR', event_time: Date.UTC(2018, 3, 2), terminal_id: 't-1' };
    const kind = i % 4;
    if (kind === 0) out.push({ ...base, amount: -5 });
    else if (kind === 1) out.push({ ...base, currency: 'XXZ' });
    else if (kind === 2) out.push({ ...base, card_number: '4000001234567890' });
    else out.push({ ...base, transaction_id: undefined });
  }
  return out;
}

type Stage = 'ingest' | 'features' | 'scoring' | 'fused';
const TOPOLOGY_STAGES = { split: ['ingest', 'features', 'scoring'], fused: ['fused'] } as const satisfies Record<string, readonly Stage[]>;
type TopologyName = keyof typeof TOPOLOGY_STAGES;
/** The process that logs model switches in each topology. */
const SCORER: Record<TopologyName, Stage> = { split: 'scoring', fused: 'fused' };

interface Pipeline {
  env: IntegrationEnv;
  registryDir: string;
  redisPrefix: string;
  children: Map<string, ChildService>;
  childEnv: Record<string, string>;
  start(name: Stage): ChildService;
  stop(): Promise<void>;
}

async function pipeline(label: string, registryDir: string): Promise<Pipeline> {
  const env = await integrationEnv(label);
  const redisPrefix = `t-${uniqueId()}:`;
  // No allowed-lateness override: the stream is 2.5 days of history produced in one burst, so ingest
  // forwards each raw partition's batch in turn and a valid partition sees event time jump back by up
  // to the whole span. Lateness is judged per raw source partition (shared/src/event-order.ts), each
  // of which is ordered, so the default hour of grace flags nothing, which the parity check proves:
  // an event flagged late is not recorded, and every later feature of its card or terminal would differ.
  const childEnv: Record<string, string> = {
    ...pipelineEnv(env, registryDir, redisPrefix),
    SCORING_MODEL_POLL_MS: '1000',
    // A lifecycle event published while scoring's lifecycle consumer is still joining its group is not
    // seen by it; the registry reconciliation (production default 30 s) is what catches that up.
    SCORING_MODEL_RECONCILE_MS: '2000',
  };
  const children = new Map<string, ChildService>();
  const entry = { ingest: 'services/ingest/src/main.ts', features: 'services/features/src/main.ts', scoring: 'services/scoring/src/main.ts', fused: 'services/fused/src/main.ts' };
  return {
    env,
    registryDir,
    redisPrefix,
    children,
    childEnv,
    start(name) {
      // A restart keeps the instance id, as services up does: it fences its predecessor's transaction.
      const c = startChild(entry[name], { ...childEnv, INSTANCE_ID: name });
      children.set(name, c);
      return c;
    },
    async stop() {
      for (const c of children.values()) {
        if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
        await c.exited();
      }
      await deleteRedisKeys(redisPrefix);
      await env.cleanup();
    },
  };
}

async function produceRaw(env: IntegrationEnv, values: Array<Record<string, unknown>>): Promise<void> {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  const records: OutputRecord[] = values.map((v) => ({ topic: 'transactionsRaw', key: String(v['card_number']), value: Buffer.from(JSON.stringify(v)) }));
  for (let i = 0; i < records.length; i += 500) await sendRecords(producer, env.codec, records.slice(i, i + 500));
  await producer.disconnect();
}

function rawOf(tx: SimulatedTransaction): Record<string, unknown> {
  const { is_fraud: _f, fraud_scenario: _s, ...raw } = tx;
  return raw;
}

/** Progress only: high watermarks include open transactions, so exact counts go through a reader. */
async function scoredCount(env: IntegrationEnv): Promise<number> {
  return endOffsetSum(env.kafka, env.names.transactionsScored);
}

// One model for every test: a small simulation keeps training to seconds.
const root = await mkdtemp(join(tmpdir(), 'rs-pipeline-'));
const registryDir = join(root, 'registry');
const registry = await ModelRegistry.open(registryDir);
const trainSim = simulate({ nCustomers: 800, nTerminals: 1600, nbDays: 45, seed: 11 });
await trainModel(simulatedTrainingData({ seed: 11, simulation: trainSim }), { name: 'fraud', seed: 1, registry });
// The stream: the first N transactions of a different simulation.
const streamSim = simulate({ nCustomers: 2500, nTerminals: 5000, nbDays: 8, seed: 12 });
const streamTx = Array.from({ length: N }, (_, i) => transactionAt(streamSim, i));
for (const tx of streamTx) SENT_CARDS.add(tx.card_number);
for (const bad of invalidRecords()) if (typeof bad['card_number'] === 'string') SENT_CARDS.add(bad['card_number']);

test.after(() => rm(root, { recursive: true, force: true }));

for (const topology of ['fused', 'split'] as const) test(`integration: ${topology}: 10,000 transactions in -> exactly 10,000 valid, enriched and scored out, DLQ for the invalid, training/serving parity, no card numbers downstream`, async (t) => {
  const p = await pipeline(`e2e-${topology}`, registryDir);
  t.after(() => p.stop());
  for (const s of TOPOLOGY_STAGES[topology]) p.start(s);
  const values = streamTx.map(rawOf);
  const bad = invalidRecords();
  // Interleave the invalid records with the good ones.
  const mixed: Array<Record<string, unknown>> = [];
  for (let i = 0; i < values.length; i++) {
    mixed.push(values[i]!);
    if (i % 250 === 0 && bad.length > 0) mixed.push(bad.pop()!);
  }
  mixed.push(...bad);
  const started = Date.now();
  await produceRaw(p.env, mixed);
  await waitFor('all scored', async () => (await scoredCount(p.env)) >= N, 240000, 1000);
  t.diagnostic(`10,000 scored ${((Date.now() - started) / 1000).toFixed(1)} s after the first produce`);

  const scored = await decodeAll(p.env, await readTopic(p.env.kafka, p.env.names.transactionsScored, { count: N, timeoutMs: 60000, settleMs: 3000 }));
  const ids = new Set(scored.map((s) => s.transaction_id));
  assert.equal(scored.length, N, 'no duplicates');
  assert.equal(ids.size, N, 'no loss');
  for (const s of scored) {
    assert.ok(s.model_version >= 1);
    assert.ok(s.score >= 0 && s.score <= 1, `score ${s.score}`);
  }
  const dlq = await readTopic(p.env.kafka, p.env.names.transactionsDlq, { count: INVALID, timeoutMs: 30000, settleMs: 1000 });
  assert.equal(dlq.length, INVALID);
  // Every record is on the intermediate topics too, once: the drift monitor, archiver and replays read them.
  for (const topic of ['transactionsValid', 'transactionsEnriched'] as const) {
    const msgs = await readTopic(p.env.kafka, p.env.names[topic], { count: N, timeoutMs: 30000, settleMs: 1000 });
    const seen = new Set<string>();
    for (const m of msgs) seen.add(((await p.env.codec.decode(topic, m.value)) as { transaction_id: string }).transaction_id);
    assert.equal(msgs.length, N, `${topic}: no duplicates`);
    assert.equal(seen.size, N, `${topic}: no loss`);
  }

  // Parity: the same events featurised offline and scored by the same ONNX model.
  const offline = featurizeOffline(takeTransactions(streamSim.transactions, Array.from({ length: N }, (_, i) => i)));
  const champion = await registry.get('fraud', 'champion');
  const loaded = await loadOnnxModel(await registry.readOnnx(champion), { featureNames: champion.manifest.featureNames });
  const offlineScores = await scoreRows(loaded.session, loaded.featureNames, offline.x, offline.rows);
  await loaded.session.release();
  const byId = new Map(scored.map((s) => [s.transaction_id, s.score]));
  let mismatches = 0;
  let maxDiff = 0;
  for (let i = 0; i < N; i++) {
    const diff = Math.abs(byId.get(streamTx[i]!.transaction_id)! - offlineScores[i]!);
    maxDiff = Math.max(maxDiff, diff);
    if (!(diff <= 1e-6)) mismatches++;
  }
  t.diagnostic(`parity: ${mismatches} mismatches beyond 1e-6, max |diff| ${maxDiff.toExponential(2)}`);
  if (mismatches > 0) {
    // Name the first feature that differs, so a parity failure points at its cause.
    const enriched = await readTopic(p.env.kafka, p.env.names.transactionsEnriched, { count: N, timeoutMs: 30000, settleMs: 500 });
    const features = new Map<string, Record<string, number>>();
    for (const m of enriched) {
      const e = (await p.env.codec.decode('transactionsEnriched', m.value)) as { transaction_id: string; features: Record<string, number> };
      features.set(e.transaction_id, e.features);
    }
    const report: string[] = [];
    for (let i = 0; i < N && report.length < 5; i++) {
      const f = features.get(streamTx[i]!.transaction_id);
      if (!f) continue;
      offline.featureNames.forEach((name, j) => {
        const a = f[name]!;
        const b = offline.x[i * offline.cols + j]!;
        if (!(Math.abs(a - b) <= 1e-6 || (Number.isNaN(a) && Number.isNaN(b))) && report.length < 5) report.push(`row ${i} ${name}: stream ${a} offline ${b}`);
      });
    }
    assert.fail(`parity: ${mismatches} mismatches; first feature differences:\n${report.join('\n')}`);
  }

  // No clear card number downstream of ingest: topics, Redis, logs.
  for (const topic of [p.env.names.transactionsValid, p.env.names.transactionsEnriched, p.env.names.transactionsScored, p.env.names.transactionsDlq]) {
    const msgs = await readTopic(p.env.kafka, topic, { count: topic === p.env.names.transactionsDlq ? INVALID : N, timeoutMs: 30000, settleMs: 500 });
    const leaked = msgs.flatMap((m) => cardNumbersIn(`${m.key?.toString('latin1') ?? ''} ${m.value?.toString('latin1') ?? ''} ${JSON.stringify(m.headers ?? {})}`));
    assert.deepEqual(leaked, [], `card numbers in ${topic}`);
  }
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const keys = await redis.keys(`${p.redisPrefix}*`);
  assert.ok(keys.length > 0);
  const leakedInRedis: string[] = [];
  for (const k of keys) {
    leakedInRedis.push(...cardNumbersIn(k));
    const type = await redis.type(k);
    const v = type === 'hash' ? JSON.stringify(await redis.hgetall(k)) : type === 'string' ? ((await redis.get(k)) ?? '') : '';
    leakedInRedis.push(...cardNumbersIn(v));
  }
  await redis.quit();
  assert.deepEqual(leakedInRedis, []);
  for (const [name, c] of p.children) assert.deepEqual(cardNumbersIn(c.output()), [], `card numbers in ${name} logs`);

  // kcat (Debian's package) reads the scored topic; its bytes are Confluent wire format that the
  // registry's /schemas/ids/{id} decodes. Debian builds kcat without libserdes, so `-s value=avro`
  // itself is unavailable there: this does the same two steps (frame, registry lookup) independently.
  const raw = execFileSync(
    'kcat',
    ['-b', p.env.config.kafkaBrokers[0]!, '-C', '-t', p.env.names.transactionsScored, '-p', '0', '-o', 'beginning', '-c', '1', '-e', '-q', '-f', '%s'],
    { timeout: 30000 },
  );
  assert.equal(raw[0], 0, 'magic byte');
  const schemaId = raw.readUInt32BE(1);
  const res = await fetch(`${p.env.config.schemaRegistryUrl}/schemas/ids/${schemaId}`);
  assert.equal(res.status, 200);
  const { schema } = (await res.json()) as { schema: string };
  const first = avro.Type.forSchema(JSON.parse(schema)).fromBuffer(raw.subarray(5)) as { transaction_id: string; score: number };
  assert.ok(ids.has(first.transaction_id));
});

for (const [topology, victim] of [['split', 'ingest'], ['split', 'features'], ['split', 'scoring'], ['fused', 'fused']] as const) {
  test(`integration: ${topology}: kill -9 of ${victim} mid-stream, then restart: 0 lost, 0 duplicates (read_committed)`, async (t) => {
    const p = await pipeline(`kill-${victim}`, registryDir);
    t.after(() => p.stop());
    for (const s of TOPOLOGY_STAGES[topology]) p.start(s);
    const n = 4000;
    await produceRaw(p.env, streamTx.slice(0, n).map(rawOf));
    await waitFor('progress before the kill', async () => (await scoredCount(p.env)) >= n / 5, 120000, 250);
    p.children.get(victim)!.child.kill('SIGKILL');
    await p.children.get(victim)!.exited();
    p.start(victim);
    await waitFor('all scored', async () => (await scoredCount(p.env)) >= n, 180000, 1000);
    const scored = await decodeAll(p.env, await readTopic(p.env.kafka, p.env.names.transactionsScored, { count: n, timeoutMs: 60000, settleMs: 4000 }));
    const ids = new Set(scored.map((s) => s.transaction_id));
    t.diagnostic(`${victim}: ${scored.length} scored, ${ids.size} unique`);
    assert.equal(ids.size, n, 'lost events');
    assert.equal(scored.length, n, 'duplicate scored events');
  });
}

test('integration: fused and split side by side on one namespace: every record valid, enriched and scored exactly once', async (t) => {
  const p = await pipeline('side-by-side', registryDir);
  t.after(() => p.stop());
  for (const s of [...TOPOLOGY_STAGES.fused, ...TOPOLOGY_STAGES.split]) p.start(s);
  // Both kinds in ingest's group (the fused member joins it once its model is loaded), so both own raw partitions.
  const joinedRaw = (s: Stage) => new RegExp(`"groupId":"[^"]*${p.childEnv['INGEST_GROUP_ID']}"[^\\n]*"msg":"joined group"`).test(p.children.get(s)!.output());
  await waitFor('fused and ingest joined the raw group', () => joinedRaw('fused') && joinedRaw('ingest'), 120000, 250);
  await new Promise((r) => setTimeout(r, 3000));
  const n = 4000;
  await produceRaw(p.env, streamTx.slice(0, n).map(rawOf));
  await waitFor('all scored', async () => (await scoredCount(p.env)) >= n, 180000, 1000);
  for (const topic of ['transactionsValid', 'transactionsEnriched', 'transactionsScored'] as const) {
    const msgs = await readTopic(p.env.kafka, p.env.names[topic], { count: n, timeoutMs: 60000, settleMs: 3000 });
    const ids = new Set<string>();
    for (const m of msgs) ids.add(((await p.env.codec.decode(topic, m.value)) as { transaction_id: string }).transaction_id);
    t.diagnostic(`${topic}: ${msgs.length} records, ${ids.size} unique, ${msgs.filter((m) => isFusedOutput(m.headers)).length} from fused`);
    assert.equal(ids.size, n, `${topic}: lost`);
    assert.equal(msgs.length, n, `${topic}: processed twice`);
  }
  const enriched = await readTopic(p.env.kafka, p.env.names.transactionsEnriched, { count: n, timeoutMs: 30000, settleMs: 500 });
  const fromFused = enriched.filter((m) => isFusedOutput(m.headers)).length;
  assert.ok(fromFused > 0 && fromFused < n, `both kinds took raw partitions (fused enriched ${fromFused} of ${n})`);
});

for (const topology of ['fused', 'split'] as const) test(`integration: ${topology}: hot swap under load: a promotion mid-stream drops nothing and every event is scored by exactly one version`, async (t) => {
  const p = await pipeline(`swap-${topology}`, join(root, `swap-registry-${topology}`));
  t.after(() => p.stop());
  const reg = await ModelRegistry.open(p.registryDir);
  const data = simulatedTrainingData({ seed: 11, simulation: trainSim });
  // v1 is deliberately weak (two stumps) so that v2 passes the promotion gate on merit.
  await trainModel(data, { name: 'fraud', seed: 1, registry: reg, gbdt: { rounds: 2, maxLeaves: 2, learningRate: 0.01, earlyStoppingRounds: 0 } });
  for (const s of TOPOLOGY_STAGES[topology]) p.start(s);
  const n = 6000;
  const values = streamTx.slice(0, n).map(rawOf);
  // The last events are held back until scoring says v2 serves, so that both versions see traffic however
  // fast the pipeline drains (session 3's CI run: the whole stream was scored before v2 finished training).
  const heldBack = 1000;
  const v2Serving = () => /"champion":2,[^\n]*"msg":"serving models switched"/.test(p.children.get(SCORER[topology])!.output());
  const producing = (async () => {
    for (let i = 0; i < n; i += 200) {
      if (i >= n - heldBack) await waitFor('scoring switched to v2', v2Serving, 180000, 100);
      await produceRaw(p.env, values.slice(i, i + 200));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  await waitFor('v1 serving under load', async () => (await scoredCount(p.env)) >= 1000, 120000, 250);
  const second = await trainModel(data, { name: 'fraud', seed: 2, registry: reg });
  assert.equal(second.version, 2);
  assert.equal(second.promoted, true, second.gate.reasons.join('; '));
  await publishLifecycle({ ...process.env, TOPIC_NAMESPACE: p.env.namespace }, { action: 'PROMOTED', model: await reg.get('fraud', 2), previousVersion: 1, reasons: ['test'] });
  await producing;
  await waitFor('all scored', async () => (await scoredCount(p.env)) >= n, 180000, 1000);
  const scored = await decodeAll(p.env, await readTopic(p.env.kafka, p.env.names.transactionsScored, { count: n, timeoutMs: 60000, settleMs: 3000 }));
  assert.equal(new Set(scored.map((s) => s.transaction_id)).size, n, 'no event dropped');
  assert.equal(scored.length, n, 'no event scored twice');
  const versions = new Map<number, number>();
  for (const s of scored) versions.set(s.model_version, (versions.get(s.model_version) ?? 0) + 1);
  t.diagnostic(`versions: ${JSON.stringify(Object.fromEntries(versions))}`);
  assert.ok((versions.get(1) ?? 0) > 0 && (versions.get(2) ?? 0) > 0, 'both versions served');
  assert.deepEqual([...versions.keys()].sort(), [1, 2]);
});
