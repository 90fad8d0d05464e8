/**
 * The fault suite's harness: the split pipeline (plus decisions and, on request, drift-monitor, archiver,
 * alert-receiver) as child processes on a Kafka of the test's choice, a stream of simulated transactions
 * through Kafka and POST /v1/decisions, lag and recovery measurement, and the end-of-run check from
 * read_committed output.
 *
 * Usage (a scenario file):
 *
 *   const profile = faultProfile();                       // FAULT_PROFILE=full -> 100,000 events
 *   const model = await trainedModel(); t.after(model.cleanup);
 *   const h = await FaultHarness.open({ label: 'kill', registryDir: model.dir, kafka: cluster?.config });
 *   t.after(() => h.close());
 *   await h.startAll();                                   // every process of `processes`, 1 member each
 *   await h.stream({ onProgress: async (sent) => { ... h.kill('scoring-0'); ...; await h.restart('scoring-0') } });
 *   const report = await h.verify('scenario name');       // waits for the output, then checks it
 *   printFaultTable(t, [report]); assertClean(report);
 *
 * Members are named `<process>-<n>`; `kill` (any signal), `stop` (SIGTERM), `restart` (same port, same
 * INSTANCE_ID), `startMember` (a new one). `h.fault(name)` opens a fault window for the recovery time and
 * returns its `clear()`. Everything a scenario asserts is in the returned FaultReport.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import type { TestContext } from 'node:test';
import {
  connectionSchema,
  createIdempotentProducer,
  createKafka,
  createLogger,
  createRedis,
  createSchemaRegistryClient,
  ensureTopics,
  loadConfig,
  replicationSettings,
  sendRecords,
  TopicCodec,
  topicNames,
  type ConnectionConfig,
  type OutputRecord,
  type TopicNames,
} from '@riskstream/shared';
import { ModelRegistry, simulate, simulatedTrainingData, trainModel } from '@riskstream/training';
import { readTopic, uniqueId } from '../support/integration.ts';
import { freePort, startChild, waitFor, type ChildService } from '../support/child-service.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.ts';
import { faultProfile, type FaultProfile } from './fault-profile.ts';
import { DEFAULT_MIX, faultTransactions, type FaultTransaction, type TransactionMix } from './fault-transactions.ts';
import { LagMonitor, type LagGroup } from './lag-monitor.ts';
import { checkDlq, checkFeatureState, checkScored, type OutputRecordRef } from './output-check.ts';

export { faultProfile, byProfile, type FaultProfile } from './fault-profile.ts';
export type { FaultTransaction, TransactionMix } from './fault-transactions.ts';

export const PROCESS_ENTRIES = {
  ingest: 'services/ingest/src/main.ts',
  features: 'services/features/src/main.ts',
  scoring: 'services/scoring/src/main.ts',
  decisions: 'services/decisions/src/main.ts',
  'drift-monitor': 'services/drift-monitor/src/main.ts',
  archiver: 'services/archiver/src/main.ts',
  'alert-receiver': 'services/alert-receiver/src/main.ts',
} as const;
export type ProcessName = keyof typeof PROCESS_ENTRIES;
export const PIPELINE: readonly ProcessName[] = ['ingest', 'features', 'scoring', 'decisions'];
export const EVERY_PROCESS: readonly ProcessName[] = Object.keys(PROCESS_ENTRIES) as ProcessName[];

export interface HarnessOptions {
  readonly label: string;
  /** The test's trained model registry (trainedModel()). */
  readonly registryDir: string;
  /** Kafka to run on: a private cluster's config; default the shared stack's (environment). */
  readonly kafka?: ConnectionConfig;
  /**
   * REDIS_URL of the processes and of the feature-state check; default a private redis-server of the
   * harness (the shared one, filled by other runs such as the soak, made a fresh prefix's feature-store
   * layout migration stall: features consumed nothing for minutes, decisions answered nothing).
   */
  readonly redisUrl?: string;
  readonly processes?: readonly ProcessName[];
  /** Session timeout of every group that has one (ms; the broker's minimum is 6000). */
  readonly sessionTimeoutMs?: number;
  /** Extra environment for every process, and per process. */
  readonly env?: Readonly<Record<string, string>>;
  readonly processEnv?: Partial<Readonly<Record<ProcessName, Readonly<Record<string, string>>>>>;
  readonly profile?: FaultProfile;
  /** Summed lag of the pipeline's groups at or under which the output counts as caught up. */
  readonly caughtUpLag?: number;
}

