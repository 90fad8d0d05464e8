/**
 * The pipeline's speed on this machine, against ceilings measured in the same run:
 *  1. sustained throughput of ingest -> features -> scoring on a backlog, vs a kafkajs pass-through
 *     pipeline with the same three hops and no work (same transactional delivery);
 *  2. end-to-end latency (raw record's timestamp -> scored record's timestamp) at half that rate, and
 *     the same run's latency through the pass-through (the transport's own cost at that rate);
 *  3. per-stage cost (batch seconds per record from each service's /metrics): the bottleneck;
 *  4. CPU microseconds per event of every process in both drains (the services or relays, Kafka, Redis),
 *     and the floor: pass-through + raw inference + Redis, the best ratio the design allows.
 * Needs the stack (riskstream stack up). Prints one JSON object.
 *   node bench/pipeline/pipeline-bench.ts [--events N] [--latency-seconds S] [--latency-rate R]
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { Redis } from 'ioredis';
import { createIdempotentProducer, sendRecords, type OutputRecord } from '@riskstream/shared';
import { ModelRegistry, simulate, simulatedTrainingData, trainModel, transactionAt } from '@riskstream/training';
import { endOffsetSum, integrationEnv, readTopic, uniqueId, type IntegrationEnv } from '../../test/support/integration.ts';
import { startChild, waitFor, type ChildService } from '../../test/support/child-service.ts';
import { cpuPerEvent, cpuSnapshot, redisScriptSeconds, stackPid, type CpuSnapshot, type CpuSource } from './process-cpu.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
/** Backlog size: long enough that the steady part (see rateOf) is not start-up. */
const EVENTS = arg('--events', 150000);
const ROOT = join(import.meta.dirname, '..', '..');
const LATENCY_SECONDS = arg('--latency-seconds', 20);
/** Events/s of the latency run; 0 (default) = half the sustained rate just measured, as the issue asks. */
const LATENCY_RATE = arg('--latency-rate', 0);
const log = (m: string) => process.stderr.write(`pipeline-bench: ${m}\n`);

const root = await mkdtemp(join(tmpdir(), 'rs-bench-'));
const registryDir = join(root, 'registry');
const registry = await ModelRegistry.open(registryDir);
log('training the model the services will serve');
await trainModel(simulatedTrainingData({ seed: 3, simulation: simulate({ nCustomers: 1000, nTerminals: 2000, nbDays: 45, seed: 3 }) }), { name: 'fraud', seed: 1, registry });
const sim = simulate({ nCustomers: 5000, nTerminals: 10000, nbDays: 30, seed: 4 });
const total = Math.min(sim.transactions.length, EVENTS + 200_000);
const stream = Array.from({ length: total }, (_, i) => {
  const { is_fraud: _f, fraud_scenario: _s, ...raw } = transactionAt(sim, i);
  return raw;
});

async function produce(env: IntegrationEnv, values: ReadonlyArray<Record<string, unknown>>, rate = 0, onSent?: (id: string, at: number) => void): Promise<void> {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  const t0 = Date.now();
  const batch = rate > 0 ? Math.max(1, Math.round(rate / 50)) : 1000;
  for (let i = 0; i < values.length; i += batch) {
    const chunk = values.slice(i, i + batch);
    const records: OutputRecord[] = chunk.map((v) => ({ topic: 'transactionsRaw', key: String(v['card_number']), value: Buffer.from(JSON.stringify(v)) }));
    await sendRecords(producer, env.codec, records);
    const now = Date.now();
    for (const v of chunk) onSent?.(String(v['transaction_id']), now);
    if (rate > 0) {
      const ahead = ((i + chunk.length) / rate) * 1000 - (now - t0);
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    }
  }
  await producer.disconnect();
}

/**
 * Sustained records per second: between the 10th and the 90th percentile of the output records' broker
 * timestamps. The first tenth is the fresh processes' start-up and JIT warm-up, the last the drain's
 * tail; first-to-last on a 30,000-record backlog measured mostly warm-up (6,100/s against 13,300/s on
 * 150,000 on the same machine).
 */
