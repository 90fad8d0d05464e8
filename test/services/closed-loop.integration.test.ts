/**
 * The closed loop end to end, every component real: ingest, features, scoring, archiver, drift monitor,
 * alert receiver and trainer as separate processes; Kafka, the schema registry, Redis, and the stack's
 * Prometheus (which scrapes those processes and evaluates the committed alert rules) and Alertmanager
 * (which posts to the receiver with its bearer token).
 *
 *   warm-up  days 0..38: history for the online feature store (drift monitor not yet running)
 *   stationary  days 39..48: the champion's own reference period and after: no drift verdict, no alert
 *   drift  days 49..: amounts +20% (simulator amount-shift): verdict -> Prometheus alert ->
 *          Alertmanager -> receiver -> exactly one RETRAIN on models.retrain.v1 -> the trainer builds a
 *          training set from the archived offline store, gates the challenger, and publishes the outcome;
 *          on PROMOTED scoring hot-swaps. Every transaction is scored exactly once throughout.
 *
 * Detection delay is reported two ways: events produced after onset until the drift monitor's verdict
 * first flips (the statistics' delay) and until the retrain event arrives (plus the alerting path:
 * scrape, `for:`, Alertmanager group_wait). The producer rate in the drift phase sets how many events the
 * alerting path's fixed seconds cost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createIdempotentProducer, loadConfig, sendRecords, type OutputRecord } from '@riskstream/shared';
import {
  ModelRegistry,
  applyDrift,
  simulate,
  simulatedTrainingData,
  trainModel,
  transactionsInOrder,
  type SimulatedTransaction,
} from '@riskstream/training';
import { devSecret } from '../../cli/src/stack/dev-secrets.ts';
import { removeScrapeTarget, writeScrapeTarget } from '../../cli/src/services/service-processes.ts';
import { stackConfigSchema } from '../../cli/src/stack/stack-config.ts';
import { StackDir } from '../../cli/src/stack/stack-dir.ts';
import { integrationEnv, uniqueId, type IntegrationEnv } from '../support/integration.ts';
import { startChild, waitFor, type ChildService } from '../support/child-service.ts';
import { allQueries, MAY_BE_EMPTY } from '../grafana/dashboard-queries.ts';

const DAY_MS = 86_400_000;
const SEED = 21;
const DAYS = 60;
const ONSET_DAY = 49;
/** Transactions per second after the onset; the alerting path's fixed seconds cost this many events each. */
const DRIFT_RATE = Number(process.env['CLOSED_LOOP_DRIFT_RATE'] ?? 60);
const STATIONARY_RATE = 400;

const stack = loadConfig(stackConfigSchema, process.env);
const stackDir = new StackDir(stack.stackDir);
const RECEIVER_PORT = Number(new URL(stack.alertWebhookUrl).port);

interface Phase {
  readonly txs: SimulatedTransaction[];
}

function dayOf(tx: SimulatedTransaction, startMs: number): number {
  return Math.floor((tx.event_time - startMs) / DAY_MS);
}

function raw(tx: SimulatedTransaction): OutputRecord {
  const { is_fraud: _f, fraud_scenario: _s, ...value } = tx;
  return { topic: 'transactionsRaw', key: tx.card_number, value: Buffer.from(JSON.stringify(value)) };
}