export interface StreamOptions {
  readonly events?: number;
  readonly rate?: number;
  readonly mix?: Partial<Omit<TransactionMix, 'events'>>;
  /** Called after each tenth of a second of traffic with the number sent so far (both entries). */
  readonly onProgress?: (sent: number, total: number) => Promise<void> | void;
  /** Concurrent POST /v1/decisions clients (each owns a set of cards, so a card's requests are sequential). */
  readonly decisionClients?: number;
}

export interface FaultReport {
  readonly scenario: string;
  readonly eventsIn: number;
  readonly validIn: number;
  readonly invalidIn: number;
  readonly viaDecisions: number;
  readonly scored: number;
  readonly dlq: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly unexpected: number;
  readonly dlqMissing: number;
  readonly dlqExtra: number;
  readonly outOfOrderCards: number;
  readonly splitCards: number;
  /** Duplicates of the intermediate topics (valid, enriched): exactly-once holds there too. */
  readonly intermediateDuplicates: number;
  readonly featureEntities: number;
  readonly featureMismatches: number;
  readonly featureExamples: readonly string[];
  readonly maxLag: number;
  readonly recoverySeconds: number;
  readonly faults: readonly string[];
  /** Each fault's recovery in seconds (NaN: never caught up), in the order the faults began. */
  readonly recoveries: readonly { readonly fault: string; readonly seconds: number }[];
  /** Decision requests that never got a 200 within their retry budget. */
  readonly decisionsUnanswered: number;
  /** The last outcome of each unanswered request, counted. */
  readonly decisionsUnansweredWhy: Readonly<Record<string, number>>;
  readonly seconds: number;
}

interface Member {
  readonly process: ProcessName;
  readonly name: string;
  readonly port: number;
  child: ChildService;
  readonly extra: Readonly<Record<string, string>>;
}