function rateOf(msgs: readonly KafkaMessage[]): number {
  const ts = msgs.map((m) => Number(m.timestamp)).sort((a, b) => a - b);
  const lo = Math.floor(ts.length * 0.1);
  const hi = Math.floor(ts.length * 0.9);
  return (hi - lo) / Math.max(0.001, (ts[hi]! - ts[lo]!) / 1000);
}

interface Stage {
  readonly name: string;
  readonly pid: number;
  /** The topic the stage writes: its first record there is when the stage's work starts. */
  readonly output: string;
}

/**
 * Waits until `on`'s scored topic holds `total` records; CPU microseconds per event of each stage from
 * its first output record to the end (the stages of a drain do not run in step: ingest is far ahead),
 * and of Kafka and Redis from the first stage's first output record. Start-up (module loading, joining
 * the group) is left out; the drain's own JIT warm-up is in.
 */
async function drain(on: IntegrationEnv, total: number, stages: readonly Stage[], shared: ReadonlyMap<string, CpuSource>): Promise<ReturnType<typeof cpuPerEvent>> {
  const before: CpuSnapshot = new Map();
  const started = new Set<string>();
  await waitFor(
    'backlog scored',
    async () => {
      for (const st of stages) {
        if (started.has(st.name) || (await endOffsetSum(on.kafka, st.output)) === 0) continue;
        started.add(st.name);
        for (const [k, v] of await cpuSnapshot(new Map([[st.name, { kind: 'pid', pid: st.pid } as CpuSource]]))) before.set(k, v);
        if (started.size === 1) for (const [k, v] of await cpuSnapshot(shared)) before.set(k, v);
      }
      return (await endOffsetSum(on.kafka, on.names.transactionsScored)) >= total;
    },
    600000,
    100,
  );
  const after = await cpuSnapshot(new Map([...stages.map((st): [string, CpuSource] => [st.name, { kind: 'pid', pid: st.pid }]), ...shared]));
  return cpuPerEvent(before, after, total);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function scrape(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(riskstream_batch_duration_seconds_(?:sum|count)|riskstream_messages_consumed_total)\{[^}]*topic="([^"]+)"[^}]*\} ([0-9.e+-]+)$/.exec(line);
    if (m) out[`${m[1]}|${m[2]}`] = (out[`${m[1]}|${m[2]}`] ?? 0) + Number(m[3]);
    const lag = /^nodejs_eventloop_lag_(mean|p99)_seconds(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (lag) out[`eventLoopLag|${lag[1]}`] = Number(lag[2]);
    const ph = /^riskstream_batch_phase_seconds_total\{[^}]*phase="([a-z]+)"[^}]*\} ([0-9.e+-]+)$/.exec(line);
    if (ph) out[`phase|${ph[1]}`] = (out[`phase|${ph[1]}`] ?? 0) + Number(ph[2]);
  }
  return out;
}

