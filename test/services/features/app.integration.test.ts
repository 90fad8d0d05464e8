import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import {
  createIdempotentProducer,
  createRedis,
  loadConfig,
  runService,
  sendRecords,
  type OutputRecord,
  type RunningService,
} from '@riskstream/shared';
import { LuaScript } from '@riskstream/shared/feature-store';
import { computeFeatures, dayIndex, amountToCents, FEATURE_NAMES, FEATURE_COUNT, type DailyBucket } from '@riskstream/shared/features';
import { featurizeOffline, simulate, transactionAt, type SimulatedTransaction } from '@riskstream/training';
import { buildFeatures } from '../../../services/features/src/app.ts';
import { featuresConfigSchema } from '../../../services/features/src/config.ts';
import { integrationEnv, readTopic, uniqueId, type IntegrationEnv } from '../../support/integration.ts';
import { freePort, startChild, waitFor } from '../../support/child-service.ts';
import { bucketsOnly, deletePrefix, dumpPrefix, readEntity } from '../../shared/feature-store/redis-dump.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NO_TERMINAL_EVERY = 53;

interface Enriched {
  transaction_id: string;
  card_token: string;
  terminal_id: string | null;
  amount: number;
  event_time: number;
  feature_set: string;
  features: Record<string, number>;
}

/** Simulated transactions as transactions.valid records; the customer id is the card token. */
function simulated(seed: number, options: { nCustomers: number; nTerminals: number; nbDays: number; radius: number }) {
  const result = simulate({ ...options, seed });
  const tx = result.transactions;
  const records: SimulatedTransaction[] = [];
  // Some events without terminal, to check the NaN path end to end (offline: terminal < 0).
  const terminal = Int32Array.from(tx.terminal, (t, i) => (i % NO_TERMINAL_EVERY === 5 ? -1 : t));
  for (let i = 0; i < tx.length; i++) {
    const r = transactionAt(result, i);
    records.push(terminal[i]! < 0 ? { ...r, terminal_id: null } : r);
  }
  const offline = featurizeOffline({ length: tx.length, eventTimeMs: tx.eventTimeMs, customer: tx.customer, terminal, amount: tx.amount, isFraud: tx.isFraud });
  return { records, offline };
}

function validRecord(r: SimulatedTransaction): OutputRecord {
  const token = `cust-${r.customer_id}`;
  return {
    topic: 'transactionsValid',
    key: token,
    value: {
      transaction_id: r.transaction_id,
      card_token: token,
      card_key_id: 'test',
      card_bin: '400000',
      card_last4: '0000',
      customer_id: r.customer_id,
      terminal_id: r.terminal_id,
      amount: r.amount,
      currency: r.currency,
      channel: r.channel,
      event_time: r.event_time,
      ingest_time: r.event_time,
    },
  };
}

interface LabelSend {
  readonly value: { transaction_id: string; terminal_id: string | null; event_time: number; is_fraud: boolean; labelled_at: number };
  readonly json: boolean;
}

/** Every fraud label (a fifth of them twice), a tenth of the genuine ones; Avro and JSON alternate. */
function labelsFor(records: readonly SimulatedTransaction[]): LabelSend[] {
  const out: LabelSend[] = [];
  records.forEach((r, i) => {
    if (!r.is_fraud && i % 10 !== 0) return;
    const value = { transaction_id: r.transaction_id, terminal_id: r.terminal_id, event_time: r.event_time, is_fraud: r.is_fraud, labelled_at: r.event_time + 8 * DAY };
    out.push({ value, json: out.length % 2 === 1 });
    if (r.is_fraud && i % 5 === 0) out.push({ value, json: out.length % 2 === 1 });
  });
  return out;
}