/** A registry with one trained champion (a small simulation trains in seconds). */
export async function trainedModel(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'rs-faults-'));
  const dir = join(root, 'registry');
  await trainModel(simulatedTrainingData({ seed: 11, simulation: simulate({ nCustomers: 600, nTerminals: 1200, nbDays: 30, seed: 11 }) }), {
    name: 'fraud',
    seed: 1,
    registry: await ModelRegistry.open(dir),
  });
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export class FaultHarness {
  readonly profile: FaultProfile;
  readonly kafka: Kafka;
  readonly names: TopicNames;
  readonly codec: TopicCodec;
  readonly namespace: string;
  readonly lag: LagMonitor;
  readonly #options: HarnessOptions;
  readonly #config: ConnectionConfig;
  readonly #redisPrefix: string;
  readonly #root: string;
  readonly #childEnv: Record<string, string>;
  readonly #members = new Map<string, Member>();
  /** Members removed (scale-in) whose exit close() still awaits. */
  readonly #retired: ChildService[] = [];
  readonly #groups: Record<'ingest' | 'features' | 'scoring' | 'decisions', LagGroup>;
  #inputs: FaultTransaction[] = [];
  #unanswered = 0;
  /** Once the stream is sent, every decision request must be answered within this: an API down for good costs one wait, not one per request. */
  #decisionsDeadline = Number.POSITIVE_INFINITY;
  readonly #unansweredWhy = new Map<string, number>();
  readonly #started = Date.now();

  readonly #privateRedis: PrivateRedis | undefined;

  private constructor(options: HarnessOptions, config: ConnectionConfig, kafka: Kafka, namespace: string, codec: TopicCodec, root: string, privateRedis?: PrivateRedis) {
    this.#options = options;
    this.#privateRedis = privateRedis;
    this.#config = config;
    this.profile = options.profile ?? faultProfile();
    this.kafka = kafka;
    this.namespace = namespace;
    this.names = topicNames(namespace);
    this.codec = codec;
    this.#root = root;
    this.#redisPrefix = `t-${uniqueId()}:`;
    const group = (purpose: string) => `${namespace}${purpose}-${uniqueId()}`;
    const ingestGroup = group('ingest');
    const relayGroup = group('relay');
    const session = String(options.sessionTimeoutMs ?? 6000);
    this.#childEnv = {
      KAFKA_BROKERS: config.kafkaBrokers.join(','),
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      TOPIC_NAMESPACE: namespace,
      LOG_LEVEL: 'info',
      CARD_TOKEN_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      CARD_TOKEN_ACTIVE_KEY: 'k1',
      INGEST_GROUP_ID: ingestGroup,
      INGEST_DEDUP_KEY_PREFIX: `${this.#redisPrefix}dedup:`,
      FEATURES_GROUP_ID: group('features'),
      FEATURE_KEY_PREFIX: `${this.#redisPrefix}f:`,
      SCORING_GROUP_ID: group('scoring'),
      DECISIONS_KEY_PREFIX: `${this.#redisPrefix}d:`,
      DECISIONS_RELAY_GROUP_ID: relayGroup,
      ARCHIVER_GROUP_ID: group('archiver'),
      DRIFT_GROUP_ID: group('drift'),
      MODEL_SOURCE: options.registryDir,
      MODEL_NAME: 'fraud',
      OFFLINE_STORE_DIR: join(root, 'offline'),
      ALERTMANAGER_BEARER_TOKENS: `fault:${randomBytes(24).toString('base64url')}`,
      ALERT_RECEIVER_REDIS_KEY_PREFIX: `${this.#redisPrefix}alerts:`,
      INGEST_SESSION_TIMEOUT_MS: session,
      FEATURES_SESSION_TIMEOUT_MS: session,
      SCORING_SESSION_TIMEOUT_MS: session,
      ARCHIVER_SESSION_TIMEOUT_MS: session,
      // The scenarios are about Kafka and process faults, not Redis latency: on a loaded 2-core machine
      // (load average 15-30) Redis calls took past the 200 ms production default, and the fail-closed
      // decision path answered 503 to every request (seen: 0 of 2,955 answered, readiness "Command timed out").
      // The stream compresses event time (0.8 s per event: at 1,500 events/s an event-time hour passes in
      // 3 s), so the production grace of 1 h is 3 s of wall time here: 16 concurrent decision clients drift
      // further apart than that, and their late events are (rightly) scored but not recorded, which no
      // offline recomputation of "every event once" can match (seen: 30,000 events without any fault,
      // 2,491/2,997 entities equal at the default 1 h, 2,997/2,997 at 10 days). Two days covers the run.
      FEATURE_ALLOWED_LATENESS_MS: String(2 * 86_400_000),
      DECISIONS_REDIS_TIMEOUT_MS: '5000',
      DECISIONS_RECORD_TIMEOUT_MS: '10000',
      ...options.env,
    };
    // Ingest and the relay prefix the namespace to their configured group; features and scoring do not.
    this.#groups = {
      ingest: { groupId: namespace + ingestGroup, topic: this.names.transactionsRaw },
      features: { groupId: this.#childEnv['FEATURES_GROUP_ID']!, topic: this.names.transactionsValid },
      scoring: { groupId: this.#childEnv['SCORING_GROUP_ID']!, topic: this.names.transactionsEnriched },
      decisions: { groupId: namespace + relayGroup, topic: this.names.transactionsDecisions },
    };
    const caughtUp = options.caughtUpLag ?? Math.max(200, Math.round(this.profile.rate / 2));
    this.lag = new LagMonitor(kafka, () => this.#pipelineGroups(), caughtUp);
  }

  static async open(options: HarnessOptions): Promise<FaultHarness> {
    const config = options.kafka ?? loadConfig(connectionSchema, process.env);
    // The harness's own client (lag polls, the stream) sees every outage it causes: its errors are expected.
    const logger = createLogger(`fault-${options.label}`, { level: 'fatal' });
    const kafka = createKafka(config, `fault-${options.label}`, logger);
    const namespace = `t-fault-${options.label}-${uniqueId()}.`;
    const names = topicNames(namespace);
    await ensureTopics(kafka, names, replicationSettings(config));
    const codec = new TopicCodec(createSchemaRegistryClient(config), names);
    await codec.register();
    const root = await mkdtemp(join(tmpdir(), `rs-fault-${options.label}-`));
    const privateRedis = options.redisUrl === undefined ? await startPrivateRedis() : undefined;
    const h = new FaultHarness({ ...options, redisUrl: options.redisUrl ?? privateRedis!.url }, config, kafka, namespace, codec, root, privateRedis);
    h.lag.start();
    return h;
  }

  get processes(): readonly ProcessName[] {
    return this.#options.processes ?? PIPELINE;
  }

  /** The environment every process gets (tests may read group ids and prefixes from it). */
  get childEnv(): Readonly<Record<string, string>> {
    return this.#childEnv;
  }

  #pipelineGroups(): LagGroup[] {
    const running = new Set([...this.#members.values()].map((m) => m.process));
    return (['ingest', 'features', 'scoring', 'decisions'] as const).filter((p) => running.has(p)).map((p) => this.#groups[p]);
  }

  members(process?: ProcessName): string[] {
    return [...this.#members.values()].filter((m) => process === undefined || m.process === process).map((m) => m.name);
  }

  member(name: string): ChildService {
    const m = this.#members.get(name);
    if (!m) throw new Error(`no member ${name}`);
    return m.child;
  }

  /** One member of every configured process, ready. */
  async startAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => this.startMember(p)));
  }

  /** A new member `<process>-<n>` (n the next free number), on a free port; resolves once ready. */
  async startMember(process: ProcessName, extra: Readonly<Record<string, string>> = {}, ready = true): Promise<string> {
    let n = 0;
    while (this.#members.has(`${process}-${n}`)) n++;
    const name = `${process}-${n}`;
    const port = await freePort();
    const m: Member = { process, name, port, extra, child: this.#spawn(process, name, port, extra) };
    this.#members.set(name, m);
    if (ready) await this.ready(name);
    return name;
  }

  #spawn(process: ProcessName, name: string, port: number, extra: Readonly<Record<string, string>>): ChildService {
    return startChild(PROCESS_ENTRIES[process], {
      ...this.#childEnv,
      ...this.#options.processEnv?.[process],
      ...(process === 'alert-receiver' ? { DRIFT_MONITOR_URL: this.#driftUrl() } : {}),
      ...extra,
      HTTP_PORT: String(port),
      INSTANCE_ID: name,
    });
  }

  #driftUrl(): string {
    const drift = [...this.#members.values()].find((m) => m.process === 'drift-monitor');
    return `http://127.0.0.1:${drift?.port ?? 1}`;
  }

  /** Waits for the member's /readyz (consumers: joined their group); fails fast if it exited. */
  async ready(name: string, timeoutMs = 120_000): Promise<void> {
    const m = this.#members.get(name)!;
    try {
      await waitFor(`${name} ready`, async () => {
        if (m.child.child.exitCode !== null) throw new Error(`${name} exited ${m.child.child.exitCode}`);
        return (await fetch(`http://127.0.0.1:${m.port}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => null))?.status === 200;
      }, timeoutMs, 250);
    } catch (err) {
      throw new Error(`${(err as Error).message}; its last output:\n${m.child.output().slice(-3000)}`, { cause: err });
    }
  }

  alive(name: string): boolean {
    const c = this.member(name).child;
    return c.exitCode === null && c.signalCode === null;
  }

  /** Sends a signal (default kill -9); resolves once a killing signal's process has exited. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = this.#members.get(name)!;
    if (!this.alive(name)) return;
    m.child.child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await m.child.exited();
  }

  /** A graceful stop (SIGTERM), waiting for the exit. */
  stop(name: string): Promise<void> {
    return this.kill(name, 'SIGTERM');
  }

  /** Starts a stopped or killed member again: same name, port and INSTANCE_ID; resolves once ready. */
  async restart(name: string, ready = true): Promise<void> {
    const m = this.#members.get(name)!;
    if (this.alive(name)) throw new Error(`${name} is still running`);
    m.child = this.#spawn(m.process, m.name, m.port, m.extra);
    if (ready) await this.ready(name);
  }

  /** Removes a member for good (a scale-in): SIGTERM, then it is forgotten. */
  async remove(name: string): Promise<void> {
    const m = this.#members.get(name)!;
    this.#members.delete(name);
    this.#retired.push(m.child);
    if (m.child.child.exitCode === null && m.child.child.signalCode === null) m.child.child.kill('SIGTERM');
    await m.child.exited();
  }

  /** Opens a fault window for the recovery measurement; call the result when the fault is cleared. */
  fault(name: string): () => void {
    return this.lag.fault(name);
  }

  #decisionsUrl(): string | undefined {
    const live = [...this.#members.values()].filter((m) => m.process === 'decisions' && this.alive(m.name));
    const m = live[Math.floor(Math.random() * live.length)];
    return m ? `http://127.0.0.1:${m.port}` : undefined;
  }

  /**
   * Streams the run's transactions at `rate`: Kafka ones produced in slices of a tenth of a second, each
   * decisions card's requests queued to the client owning the card. A request is retried (same body, so
   * the same transaction id) on a refused connection, a 429 or a 503, as a client of the API would, until
   * it gets its 200; a 400 or a 200 is final.
   */
  async stream(options: StreamOptions = {}): Promise<FaultTransaction[]> {
    const events = options.events ?? this.profile.events;
    const rate = options.rate ?? this.profile.rate;
    const hasDecisions = this.processes.includes('decisions');
    const mix: TransactionMix = { ...DEFAULT_MIX, ...(hasDecisions ? {} : { decisionsShare: 0 }), ...options.mix, events };
    const inputs = faultTransactions(`f${uniqueId()}`, mix);
    this.#inputs = inputs;
    const clients = options.decisionClients ?? 16;
    const queues = Array.from({ length: clients }, () => [] as FaultTransaction[]);
    const wake: Array<(() => void) | undefined> = new Array(clients);
    let producing = true;
    const workers = queues.map(async (q, w) => {
      for (;;) {
        const tx = q.shift();
        if (tx) {
          if (!(await this.#decide(tx))) this.#unanswered++;
          continue;
        }
        if (!producing) return;
        await new Promise<void>((r) => (wake[w] = r));
      }
    });
    const producer = createIdempotentProducer(this.kafka);
    await producer.connect();
    try {
      const slice = Math.max(1, Math.round(rate / 10));
      const started = Date.now();
      for (let i = 0; i < inputs.length; i += slice) {
        const batch = inputs.slice(i, i + slice);
        const records: OutputRecord[] = [];
        for (const tx of batch) {
          if (tx.entry === 'kafka') records.push({ topic: 'transactionsRaw', key: tx.cardNumber, value: Buffer.from(JSON.stringify(tx.value)) });
          else {
            const w = Number(BigInt(tx.cardNumber) % BigInt(clients));
            queues[w]!.push(tx);
            wake[w]?.();
          }
        }
        if (records.length > 0) await this.#sendRetrying(producer, records);
        await options.onProgress?.(i + batch.length, inputs.length);
        const due = started + ((i + slice) / rate) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
      }
    } finally {
      producing = false;
      this.#decisionsDeadline = Date.now() + (this.profile.name === 'full' ? 300_000 : 120_000);
      wake.forEach((r) => r?.());
      await producer.disconnect().catch(() => undefined);
    }
    await Promise.all(workers);
    return inputs;
  }

  /** A send that outlives a broker outage: the idempotent producer keeps order and drops resent duplicates. */
  async #sendRetrying(producer: ReturnType<typeof createIdempotentProducer>, records: OutputRecord[]): Promise<void> {
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        await sendRecords(producer, this.codec, records);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(500);
      }
    }
  }

  /**
   * One decision, retried as a careful client would: a refused or timed-out connection, 429, 500 and 503
   * promise nothing was decided (or that a retry with the same id gets the stored answer). The last
   * outcome of a request that never got its 200 is counted by status in the report.
   */
  async #decide(tx: FaultTransaction): Promise<boolean> {
    const deadline = Math.min(Date.now() + (this.profile.name === 'full' ? 180_000 : 90_000), this.#decisionsDeadline);
    let last = 'no live decisions member';
    while (Date.now() < deadline) {
      const url = this.#decisionsUrl();
      if (url) {
        const res = await fetch(`${url}/v1/decisions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(tx.value),
          signal: AbortSignal.timeout(20_000),
        }).catch((err: unknown) => (last = `fetch: ${(err as Error).name}`, undefined));
        const body = await res?.text().catch(() => '');
        if (res?.status === 200) return true;
        if (res) last = `${res.status} ${body?.slice(0, 120)}`;
        if (res && ![429, 500, 503].includes(res.status)) break;
      }
      await sleep(250);
    }
    this.#unansweredWhy.set(last, (this.#unansweredWhy.get(last) ?? 0) + 1);
    return false;
  }

  /**
   * Waits for the output (every valid input scored, every invalid one dead-lettered, or the timeout),
   * lets late duplicates arrive, then checks it and the Redis feature state. Reads are read_committed.
   */
  async verify(scenario: string, timeoutMs = this.profile.name === 'full' ? 600_000 : 180_000): Promise<FaultReport> {
    const inputs = this.#inputs;
    const valid = inputs.filter((t) => t.valid).length;
    const invalid = inputs.length - valid;
    // The four topics at once: each read waits for its count, then a settle time for late duplicates.
    const [scoredMsgs, dlqMsgs, validMsgs, enrichedMsgs] = await Promise.all([
      readTopic(this.kafka, this.names.transactionsScored, { count: valid, timeoutMs, settleMs: 5000 }),
      // With nothing invalid, a short read still catches a wrongly dead-lettered record.
      readTopic(this.kafka, this.names.transactionsDlq, { count: Math.max(invalid, 1), timeoutMs: invalid > 0 ? timeoutMs : 5000, settleMs: 3000 }),
      readTopic(this.kafka, this.names.transactionsValid, { count: valid, timeoutMs, settleMs: 3000 }),
      readTopic(this.kafka, this.names.transactionsEnriched, { count: valid, timeoutMs, settleMs: 3000 }),
    ]);
    const scored: OutputRecordRef[] = [];
    for (const m of scoredMsgs) {
      const v = (await this.codec.decode('transactionsScored', m.value)) as { transaction_id: string; card_token: string };
      scored.push({ id: v.transaction_id, cardToken: v.card_token, partition: m.partition });
    }
    const dlqIds = dlqMsgs.map((m) => String((JSON.parse(m.value!.toString('utf8')) as { transaction_id?: unknown }).transaction_id));
    let intermediateDuplicates = 0;
    for (const [topic, msgs] of [['transactionsValid', validMsgs], ['transactionsEnriched', enrichedMsgs]] as const) {
      const ids = new Set<string>();
      for (const m of msgs) ids.add(((await this.codec.decode(topic, m.value)) as { transaction_id: string }).transaction_id);
      intermediateDuplicates += msgs.length - ids.size;
    }
    await this.lag.settle(60_000);
    const delivery = checkScored(inputs, scored);
    const dlq = checkDlq(inputs, dlqIds);
    const tokens = new Map<string, string>();
    const byId = new Map(inputs.map((t) => [t.id, t]));
    for (const r of scored) {
      const tx = byId.get(r.id);
      if (tx) tokens.set(tx.cardNumber, r.cardToken);
    }
    const redis = createRedis(this.#redisConfig());
    let features;
    try {
      features = await checkFeatureState(redis, `${this.#redisPrefix}f:`, inputs, tokens);
    } finally {
      redis.disconnect();
    }
    return {
      scenario,
      eventsIn: inputs.length,
      validIn: valid,
      invalidIn: invalid,
      viaDecisions: inputs.filter((t) => t.entry === 'decisions').length,
      scored: delivery.scored,
      dlq: dlq.dlq,
      lost: delivery.lost,
      duplicates: delivery.duplicates,
      unexpected: delivery.unexpected,
      dlqMissing: dlq.missing,
      dlqExtra: dlq.extra,
      outOfOrderCards: delivery.outOfOrderCards,
      splitCards: delivery.splitCards,
      intermediateDuplicates,
      featureEntities: features.entities,
      featureMismatches: features.mismatched,
      featureExamples: features.examples,
      maxLag: this.lag.maxLag,
      recoverySeconds: this.lag.recoverySeconds,
      faults: this.lag.faults.map((f) => f.name),
      recoveries: this.lag.faults.map((f) => ({ fault: f.name, seconds: f.clearedAt !== undefined && f.recoveredAt !== undefined ? (f.recoveredAt - f.clearedAt) / 1000 : Number.NaN })),
      decisionsUnanswered: this.#unanswered,
      decisionsUnansweredWhy: Object.fromEntries(this.#unansweredWhy),
      seconds: (Date.now() - this.#started) / 1000,
    };
  }

  #redisConfig(): ConnectionConfig {
    return this.#options.redisUrl ? loadConfig(connectionSchema, { ...process.env, REDIS_URL: this.#options.redisUrl }) : this.#config;
  }

  /** A member's recent output, for a failure message. */
  logs(name: string, chars = 4000): string {
    return this.member(name).output().slice(-chars);
  }

  async close(): Promise<void> {
    await this.lag.stop();
    const logDir = process.env['FAULT_LOG_DIR'];
    if (logDir) {
      // Evidence for a failed run: every member's output, removed members included.
      await mkdir(logDir, { recursive: true });
      for (const m of this.#members.values()) await writeFile(join(logDir, `${this.#options.label}-${m.name}.log`), m.child.output());
      for (const [i, c] of this.#retired.entries()) await writeFile(join(logDir, `${this.#options.label}-retired-${i}.log`), c.output());
    }
    const children = [...[...this.#members.values()].map((m) => m.child), ...this.#retired];
    for (const c of children) {
      if (c.child.exitCode !== null || c.child.signalCode !== null) continue;
      c.child.kill('SIGCONT');
      c.child.kill('SIGTERM');
    }
    await Promise.all(
      children.map(async (c) => {
        const killer = setTimeout(() => c.child.kill('SIGKILL'), 20_000);
        await c.exited();
        clearTimeout(killer);
      }),
    );
    const redis = createRedis(this.#redisConfig());
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.#redisPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    const admin = this.kafka.admin();
    await admin.connect().catch(() => undefined);
    await admin.deleteTopics({ topics: Object.values(this.names), timeout: 30_000 }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await this.#privateRedis?.stop();
    await rm(this.#root, { recursive: true, force: true });
  }
}

export const TABLE_COLUMNS = ['scenario', 'events in', 'scored', 'DLQ', 'lost', 'duplicates', 'max lag', 'recovery s'] as const;

export function faultTable(reports: readonly FaultReport[]): string[] {
  const rows = reports.map((r) => [r.scenario, String(r.eventsIn), String(r.scored), String(r.dlq), String(r.lost), String(r.duplicates), String(r.maxLag), Number.isNaN(r.recoverySeconds) ? 'never' : r.recoverySeconds.toFixed(1)]);
  const all = [[...TABLE_COLUMNS], ...rows];
  const widths = TABLE_COLUMNS.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(all[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

/** The table as test diagnostics and on stdout, and each report's other checks as one diagnostic. */
export function printFaultTable(t: TestContext, reports: readonly FaultReport[]): void {
  for (const l of faultTable(reports)) {
    t.diagnostic(l);
    console.log(l);
  }
  for (const r of reports) {
    const extra = `${r.scenario}: ${r.validIn} valid + ${r.invalidIn} invalid in (${r.viaDecisions} via POST /v1/decisions, ${r.decisionsUnanswered} unanswered${r.decisionsUnanswered ? `: ${JSON.stringify(r.decisionsUnansweredWhy)}` : ''}); unexpected ${r.unexpected}; DLQ missing ${r.dlqMissing}, extra ${r.dlqExtra}; cards out of order ${r.outOfOrderCards}, on several partitions ${r.splitCards}; valid+enriched duplicates ${r.intermediateDuplicates}; feature state ${r.featureEntities - r.featureMismatches}/${r.featureEntities} entities equal the offline recomputation${r.featureExamples.length ? ` (${r.featureExamples.join('; ')})` : ''}; ${r.faults.length} faults, recovery s: ${r.recoveries.map((x) => `${x.fault} ${x.seconds.toFixed(1)}`).join(', ')}; ${r.seconds.toFixed(0)} s`;
    t.diagnostic(extra);
    console.log(extra);
  }
}

/** The suite's pass criteria: nothing lost or duplicated anywhere, order and feature state right. */
export function faultProblems(r: FaultReport): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => void (ok || problems.push(what));
  check(r.lost === 0, `${r.lost} valid inputs lost`);
  check(r.duplicates === 0, `${r.duplicates} duplicates on scored`);
  check(r.unexpected === 0, `${r.unexpected} unexpected scored records`);
  check(r.dlqMissing === 0 && r.dlqExtra === 0, `DLQ: ${r.dlqMissing} invalid inputs missing, ${r.dlqExtra} extra`);
  check(r.outOfOrderCards === 0, `${r.outOfOrderCards} cards out of order`);
  check(r.splitCards === 0, `${r.splitCards} cards on several partitions`);
  check(r.intermediateDuplicates === 0, `${r.intermediateDuplicates} duplicates on valid/enriched`);
  check(r.featureMismatches === 0, `${r.featureMismatches} feature entities differ from the offline recomputation: ${r.featureExamples.join('; ')}`);
  check(r.decisionsUnanswered === 0, `${r.decisionsUnanswered} decision requests never answered`);
  check(!Number.isNaN(r.recoverySeconds), 'a fault never recovered (lag never back under the caught-up level)');
  return problems;
}