// --- 1a. our pipeline on a backlog -------------------------------------------------------------
const env = await integrationEnv('bench');
const prefix = `bench-${uniqueId()}:`;
const ports = { ingest: 18091, features: 18092, scoring: 18093 };
const childEnv = (name: keyof typeof ports) => ({
  TOPIC_NAMESPACE: env.namespace,
  HTTP_PORT: String(ports[name]),
  LOG_LEVEL: 'warn',
  CARD_TOKEN_KEYS: `b1:${randomBytes(32).toString('base64')}`,
  CARD_TOKEN_ACTIVE_KEY: 'b1',
  INGEST_GROUP_ID: env.uniqueGroup('ingest'),
  INGEST_DEDUP_KEY_PREFIX: `${prefix}dedup:`,
  FEATURES_GROUP_ID: env.uniqueGroup('features'),
  FEATURE_KEY_PREFIX: `${prefix}f:`,
  FEATURE_ALLOWED_LATENESS_MS: String(31 * 86_400_000),
  SCORING_GROUP_ID: env.uniqueGroup('scoring'),
  MODEL_SOURCE: registryDir,
  SCORING_MODEL_RECONCILE_MS: '0',
});
log(`producing a backlog of ${EVENTS} transactions`);
await produce(env, stream.slice(0, EVENTS));
const children: ChildService[] = [];
for (const name of ['ingest', 'features', 'scoring'] as const) children.push(startChild(`services/${name}/src/main.ts`, childEnv(name)));
const cpuRedis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const sharedSources: Array<[string, CpuSource]> = [['redis', { kind: 'redis', redis: cpuRedis }]];
const kafkaPid = stackPid('kafka');
if (kafkaPid !== undefined) sharedSources.push(['kafka', { kind: 'pid', pid: kafkaPid }]);
const scriptsBefore = await redisScriptSeconds(cpuRedis);
const t0 = Date.now();
const stageOutputs = [env.names.transactionsValid, env.names.transactionsEnriched, env.names.transactionsScored];
const pipelineCpu = await drain(env, EVENTS, children.map((c, i) => ({ name: ['ingest', 'features', 'scoring'][i]!, pid: c.child.pid!, output: stageOutputs[i]! })), new Map(sharedSources));
const drainSeconds = (Date.now() - t0) / 1000;
const scriptMicrosPerEvent = ((await redisScriptSeconds(cpuRedis)) - scriptsBefore) / EVENTS * 1e6;
const scoredBacklog = await readTopic(env.kafka, env.names.transactionsScored, { count: EVENTS, timeoutMs: 60000, settleMs: 500 });
const pipelineRate = rateOf(scoredBacklog);
log(`pipeline: ${pipelineRate.toFixed(0)} events/s sustained (${drainSeconds.toFixed(1)} s to drain incl. start-up)`);
const stageMetrics: Record<string, Record<string, number>> = {};
for (const [name, port] of Object.entries(ports)) stageMetrics[name] = await scrape(port);

// --- 2. latency at half the sustained rate -------------------------------------------------------
const latencyRate = LATENCY_RATE > 0 ? LATENCY_RATE : Math.round(pipelineRate / 2);
const latencyEvents = stream.slice(EVENTS, EVENTS + Math.min(200_000, latencyRate * LATENCY_SECONDS));
log(`latency run: ${latencyEvents.length} events at ${latencyRate}/s`);
const expected = EVENTS + latencyEvents.length;

/**
 * Produces the latency run's events at `latencyRate` into `on`'s raw topic, waits until its scored topic
 * holds `expected` records, and returns when each event was sent and each one's latency (scored record's
 * timestamp - send time), sorted. `idOf` reads the transaction id from a scored-topic record.
 */
async function latencyRun(on: IntegrationEnv, idOf: (m: KafkaMessage) => Promise<string>): Promise<{ sentAt: Map<string, number>; latencies: number[] }> {
  const sentAt = new Map<string, number>();
  await produce(on, latencyEvents, latencyRate, (id, at) => sentAt.set(id, at));
  await waitFor('latency run scored', async () => (await endOffsetSum(on.kafka, on.names.transactionsScored)) >= expected, 300000, 500);
  const latencies: number[] = [];
  for (const m of await readTopic(on.kafka, on.names.transactionsScored, { count: expected, timeoutMs: 60000, settleMs: 500 })) {
    const sent = sentAt.get(await idOf(m));
    if (sent !== undefined) latencies.push(Number(m.timestamp) - sent);
  }
  latencies.sort((a, b) => a - b);
  return { sentAt, latencies };
}

