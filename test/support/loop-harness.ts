/**
 * What the closed-loop tests share: every riskstream process started as a child on its own port and
 * registered with the stack's Prometheus (file_sd), simulated traffic with delayed labels, topic
 * collectors, and Prometheus queries. The alert receiver listens on the port the stack's Alertmanager
 * posts to, with the stack's bearer token.
 */
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdempotentProducer, loadConfig, sendRecords, type OutputRecord } from '@riskstream/shared';
import type { SimulatedTransaction } from '@riskstream/training';
import { devSecret } from '../../cli/src/stack/dev-secrets.ts';
import { removeScrapeTarget, writeScrapeTarget } from '../../cli/src/services/service-processes.ts';
import { stackConfigSchema } from '../../cli/src/stack/stack-config.ts';
import { StackDir } from '../../cli/src/stack/stack-dir.ts';
import { integrationEnv, uniqueId, type IntegrationEnv } from './integration.ts';
import { deleteRedisKeys } from './redis-keys.ts';
import { startChild, waitFor, type ChildService } from './child-service.ts';

export const DAY_MS = 86_400_000;
export const stack = loadConfig(stackConfigSchema, process.env);
const stackDir = new StackDir(stack.stackDir);

export type LoopService = 'ingest' | 'features' | 'scoring' | 'archiver' | 'drift-monitor' | 'alert-receiver' | 'trainer';

const ENTRIES: Record<LoopService, string> = {
  ingest: 'services/ingest/src/main.ts',
  features: 'services/features/src/main.ts',
  scoring: 'services/scoring/src/main.ts',
  archiver: 'services/archiver/src/main.ts',
  'drift-monitor': 'services/drift-monitor/src/main.ts',
  'alert-receiver': 'services/alert-receiver/src/main.ts',
  trainer: 'training/src/worker/main.ts',
};

export interface Loop {
  readonly env: IntegrationEnv;
  readonly registryDir: string;
  readonly offlineDir: string;
  readonly ports: Readonly<Record<LoopService, number>>;
  start(name: LoopService): ChildService;
  ready(name: LoopService, path?: '/readyz' | '/healthz'): Promise<void>;
  driftUrl(): string;
  /** Closes `fn`'s client in stop(), before the processes and topics go: last registered, first closed. */
  closeFirst(fn: () => Promise<void>): void;
  stop(): Promise<void>;
}

export async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function getJson(url: string): Promise<unknown> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