function label(tx: SimulatedTransaction): OutputRecord {
  return {
    topic: 'transactionsLabels',
    key: tx.transaction_id,
    value: { transaction_id: tx.transaction_id, terminal_id: tx.terminal_id, event_time: tx.event_time, is_fraud: tx.is_fraud, labelled_at: tx.event_time },
  };
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function getJson(url: string): Promise<unknown> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

interface DriftReport {
  model_version: number;
  windows: { count: { events: number; dataset_drifted: boolean; drifted_features: string[]; drifted_ratio: number } };
}

async function promQuery(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const body = (await getJson(`${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  return body.data.result;
}

/**
 * Produces transactions at a steady rate (0 = as fast as possible); each transaction's label follows
 * `labelLagMs` later, so the drift monitor has usually seen the score it joins the label to.
 */
class TrafficProducer {
  produced = 0;
  private readonly pendingLabels: Array<{ at: number; record: OutputRecord }> = [];
  private readonly env: IntegrationEnv;
  private readonly producer: ReturnType<typeof createIdempotentProducer>;
  private constructor(env: IntegrationEnv, producer: ReturnType<typeof createIdempotentProducer>) {
    this.env = env;
    this.producer = producer;
  }

  static async open(env: IntegrationEnv): Promise<TrafficProducer> {
    const producer = createIdempotentProducer(env.kafka);
    await producer.connect();
    return new TrafficProducer(env, producer);
  }

  async send(txs: readonly SimulatedTransaction[], rate: number, labelLagMs: number, until?: () => boolean): Promise<number> {
    const t0 = Date.now();
    const chunk = rate > 0 ? Math.max(1, Math.round(rate / 10)) : 1000;
    let sent = 0;
    for (let i = 0; i < txs.length; i += chunk) {
      if (until?.()) break;
      const batch = txs.slice(i, i + chunk);
      const now = Date.now();
      const due: OutputRecord[] = [];
      while (this.pendingLabels.length > 0 && this.pendingLabels[0]!.at <= now) due.push(this.pendingLabels.shift()!.record);
      await sendRecords(this.producer, this.env.codec, [...batch.map(raw), ...due]);
      for (const tx of batch) this.pendingLabels.push({ at: now + labelLagMs, record: label(tx) });
      sent += batch.length;
      this.produced += batch.length;
      if (rate > 0) {
        const ahead = (sent / rate) * 1000 - (Date.now() - t0);
        if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
      }
    }
    return sent;
  }

  async flushLabels(): Promise<void> {
    const all = this.pendingLabels.splice(0).map((p) => p.record);
    for (let i = 0; i < all.length; i += 1000) await sendRecords(this.producer, this.env.codec, all.slice(i, i + 1000));
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** Collects every record of a topic (read_committed) from the beginning while the test runs. */
async function collect(env: IntegrationEnv, topicKey: 'modelsRetrain' | 'modelsLifecycle' | 'transactionsScored') {
  const consumer = env.kafka.consumer({ groupId: env.uniqueGroup(`collect-${topicKey}`) });
  const values: Array<Record<string, unknown>> = [];
  const arrivals: number[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: env.names[topicKey], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      values.push((await env.codec.decode(topicKey, message.value)) as Record<string, unknown>);
      arrivals.push(Date.now());
    },
  });
  return { values, arrivals, stop: () => consumer.disconnect() };
}

test('integration: closed loop - stationary traffic raises nothing; +20% amounts -> drift alert -> exactly one retrain -> gated outcome -> scoring follows, no event lost', { timeout: 15 * 60_000 }, async (t) => {
  assert.ok(await portFree(RECEIVER_PORT), `port ${RECEIVER_PORT} (the stack's Alertmanager webhook target) must be free: stop a running alert-receiver (riskstream services down)`);
  const env = await integrationEnv('loop');
  const root = await mkdtemp(join(tmpdir(), 'rs-loop-'));
  const registryDir = join(root, 'registry');
  const offlineDir = join(root, 'offline');
  const redisPrefix = `t-${uniqueId()}:`;
  const children = new Map<string, ChildService>();
  const basePort = 18_100 + Math.floor(Math.random() * 800);
  const ports: Record<string, number> = {
    ingest: basePort + 1,
    features: basePort + 2,
    scoring: basePort + 3,
    'drift-monitor': basePort + 4,
    archiver: basePort + 6,
    trainer: basePort + 7,
    'alert-receiver': RECEIVER_PORT,
  };
  const entries: Record<string, string> = {
    ingest: 'services/ingest/src/main.ts',
    features: 'services/features/src/main.ts',
    scoring: 'services/scoring/src/main.ts',
    archiver: 'services/archiver/src/main.ts',
    'drift-monitor': 'services/drift-monitor/src/main.ts',
    'alert-receiver': 'services/alert-receiver/src/main.ts',
    trainer: 'training/src/worker/main.ts',
  };
  const childEnv: Record<string, string> = {
    TOPIC_NAMESPACE: env.namespace,
    LOG_LEVEL: 'info',
    CARD_TOKEN_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    CARD_TOKEN_ACTIVE_KEY: 'k1',
    INGEST_GROUP_ID: env.uniqueGroup('ingest'),
    INGEST_DEDUP_KEY_PREFIX: `${redisPrefix}dedup:`,
    FEATURES_GROUP_ID: env.uniqueGroup('features'),
    FEATURE_KEY_PREFIX: `${redisPrefix}f:`,
    // The warm-up is 39 days produced in one burst; ingest forwards partitions in turn, so event time
    // within a valid partition can jump back by much of that span.
    FEATURE_ALLOWED_LATENESS_MS: String(40 * DAY_MS),
    SCORING_GROUP_ID: env.uniqueGroup('scoring'),
    ARCHIVER_GROUP_ID: env.uniqueGroup('archiver'),
    DRIFT_GROUP_ID: env.uniqueGroup('drift'),
    TRAINER_GROUP_ID: env.uniqueGroup('trainer'),
    MODEL_SOURCE: registryDir,
    MODEL_REGISTRY_DIR: registryDir,
    MODEL_NAME: 'fraud',
    OFFLINE_STORE_DIR: offlineDir,
    SCORING_MODEL_POLL_MS: '1000',
    SCORING_MODEL_RECONCILE_MS: '2000',
    DRIFT_MODEL_RECONCILE_MS: '2000',
    DRIFT_MONITOR_URL: `http://127.0.0.1:${ports['drift-monitor']}`,
    ALERTMANAGER_BEARER_TOKENS: `dev:${devSecret(stackDir, 'alertmanagerWebhookToken')}`,
    ALERT_RECEIVER_REDIS_KEY_PREFIX: `${redisPrefix}alerts:`,
  };
  const start = (name: string) => {
    const c = startChild(entries[name]!, { ...childEnv, HTTP_PORT: String(ports[name]) });
    children.set(name, c);
    writeScrapeTarget(stackDir, `loop-${name}`, ports[name]!);
  };
  const ready = (name: string, path = '/readyz') =>
    waitFor(`${name} ${path}`, async () => (await fetch(`http://127.0.0.1:${ports[name]}${path}`).catch(() => undefined))?.ok === true, 90_000, 500);

  t.after(async () => {
    for (const [name, c] of children) {
      removeScrapeTarget(stackDir, `loop-${name}`);
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
      await c.exited();
    }
    const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    for (let cursor = '0'; ; ) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    await redis.quit();
    await env.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  // The champion, trained by the training job on this population's handbook weeks (reference: days 39-45).
  const sim = simulate({ nCustomers: 800, nTerminals: 1600, nbDays: DAYS, seed: SEED });
  const registry = await ModelRegistry.open(registryDir);
  await trainModel(simulatedTrainingData({ seed: SEED, simulation: sim }), { name: 'fraud', seed: 1, registry });
  const drifted = applyDrift(sim, [{ kind: 'amount-shift', relativeChange: 0.2, from: { day: ONSET_DAY } }]);
  const all = [...transactionsInOrder(drifted)];
  const phase = (from: number, to: number): Phase => ({ txs: all.filter((tx) => dayOf(tx, drifted.startTimeMs) >= from && dayOf(tx, drifted.startTimeMs) < to) });
  const warmUp = phase(0, 39);
  const stationary = phase(39, ONSET_DAY);
  const drift = phase(ONSET_DAY, DAYS);

  for (const s of ['ingest', 'features', 'scoring', 'archiver']) start(s);
  const scored = await collect(env, 'transactionsScored');
  t.after(() => scored.stop());
  const traffic = await TrafficProducer.open(env);
  t.after(() => traffic.close());

  await traffic.send(warmUp.txs, 0, 0);
  await traffic.flushLabels();
  await waitFor('warm-up scored', () => scored.values.length >= warmUp.txs.length, 300_000, 1000);
  t.diagnostic(`warm-up: ${warmUp.txs.length} transactions scored`);

  for (const s of ['drift-monitor', 'alert-receiver', 'trainer']) start(s);
  await ready('drift-monitor');
  await ready('alert-receiver', '/healthz');
  await ready('trainer', '/healthz');
  const retrains = await collect(env, 'modelsRetrain');
  const lifecycle = await collect(env, 'modelsLifecycle');
  t.after(() => retrains.stop());
  t.after(() => lifecycle.stop());
  const driftUrl = `http://127.0.0.1:${ports['drift-monitor']}/v1/drift`;

  // Stationary: the champion's own population. No verdict may flip, no alert may fire.
  let stationaryMaxShare = 0;
  let stationaryVerdicts = 0;
  const watchStationary = setInterval(() => {
    getJson(driftUrl)
      .then((r) => {
        const w = (r as DriftReport).windows.count;
        stationaryMaxShare = Math.max(stationaryMaxShare, w.drifted_ratio ?? 0);
        if (w.dataset_drifted) stationaryVerdicts++;
      })
      .catch(() => undefined);
  }, 500);
  await traffic.send(stationary.txs, STATIONARY_RATE, 2000);
  // Long enough for a `for:` of 30 s plus scrape and evaluation to have fired had anything drifted.
  await new Promise((r) => setTimeout(r, 45_000));
  clearInterval(watchStationary);
  const stationaryReport = (await getJson(driftUrl)) as DriftReport;
  const firing = await promQuery(`ALERTS{alertstate="firing", action=~"retrain|rollback", model_version="1"}`);
  t.diagnostic(`stationary: ${stationary.txs.length} events, window ${stationaryReport.windows.count.events}, max drifted share ${stationaryMaxShare.toFixed(3)}, verdict polls true ${stationaryVerdicts}`);
  assert.ok(stationaryReport.windows.count.events > 0, 'the drift monitor saw the stationary traffic');
  assert.equal(stationaryVerdicts, 0, 'no dataset drift verdict on stationary traffic');
  assert.deepEqual(firing.map((f) => f.metric['alertname']), [], 'no retrain/rollback alert firing on stationary traffic');
  assert.equal(retrains.values.length, 0, 'no retrain event on stationary traffic');

  // Drift: +20% amounts from ONSET_DAY on.
  const onsetAt = Date.now();
  const producedAtOnset = traffic.produced;
  let verdictAfter: { events: number; seconds: number } | undefined;
  const watchDrift = setInterval(() => {
    getJson(driftUrl)
      .then((r) => {
        if (!verdictAfter && (r as DriftReport).windows.count.dataset_drifted) {
          verdictAfter = { events: traffic.produced - producedAtOnset, seconds: (Date.now() - onsetAt) / 1000 };
        }
      })
      .catch(() => undefined);
  }, 250);
  let retrainAfter: { events: number; seconds: number } | undefined;
  let outcomeSeen = 0;
  const sending = traffic.send(drift.txs, DRIFT_RATE, 2000, () => {
    if (!retrainAfter && retrains.values.length > 0) retrainAfter = { events: traffic.produced - producedAtOnset, seconds: (retrains.arrivals[0]! - onsetAt) / 1000 };
    const outcome = lifecycle.values.find((v) => v['action'] === 'PROMOTED' || v['action'] === 'REJECTED');
    if (outcome && outcomeSeen === 0) outcomeSeen = traffic.produced;
    // Keep traffic flowing through the swap, then stop 1,500 events later.
    return outcomeSeen > 0 && traffic.produced - outcomeSeen >= 1500;
  });
  await sending;
  clearInterval(watchDrift);
  await traffic.flushLabels();
  assert.ok(retrainAfter, `a retrain event arrived before the drift traffic ran out (${drift.txs.length} events)`);
  t.diagnostic(
    `detection: verdict after ${verdictAfter?.events ?? 'n/a'} events / ${verdictAfter?.seconds.toFixed(1) ?? 'n/a'} s; ` +
      `retrain event after ${retrainAfter.events} events / ${retrainAfter.seconds.toFixed(1)} s (producing ${DRIFT_RATE}/s)`,
  );
  const retrain = retrains.values[0]!;
  assert.equal(retrain['action'], 'RETRAIN');
  assert.equal(retrain['model_version'], 1);
  assert.equal(retrain['source'], 'alertmanager');
  assert.ok((retrain['drifted_features'] as string[]).length > 0, 'the evidence names the drifted features');
  const evidence = JSON.parse(retrain['evidence_json'] as string) as Record<string, unknown>;
  assert.ok(JSON.stringify(evidence).includes('TX_AMOUNT') || (retrain['drifted_features'] as string[]).some((f) => /AMOUNT/.test(f)), 'the amount features are in the evidence');

  await waitFor('the trainer outcome', () => lifecycle.values.some((v) => v['action'] === 'PROMOTED' || v['action'] === 'REJECTED'), 300_000, 1000);
  const outcome = lifecycle.values.find((v) => v['action'] === 'PROMOTED' || v['action'] === 'REJECTED')!;
  t.diagnostic(`trainer: ${outcome['action']} v${outcome['version']} (${(outcome['reasons'] as string[]).join('; ')})`);
  if (outcome['action'] === 'REJECTED') assert.ok((outcome['reasons'] as string[]).length > 0, 'a rejection says why');

  // Everything produced is scored exactly once, across the swap.
  const total = traffic.produced;
  await waitFor('every transaction scored', () => scored.values.length >= total, 180_000, 1000);
  await new Promise((r) => setTimeout(r, 3000));
  const ids = new Set(scored.values.map((v) => v['transaction_id'] as string));
  assert.equal(ids.size, total, 'no transaction lost');
  assert.equal(scored.values.length, total, 'no transaction scored twice');
  if (outcome['action'] === 'PROMOTED') {
    const versions = new Set(scored.values.map((v) => v['model_version'] as number));
    assert.ok(versions.has(outcome['version'] as number), `scoring switched to v${outcome['version']}`);
  }
  // The alert stays one retrain: the receiver dedups repeats and the cooldown holds later firings.
  assert.equal(retrains.values.length, 1, 'exactly one retrain event');

  // Every dashboard panel, variable, Grafana alert query and recording rule returns series from this
  // running, scraped pipeline (alert expressions may be empty: they only have series while firing).
  const empty: string[] = [];
  for (const q of allQueries().filter((x) => x.expectSeries)) {
    const r = await promQuery(q.expr);
    if (r.length === 0) empty.push(`${q.kind} "${q.title}" (${q.file}): ${q.expr}`);
  }
  assert.deepEqual(empty, [], `queries without series:\n${empty.join('\n')}\n\nexempt:\n${Object.keys(MAY_BE_EMPTY).join('\n')}`);
});