const { sentAt, latencies } = await latencyRun(env, async (m) => ((await env.codec.decode('transactionsScored', m.value)) as { transaction_id: string }).transaction_id);
// Per hop: each topic's record timestamp is when the stage wrote it, so consecutive topics give the
// time a record spent in each stage (fetch wait + batch + transaction commit + read_committed visibility).
const hopTopics = [env.names.transactionsValid, env.names.transactionsEnriched, env.names.transactionsScored] as const;
const hopKeys = ['transactionsValid', 'transactionsEnriched', 'transactionsScored'] as const;
const writtenAt: Array<Map<string, number>> = [];
for (let h = 0; h < hopTopics.length; h++) {
  const m = new Map<string, number>();
  for (const msg of await readTopic(env.kafka, hopTopics[h]!, { count: expected, timeoutMs: 60000, settleMs: 500 })) {
    const v = (await env.codec.decode(hopKeys[h]!, msg.value)) as { transaction_id: string };
    if (sentAt.has(v.transaction_id)) m.set(v.transaction_id, Number(msg.timestamp));
  }
  writtenAt.push(m);
}
const hop = (from: (id: string) => number | undefined, to: Map<string, number>) => {
  const d: number[] = [];
  for (const [id, t] of to) {
    const f = from(id);
    if (f !== undefined) d.push(t - f);
  }
  d.sort((a, b) => a - b);
  return { p50Ms: percentile(d, 0.5), p99Ms: percentile(d, 0.99) };
};
const hops = {
  ingest: hop((id) => sentAt.get(id), writtenAt[0]!),
  features: hop((id) => writtenAt[0]!.get(id), writtenAt[1]!),
  scoring: hop((id) => writtenAt[1]!.get(id), writtenAt[2]!),
};
// Each stage's mean micro-batch time and size during the latency run (difference of two scrapes):
// a hop is the wait for the stage's next fetch cycle plus one batch (decode, work, transaction commit).
const latencyBatches: Record<string, { batches: number; meanBatchMs: number; meanRecords: number; phaseMs: Record<string, number>; eventLoopLagMs: Record<string, number> }> = {};
for (const [name, port] of Object.entries(ports)) {
  const after = await scrape(port);
  const d = (prefix: string) => Object.entries(after).filter(([k]) => k.startsWith(prefix)).reduce((s, [k, v]) => s + v - (stageMetrics[name]![k] ?? 0), 0);
  const batches = d('riskstream_batch_duration_seconds_count');
  const perBatchMs = (k: string) => Math.round((d(k) / Math.max(1, batches)) * 1e5) / 100;
  latencyBatches[name] = {
    batches,
    meanBatchMs: perBatchMs('riskstream_batch_duration_seconds_sum'),
    meanRecords: d('riskstream_messages_consumed_total') / Math.max(1, batches),
    phaseMs: { decode: perBatchMs('phase|decode'), handle: perBatchMs('phase|handle'), commit: perBatchMs('phase|commit') },
    // prom-client resets its event-loop delay histogram at every scrape: this is the latency run's.
    eventLoopLagMs: { mean: Math.round((after['eventLoopLag|mean'] ?? NaN) * 1e5) / 100, p99: Math.round((after['eventLoopLag|p99'] ?? NaN) * 1e5) / 100 },
  };
}
for (const c of children) {
  c.child.kill('SIGTERM');
  await c.exited();
}

// --- 1b. the pass-through ceiling: same hops, same guarantee, no work ---------------------------
const passEnv = await integrationEnv('bench-pass');
await produce(passEnv, stream.slice(0, EVENTS));
const relayHops: Array<[string, string]> = [
  [passEnv.names.transactionsRaw, passEnv.names.transactionsValid],
  [passEnv.names.transactionsValid, passEnv.names.transactionsEnriched],
  [passEnv.names.transactionsEnriched, passEnv.names.transactionsScored],
];
const relays = relayHops.map(([from, to], i) => startChild('bench/pipeline/passthrough-relay.ts', { FROM_TOPIC: from, TO_TOPIC: to, GROUP_ID: passEnv.uniqueGroup(`relay${i}`) }));
const passCpu = await drain(passEnv, EVENTS, relays.map((r, i) => ({ name: `relay${i + 1}`, pid: r.child.pid!, output: relayHops[i]![1] })), new Map(sharedSources));
const passRate = rateOf(await readTopic(passEnv.kafka, passEnv.names.transactionsScored, { count: EVENTS, timeoutMs: 60000, settleMs: 500 }));
log(`pass-through: ${passRate.toFixed(0)} events/s`);
// The same latency run through the pass-through: what the transport alone costs at this rate (the relays
// forward the raw JSON, so the transaction id is in the value).
const { latencies: passLatencies } = await latencyRun(passEnv, async (m) => String((JSON.parse(m.value!.toString()) as { transaction_id: unknown }).transaction_id));
log(`pass-through latency at ${latencyRate}/s: p50 ${percentile(passLatencies, 0.5)} ms, p99 ${percentile(passLatencies, 0.99)} ms`);
for (const r of relays) {
  r.child.kill('SIGTERM');
  await r.exited();
}