export async function promQuery(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const body = (await getJson(`${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)) as {
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  return body.data.result;
}

export async function openLoop(label: string, extraEnv: Record<string, string> = {}): Promise<Loop> {
  const receiverPort = Number(new URL(stack.alertWebhookUrl).port);
  if (!(await portFree(receiverPort))) {
    throw new Error(`port ${receiverPort} (the stack's Alertmanager webhook target) must be free: stop a running alert-receiver (riskstream services down)`);
  }
  const env = await integrationEnv(label);
  const root = await mkdtemp(join(tmpdir(), `rs-${label}-`));
  const registryDir = join(root, 'registry');
  const offlineDir = join(root, 'offline');
  const redisPrefix = `t-${uniqueId()}:`;
  const base = 18_100 + Math.floor(Math.random() * 800);
  const ports: Record<LoopService, number> = {
    ingest: base + 1,
    features: base + 2,
    scoring: base + 3,
    'drift-monitor': base + 4,
    archiver: base + 6,
    trainer: base + 7,
    'alert-receiver': receiverPort,
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
    ...extraEnv,
  };
  const children = new Map<LoopService, ChildService>();
  const clients: Array<() => Promise<void>> = [];
  const scrapeName = (name: LoopService) => `${label}-${name}`;
  return {
    env,
    registryDir,
    offlineDir,
    ports,
    start(name) {
      const c = startChild(ENTRIES[name], { ...childEnv, HTTP_PORT: String(ports[name]) });
      children.set(name, c);
      writeScrapeTarget(stackDir, scrapeName(name), ports[name]);
      return c;
    },
    ready: (name, path = '/readyz') =>
      waitFor(`${name} ${path}`, async () => (await fetch(`http://127.0.0.1:${ports[name]}${path}`).catch(() => undefined))?.ok === true, 90_000, 500),
    driftUrl: () => `http://127.0.0.1:${ports['drift-monitor']}/v1/drift`,
    closeFirst: (fn) => void clients.push(fn),
    async stop() {
      for (const close of clients.splice(0).reverse()) await close();
      for (const [name, c] of children) {
        removeScrapeTarget(stackDir, scrapeName(name));
        if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
        await c.exited();
      }
      await deleteRedisKeys(redisPrefix);
      await env.cleanup();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function rawRecord(tx: SimulatedTransaction): OutputRecord {
  const { is_fraud: _f, fraud_scenario: _s, ...value } = tx;
  return { topic: 'transactionsRaw', key: tx.card_number, value: Buffer.from(JSON.stringify(value)) };
}

function labelRecord(tx: SimulatedTransaction): OutputRecord {
  return {
    topic: 'transactionsLabels',
    key: tx.transaction_id,
    value: { transaction_id: tx.transaction_id, terminal_id: tx.terminal_id, event_time: tx.event_time, is_fraud: tx.is_fraud, labelled_at: tx.event_time },
  };
}

/**
 * Produces transactions at a steady rate (0 = as fast as possible); each transaction's label follows
 * `labelLagMs` later, so the drift monitor has usually seen the score it joins the label to.
 */
export class TrafficProducer {
  produced = 0;
  readonly #env: IntegrationEnv;
  readonly #producer: ReturnType<typeof createIdempotentProducer>;
  readonly #pendingLabels: Array<{ at: number; record: OutputRecord }> = [];

  private constructor(env: IntegrationEnv, producer: ReturnType<typeof createIdempotentProducer>) {
    this.#env = env;
    this.#producer = producer;
  }

  static async open(env: IntegrationEnv): Promise<TrafficProducer> {
    const producer = createIdempotentProducer(env.kafka);
    await producer.connect();
    return new TrafficProducer(env, producer);
  }

  /** Sends until done or until `until()` says stop (checked every tenth of a second of traffic). */
  async send(txs: readonly SimulatedTransaction[], rate: number, labelLagMs: number, until?: () => boolean): Promise<number> {
    const t0 = Date.now();
    const chunk = rate > 0 ? Math.max(1, Math.round(rate / 10)) : 1000;
    let sent = 0;
    for (let i = 0; i < txs.length; i += chunk) {
      if (until?.()) break;
      const batch = txs.slice(i, i + chunk);
      const now = Date.now();
      const due: OutputRecord[] = [];
      while (this.#pendingLabels.length > 0 && this.#pendingLabels[0]!.at <= now) due.push(this.#pendingLabels.shift()!.record);
      await sendRecords(this.#producer, this.#env.codec, [...batch.map(rawRecord), ...due]);
      for (const tx of batch) this.#pendingLabels.push({ at: now + labelLagMs, record: labelRecord(tx) });
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
    const all = this.#pendingLabels.splice(0).map((p) => p.record);
    for (let i = 0; i < all.length; i += 1000) await sendRecords(this.#producer, this.#env.codec, all.slice(i, i + 1000));
  }

  close(): Promise<void> {
    return this.#producer.disconnect();
  }
}

export interface Collected {
  readonly values: Array<Record<string, unknown>>;
  /** Date.now() when each value arrived. */
  readonly arrivals: number[];
  stop(): Promise<void>;
}

/** Collects every record of a topic (read_committed) from the beginning while the test runs. */
export async function collect(env: IntegrationEnv, topicKey: 'modelsRetrain' | 'modelsLifecycle' | 'transactionsScored'): Promise<Collected> {
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

export function dayOf(tx: SimulatedTransaction, startMs: number): number {
  return Math.floor((tx.event_time - startMs) / DAY_MS);
}