async function produce(env: IntegrationEnv, valid: readonly SimulatedTransaction[], labels: readonly LabelSend[]): Promise<void> {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  try {
    const records = valid.map(validRecord);
    for (let i = 0; i < records.length; i += 500) await sendRecords(producer, env.codec, records.slice(i, i + 500));
    await sendRecords(producer, env.codec, labels.filter((l) => !l.json).map((l) => ({ topic: 'transactionsLabels', key: l.value.transaction_id, value: l.value })));
    const json = labels.filter((l) => l.json);
    if (json.length > 0) {
      await producer.send({
        topic: env.names.transactionsLabels,
        acks: -1,
        // JSON labels as a user would send them: ISO time, no labelled_at.
        messages: json.map((l) => ({
          key: l.value.transaction_id,
          value: JSON.stringify({ transaction_id: l.value.transaction_id, terminal_id: l.value.terminal_id, event_time: new Date(l.value.event_time).toISOString(), is_fraud: l.value.is_fraud }),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (res?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

async function waitCommitted(admin: Admin, env: IntegrationEnv, groupId: string, valid: number, labels: number, timeoutMs = 90000): Promise<void> {
  await waitFor(
    `group ${groupId} to commit ${valid} transactions and ${labels} labels`,
    async () => (await committed(admin, groupId, env.names.transactionsValid)) >= valid && (await committed(admin, groupId, env.names.transactionsLabels)) >= labels,
    timeoutMs,
    250,
  );
}

async function startFeatures(env: IntegrationEnv, prefix: string, groupId: string, extra: Record<string, string> = {}): Promise<RunningService> {
  const config = loadConfig(featuresConfigSchema, {
    ...process.env,
    TOPIC_NAMESPACE: env.namespace,
    HTTP_PORT: '0',
    LOG_LEVEL: 'error',
    FEATURES_GROUP_ID: groupId,
    FEATURE_KEY_PREFIX: prefix,
    ...extra,
  });
  return runService('features', config, (ctx) => buildFeatures(ctx, config), { installSignalHandlers: false });
}

/**
 * Feeds the stream in 7-day slices and waits for each slice to be committed. Why: terminal windows read
 * days <= d - TERMINAL_DELAY_DAYS (7) of events from every partition, and Kafka orders partitions
 * independently; the service is exact when no partition runs more than 7 days ahead of another, which
 * the slices guarantee (a live stream guarantees it by being live).
 */
async function feedInSlices(
  env: IntegrationEnv,
  admin: Admin,
  groupId: string,
  records: readonly SimulatedTransaction[],
  reorder: (slice: SimulatedTransaction[]) => SimulatedTransaction[] = (s) => s,
  afterProduce: (slice: number, committedBefore: number, target: number) => Promise<void> = async () => {},
): Promise<{ valid: number; labels: number }> {
  const first = dayIndex(records[0]!.event_time);
  const allLabels = labelsFor(records);
  let valid = 0;
  let labels = 0;
  for (let from = first, index = 0; valid < records.length; from += 7, index++) {
    const inSlice = (eventTime: number) => dayIndex(eventTime) >= from && dayIndex(eventTime) < from + 7;
    const slice = records.filter((r) => inSlice(r.event_time));
    const sliceLabels = allLabels.filter((l) => inSlice(l.value.event_time));
    await produce(env, reorder(slice), sliceLabels);
    await afterProduce(index, valid, valid + slice.length);
    valid += slice.length;
    labels += sliceLabels.length;
    await waitCommitted(admin, env, groupId, valid, labels);
  }
  return { valid, labels };
}

async function enrichedRecords(env: IntegrationEnv, count: number): Promise<Enriched[]> {
  const msgs = await readTopic(env.kafka, env.names.transactionsEnriched, { count, timeoutMs: 60000, settleMs: 2000 });
  return Promise.all(msgs.map(async (m) => (await env.codec.decode('transactionsEnriched', m.value)) as Enriched));
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + Number(v.value), 0);
}

function sameValue(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-6;
}

/** Every enriched record carries exactly the offline featuriser's row for its transaction. */
function assertParity(outputs: readonly Enriched[], sim: ReturnType<typeof simulated>): void {
  const rowById = new Map(sim.records.map((r, i) => [r.transaction_id, i]));
  let mismatches = 0;
  const examples: string[] = [];
  for (const out of outputs) {
    const row = rowById.get(out.transaction_id);
    assert.ok(row !== undefined, `unknown transaction ${out.transaction_id}`);
    assert.deepEqual(Object.keys(out.features).sort(), [...FEATURE_NAMES].sort());
    FEATURE_NAMES.forEach((name, j) => {
      const expected = sim.offline.x[row * FEATURE_COUNT + j]!;
      if (!sameValue(out.features[name]!, expected)) {
        mismatches++;
        if (examples.length < 5) examples.push(`${out.transaction_id} ${name}: stream ${out.features[name]} offline ${expected}`);
      }
    });
  }
  assert.equal(mismatches, 0, examples.join('\n'));
}

async function withAdmin(kafka: Kafka, t: { after: (fn: () => Promise<void>) => void }): Promise<Admin> {
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  return admin;
}

function sharedRedis(t: { after: (fn: () => Promise<void>) => void }, prefixes: string[]): Redis {
  const redis = createRedis(loadConfig(featuresConfigSchema, process.env));
  t.after(async () => {
    for (const p of prefixes) await deletePrefix(redis, p);
    await redis.quit();
  });
  return redis;
}

test('integration: streamed features equal the offline featuriser; replays, in order or shuffled within the lateness, give identical state', async (t) => {
  const sim = simulated(7, { nCustomers: 30, nTerminals: 80, nbDays: 42, radius: 22 });
  const n = sim.records.length;
  const prefix = `test:features:${uniqueId()}:`;
  const shuffledPrefix = `test:features:${uniqueId()}:`;
  const redis = sharedRedis(t, [prefix, shuffledPrefix]);
  const env = await integrationEnv('features');
  t.after(() => env.cleanup());
  const admin = await withAdmin(env.kafka, t);
  const groupId = env.uniqueGroup('features');
  let totals = { valid: 0, labels: 0 };
  let firstOutputs: Enriched[] = [];
  let stateAfterFirst: Record<string, unknown> = {};

  await t.test(`integration: ${n} streamed transactions get the offline featuriser's features`, async () => {
    const service = await startFeatures(env, prefix, groupId);
    try {
      const started = Date.now();
      totals = await feedInSlices(env, admin, groupId, sim.records);
      t.diagnostic(`parity run: ${n} transactions, ${totals.labels} labels in ${Date.now() - started} ms (7-day slices)`);
      assert.equal(await metricValue(service.ctx.registry, 'features_events_total', { kind: 'transaction' }), n);
      assert.equal(await metricValue(service.ctx.registry, 'features_late_events_total'), 0);
      const roundtrips = (await service.ctx.registry.getMetricsAsJSON()).find((m) => m.name === 'features_redis_roundtrip_seconds');
      assert.ok(roundtrips, 'round-trip histogram is exported');
    } finally {
      await service.stop();
    }
    firstOutputs = await enrichedRecords(env, n);
    stateAfterFirst = await dumpPrefix(redis, prefix);
    assert.equal(firstOutputs.length, n, 'one enriched record per transaction');
    assertParity(firstOutputs, sim);
    // The comparison is not vacuous: the terminal windows saw frauds and the no-terminal path was taken.
    assert.ok(firstOutputs.some((o) => o.features['TERMINAL_ID_RISK_30DAY_WINDOW']! > 0));
    assert.ok(firstOutputs.some((o) => Number.isNaN(o.features['TERMINAL_ID_NB_TX_7DAY_WINDOW']!)));
  });

  await t.test('integration: a second consumer group replaying everything gets identical records and leaves Redis unchanged', async () => {
    assert.equal(firstOutputs.length, n, 'needs the parity run');
    const replayGroup = env.uniqueGroup('replay');
    const service = await startFeatures(env, prefix, replayGroup);
    try {
      await waitCommitted(admin, env, replayGroup, totals.valid, totals.labels);
      assert.equal(await metricValue(service.ctx.registry, 'features_redelivered_events_total'), n);
      const fraudLabels = labelsFor(sim.records).filter((l) => l.value.is_fraud && l.value.terminal_id !== null).length;
      assert.equal(await metricValue(service.ctx.registry, 'features_duplicate_labels_total'), fraudLabels);
    } finally {
      await service.stop();
    }
    assert.deepEqual(await dumpPrefix(redis, prefix), stateAfterFirst);
    const all = await enrichedRecords(env, 2 * n);
    assert.equal(all.length, 2 * n);
    const byId = new Map<string, Enriched[]>();
    for (const o of all) byId.set(o.transaction_id, [...(byId.get(o.transaction_id) ?? []), o]);
    for (const [id, copies] of byId) {
      assert.equal(copies.length, 2, id);
      assert.deepEqual(copies[1], copies[0], id);
    }
  });

  await t.test('integration: the same stream shuffled within the allowed lateness leaves identical buckets', async () => {
    assert.ok(Object.keys(stateAfterFirst).length > 0, 'needs the parity run');
    const env2 = await integrationEnv('features-shuffled');
    t.after(() => env2.cleanup());
    const admin2 = await withAdmin(env2.kafka, t);
    const group2 = env2.uniqueGroup('features');
    // Sorting by event time plus a jitter below the lateness moves an event at most that far back, so
    // none is late; the lateness (1 h) is the default.
    let seed = 12345;
    const jitter = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 50 * 60_000;
    const service = await startFeatures(env2, shuffledPrefix, group2);
    let moved = 0;
    try {
      await feedInSlices(env2, admin2, group2, sim.records, (slice) => {
        const keyed = slice.map((r) => ({ r, k: r.event_time + jitter() }));
        const sorted = keyed.sort((a, b) => a.k - b.k).map((x) => x.r);
        moved += sorted.filter((r, i) => r !== slice[i]).length;
        return sorted;
      });
      assert.equal(await metricValue(service.ctx.registry, 'features_late_events_total'), 0);
    } finally {
      await service.stop();
    }
    assert.ok(moved > n / 10, `the shuffle moved only ${moved} events`);
    const shuffled = await dumpPrefix(redis, shuffledPrefix);
    assert.deepEqual(bucketsOnly(shuffled), bucketsOnly(stateAfterFirst));
    const keyKinds = (d: Record<string, unknown>) => Object.keys(d).filter((k) => !k.startsWith('c:') && !k.startsWith('t:'));
    assert.deepEqual(keyKinds(shuffled), keyKinds(stateAfterFirst), 'the same snapshots and label markers');
  });
});

test('integration: late transactions are enriched and counted, and never change buckets behind the allowed lateness', async (t) => {
  const prefix = `test:features:${uniqueId()}:`;
  const redis = sharedRedis(t, [prefix]);
  const env = await integrationEnv('features-late');
  t.after(() => env.cleanup());
  const admin = await withAdmin(env.kafka, t);
  const groupId = env.uniqueGroup('features');
  const dayD = 17_650;
  const at = (day: number, hour: number) => day * DAY + hour * HOUR;
  const base = { customer_id: '1', currency: 'EUR', channel: null, is_fraud: false, fraud_scenario: 0, card_number: '' } as const;
  const events: SimulatedTransaction[] = [
    { ...base, transaction_id: 'A', terminal_id: 'T', amount: 10, event_time: at(dayD, 23) },
    { ...base, transaction_id: 'B', terminal_id: 'T', amount: 20, event_time: at(dayD + 1, 3) },
    { ...base, transaction_id: 'C', terminal_id: 'T', amount: 40, event_time: at(dayD, 22) }, // 5 h behind: late
    { ...base, transaction_id: 'E', terminal_id: 'T', amount: 80, event_time: at(dayD + 1, 2.5) }, // 30 min behind: on time
    { ...base, transaction_id: 'F', terminal_id: 'T', amount: 160, event_time: at(dayD + 1, 1) }, // 2 h behind: late
  ];
  const service = await startFeatures(env, prefix, groupId, { FEATURE_ALLOWED_LATENESS_MS: String(HOUR) });
  try {
    await produce(env, events, []);
    await waitCommitted(admin, env, groupId, events.length, 0);
    assert.equal(await metricValue(service.ctx.registry, 'features_late_events_total'), 2);
  } finally {
    await service.stop();
  }
  assert.deepEqual(await readEntity(redis, prefix, 'c', 'cust-1'), {
    newest: dayD + 1,
    buckets: [
      { day: dayD, count: 1, sumAmountCents: 1000, fraudCount: 0 },
      { day: dayD + 1, count: 2, sumAmountCents: 10000, fraudCount: 0 },
    ],
  });
  const outputs = new Map((await enrichedRecords(env, events.length)).map((o) => [o.transaction_id, o.features]));
  assert.equal(outputs.size, 5, 'late events are enriched too');
  // C is scored on day D's state when it arrived (A), itself included; it is not recorded.
  assert.equal(outputs.get('C')!['CUSTOMER_ID_NB_TX_1DAY_WINDOW'], 2);
  assert.equal(outputs.get('C')!['CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW'], 25);
  // E (on time) sees B; F (late) sees B and E; neither saw C.
  assert.equal(outputs.get('E')!['CUSTOMER_ID_NB_TX_7DAY_WINDOW'], 3);
  assert.equal(outputs.get('F')!['CUSTOMER_ID_NB_TX_7DAY_WINDOW'], 4);
});

function redisCli(port: number, ...args: string[]): string {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}

async function startRedisServer(port: number): Promise<void> {
  const r = spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--logfile', `/tmp/riskstream-features-test-redis-${port}.log`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await waitFor(`redis-server on ${port}`, () => redisCli(port, 'ping') === 'PONG', 10000, 100);
}

async function readyz(service: RunningService): Promise<{ status: number; body: { checks: Record<string, { ready: boolean }> } }> {
  const res = await fetch(`http://127.0.0.1:${service.port}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, { ready: boolean }> } };
}

test('integration: a Redis outage pauses the stream; after Redis returns every transaction is enriched once and completely', async (t) => {
  const port = await freePort();
  await startRedisServer(port);
  t.after(() => void redisCli(port, 'shutdown', 'nosave'));
  const env = await integrationEnv('features-outage');
  t.after(() => env.cleanup());
  const admin = await withAdmin(env.kafka, t);
  const groupId = env.uniqueGroup('features');
  const prefix = 'outage:';
  const all = simulated(3, { nCustomers: 20, nTerminals: 60, nbDays: 30, radius: 25 }).records.slice(0, 1200);
  const n = all.length;
  const service = await startFeatures(env, prefix, groupId, {
    REDIS_URL: `redis://127.0.0.1:${port}`,
    FEATURES_MICRO_BATCH_SIZE: '20',
    FEATURE_REDIS_TIMEOUT_MS: '500',
  });
  t.after(() => service.stop());
  const validCommitted = () => committed(admin, groupId, env.names.transactionsValid);

  await produce(env, all.slice(0, 400), []);
  await waitCommitted(admin, env, groupId, 400, 0);

  // The rest arrives while Redis is down.
  const feeding = (async () => {
    for (let i = 400; i < n; i += 40) {
      await produce(env, all.slice(i, i + 40), []);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  assert.equal(redisCli(port, 'shutdown', 'nosave'), '');
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, 2500));
  const pausedAt = await validCommitted();
  await feeding;
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(await validCommitted(), pausedAt, 'nothing is committed while Redis is down');
  assert.ok(pausedAt < n, `the outage hit mid-stream (${pausedAt} of ${n} committed)`);
  assert.ok((await metricValue(service.ctx.registry, 'riskstream_handler_retries_total', { code: 'DEPENDENCY_UNAVAILABLE' })) > 0);
  const down = await readyz(service);
  assert.equal(down.status, 503);
  assert.equal(down.body.checks['redis']!.ready, false);

  await startRedisServer(port);
  const upAt = Date.now();
  await waitCommitted(admin, env, groupId, n, 0, 60000);
  t.diagnostic(`outage ${upAt - downAt} ms with ${pausedAt}/${n} committed; all committed ${Date.now() - upAt} ms after Redis returned`);
  assert.equal((await readyz(service)).status, 200);
  // The restarted server had no scripts: the store fell back from EVALSHA to EVAL by itself.
  assert.equal(redisCli(port, 'script', 'exists', LuaScript.fromFiles('x', ['entity-state.lua', 'apply-events.lua']).sha1), '1');

  const outputs = await enrichedRecords(env, n);
  const ids = outputs.map((o) => o.transaction_id);
  assert.equal(new Set(ids).size, n, 'no transaction lost');
  assert.equal(ids.length, n, 'no transaction enriched twice');
  for (const o of outputs) {
    assert.deepEqual(Object.keys(o.features).sort(), [...FEATURE_NAMES].sort(), o.transaction_id);
    const f = o.features;
    for (const name of FEATURE_NAMES) {
      const terminalFeature = name.startsWith('TERMINAL_');
      if (terminalFeature && o.terminal_id === null) assert.ok(Number.isNaN(f[name]), `${o.transaction_id} ${name}`);
      else assert.ok(Number.isFinite(f[name]), `${o.transaction_id} ${name} = ${f[name]}`);
    }
    assert.ok(f['CUSTOMER_ID_NB_TX_1DAY_WINDOW']! >= 1);
    assert.ok(f['CUSTOMER_ID_NB_TX_1DAY_WINDOW']! <= f['CUSTOMER_ID_NB_TX_7DAY_WINDOW']! && f['CUSTOMER_ID_NB_TX_7DAY_WINDOW']! <= f['CUSTOMER_ID_NB_TX_30DAY_WINDOW']!);
  }

  // After the restart the store is correct again: each card's last transaction (processed well after
  // Redis returned) was scored on exactly what the store now holds for the card, minus itself.
  const redis = createRedis(loadConfig(featuresConfigSchema, { REDIS_URL: `redis://127.0.0.1:${port}` }));
  t.after(() => redis.quit().then(() => undefined));
  const byId = new Map(outputs.map((o) => [o.transaction_id, o]));
  const lastByCard = new Map<string, SimulatedTransaction>();
  for (const r of all.slice(-300)) lastByCard.set(`cust-${r.customer_id}`, r);
  assert.ok(lastByCard.size >= 5);
  for (const [card, r] of lastByCard) {
    const buckets: DailyBucket[] = [];
    for (const b of (await readEntity(redis, prefix, 'c', card))!.buckets) {
      const isOwnDay = b.day === dayIndex(r.event_time);
      buckets.push({
        day: b.day,
        count: b.count - (isOwnDay ? 1 : 0),
        sumAmountCents: b.sumAmountCents - (isOwnDay ? amountToCents(r.amount) : 0),
        fraudCount: 0,
      });
    }
    const expected = computeFeatures({ eventTimeMs: r.event_time, amount: r.amount }, buckets, null);
    FEATURE_NAMES.forEach((name, j) => {
      if (name.startsWith('CUSTOMER_')) assert.ok(sameValue(byId.get(r.transaction_id)!.features[name]!, expected[j]!), `${card} ${name}`);
    });
  }
});

test('integration: a feature service killed mid-stream and restarted emits every enriched record once, with the offline features', async (t) => {
  const sim = simulated(11, { nCustomers: 25, nTerminals: 80, nbDays: 36, radius: 22 });
  const n = sim.records.length;
  const prefix = `test:features:${uniqueId()}:`;
  sharedRedis(t, [prefix]);
  const env = await integrationEnv('features-kill');
  t.after(() => env.cleanup());
  const admin = await withAdmin(env.kafka, t);
  const groupId = env.uniqueGroup('features');
  const childEnv = {
    TOPIC_NAMESPACE: env.namespace,
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    FEATURES_GROUP_ID: groupId,
    FEATURE_KEY_PREFIX: prefix,
    // Small batches, one transaction each, and a short session so the kill lands mid-slice and the
    // restart takes over soon (with the default cadence a whole slice commits at once).
    FEATURES_MICRO_BATCH_SIZE: '10',
    COMMIT_MAX_RECORDS: '10',
    FEATURES_SESSION_TIMEOUT_MS: '6000',
    // 20 ms per micro-batch: a slice lasts long enough for the kill to land inside it on a fast machine
    // too (a clean-clone run once committed the whole slice before the SIGKILL took effect).
    RUNNER_TEST_HANDLER_DELAY_MS: '20',
    RUNNER_TEST_HANDLER_DELAY_EVERY: '1',
  };
  let child = startChild('services/features/src/main.ts', childEnv);
  t.after(async () => {
    child.child.kill('SIGTERM');
    await child.exited();
  });
  let killedAt = -1;
  await feedInSlices(env, admin, groupId, sim.records, (s) => s, async (slice, before, target) => {
    if (slice !== 3) return;
    await waitFor('progress in the slice', async () => (await committed(admin, groupId, env.names.transactionsValid)) >= before + 30, 60000, 50);
    child.child.kill('SIGKILL');
    await child.exited();
    killedAt = await committed(admin, groupId, env.names.transactionsValid);
    assert.ok(killedAt < target, `killed mid-slice (${killedAt} of ${target} committed)`);
    child = startChild('services/features/src/main.ts', childEnv);
  });
  const port = /"port":(\d+)[^\n]*features started/.exec(child.output())?.[1];
  const metrics = port ? await (await fetch(`http://127.0.0.1:${port}/metrics`)).text() : '';
  const redelivered = /^features_redelivered_events_total\S* (\d+)/m.exec(metrics)?.[1];
  // Whether the kill fell between a batch's store call and its Kafka commit is up to timing; when it
  // did, the restarted service answered those events from their snapshots (and parity still holds).
  t.diagnostic(`killed with ${killedAt} of ${n} transactions committed; the restarted service saw ${redelivered ?? '?'} redelivered`);
  const outputs = await enrichedRecords(env, n);
  assert.equal(new Set(outputs.map((o) => o.transaction_id)).size, n, 'no transaction lost');
  assert.equal(outputs.length, n, 'read_committed sees each enriched record once');
  assertParity(outputs, sim);
});