// Per-stage cost: batch seconds per consumed record; the largest is the bottleneck.
const stages = Object.entries(stageMetrics).map(([name, m]) => {
  const sum = Object.entries(m).filter(([k]) => k.startsWith('riskstream_batch_duration_seconds_sum')).reduce((s, [, v]) => s + v, 0);
  const consumed = Object.entries(m).filter(([k]) => k.startsWith('riskstream_messages_consumed_total')).reduce((s, [, v]) => s + v, 0);
  return { stage: name, consumed, busySeconds: sum, microsecondsPerEvent: consumed > 0 ? (sum / consumed) * 1e6 : Number.NaN };
});
const bottleneck = stages.reduce((a, b) => (b.microsecondsPerEvent > a.microsecondsPerEvent ? b : a));

const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const keys = await redis.keys(`${prefix}*`);
for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
await redis.quit();
await cpuRedis.quit();
await env.cleanup();
await passEnv.cleanup();
// The work no pipeline with this design can skip, per event: the pass-through's transport, the model's
// inference (raw onnxruntime session.run on the served model, batch 500, CPU time) and Redis (its CPU
// during the drain: the feature store's atomic scripts and ingest's duplicate check). Their sum bounds
// the ratio from above, as if every other line of the services cost nothing.
const scoringBench = spawnSync(process.execPath, [join(ROOT, 'services/scoring/bench/scoring-bench.ts'), '--source', registryDir, '--batch', '500', '--seconds', '3'], { encoding: 'utf8' });
const rawRowsPerCpuSecond = scoringBench.status === 0 ? (JSON.parse(scoringBench.stdout.slice(scoringBench.stdout.indexOf('{'))) as { rowsPerCpuSecond: { rawSessionRun: number } }).rowsPerCpuSecond.rawSessionRun : Number.NaN;
const inferenceMicrosPerEvent = 1e6 / rawRowsPerCpuSecond;
const redisMicrosPerEvent = pipelineCpu.perSource['redis'] ?? Number.NaN;
const floorMicros = passCpu.total + inferenceMicrosPerEvent + redisMicrosPerEvent;
await rm(root, { recursive: true, force: true });

process.stdout.write(
  `${JSON.stringify({
    events: EVENTS,
    pipelineEventsPerSecond: Math.round(pipelineRate),
    passThroughEventsPerSecond: Math.round(passRate),
    ratioToPassThrough: pipelineRate / passRate,
    latency: {
      rate: latencyRate,
      events: latencies.length,
      p50Ms: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
      p99Ms: percentile(latencies, 0.99),
      perHop: hops,
      batches: latencyBatches,
      passThrough: { events: passLatencies.length, p50Ms: percentile(passLatencies, 0.5), p95Ms: percentile(passLatencies, 0.95), p99Ms: percentile(passLatencies, 0.99) },
    },
    stages,
    bottleneck: bottleneck.stage,
    // CPU microseconds per event of each drain, per process (see drain): the machine's cores are
    // shared, so this is what sustained throughput is made of.
    cpuMicrosecondsPerEvent: { pipeline: pipelineCpu, passThrough: passCpu },
    // Wall time Redis spent inside the feature store's scripts (INFO commandstats), per event: more than
    // its CPU when the cores are contended.
    featureStoreScriptMicrosecondsPerEvent: Math.round(scriptMicrosPerEvent * 10) / 10,
    // What the design cannot skip (see above): best ratio = pass-through CPU / floor.
    floor: {
      passThroughMicros: passCpu.total,
      inferenceMicros: Math.round(inferenceMicrosPerEvent * 10) / 10,
      redisMicros: redisMicrosPerEvent,
      totalMicros: Math.round(floorMicros * 10) / 10,
      bestRatio: Math.round((passCpu.total / floorMicros) * 1000) / 1000,
    },
  })}\n`,
);
process.exit(0);
