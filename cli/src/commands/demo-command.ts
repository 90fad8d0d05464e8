import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import {
  AppError,
  checkConnectionConfig,
  connectionSchema,
  createKafka,
  createLogger,
  createSchemaRegistryClient,
  field,
  loadConfig,
  TopicCodec,
  topicNames,
  TOPOLOGIES,
  UsageError,
  type Topology,
} from '@riskstream/shared';
import {
  ModelRegistry,
  RunStore,
  simulate,
  simulatedTrainingData,
  trainTracked,
  transactionAt,
  type SimulatedTransaction,
  type SimulationResult,
} from '@riskstream/training';
import { parseCommandArgs, type Command, type CommandIo } from '../command.ts';
import { createProgress } from '../progress-bar.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';
import { DEFAULT_TOPOLOGY, SERVICES } from '../services/service-processes.ts';
import { simulatedTraffic, type SimulatedTraffic } from '../simulated-traffic.ts';
import { produceTransactions } from '../transaction-producer.ts';
import { UI_PORT } from '../ui/ui-config.ts';
import { servicesCommand } from './services-command.ts';
import { runStackCommand } from './stack-command.ts';

/**
 * Warm-up transactions produced but not yet scored, at most: queueing time is this over the pipeline's
 * throughput (Little's law), which must stay well inside the scoring latency SLO (99% within 1 s).
 * Measured with all services on a 2-core machine: 4,000 in flight gave ~4,400/s and 31% of the warm-up
 * over 1 s, and ScoringLatencyBudgetSlowBurn fired for ~7 minutes after it.
 */
const WARMUP_IN_FLIGHT = 1500;

/** The first model's simulation, and so the traffic's population. */
const TRAINING_SEED = 1;

const USAGE = `Usage: riskstream demo [--rate N] [--days N] [--live-days N] [--warmup-days N] [--run N] [--topology fused|split] [--keep-running]

What \`npm start\` runs: brings the stack up, trains a first model from the simulator if the registry
has no champion, starts the services (riskstream services up: the pipeline, alert receiver, archiver
and trainer), warms the online feature store, starts the drift monitor, then streams simulated
transactions (and their fraud labels) into transactions.raw.v1 and shows a live summary (rates, lag,
decisions, latency percentiles, current model) until Ctrl-C, which stops the traffic, the services and
the stack.

The traffic is the first model's population: the same simulation (seed ${TRAINING_SEED}), continued past the
--days the model trained on. Warm-up: the feature windows reach 30 days back, and the terminal features
a further 7 days of label delay; streamed into a cold store they start near zero, which the drift
monitor rightly reports as drift against the training data. So the --warmup-days before the live days
go through the pipeline as fast as it takes them, before the drift monitor starts (from the end of its
topics); the live traffic is the --live-days after the training days, which the model has not seen.

Each run is its own traffic (--run, default a new number): transaction ids and terminal ids get a run
prefix and every customer a card number of its own, since ingest's duplicate check and the feature store
remember an earlier run's ids, cards and terminals for days.

Options:
  --rate N           live transactions per second (default 200)
  --topology T       fused or split (riskstream services up --help; default ${DEFAULT_TOPOLOGY})
  --days N           simulated days the first model trains on (default 60)
  --live-days N      simulated days of live traffic after those (default 60)
  --warmup-days N    days before the live ones streamed as fast as the pipeline scores them,
                     unmonitored (default 37; 0 = none)
  --run N            this run's number (default: a new one)
  --keep-running     on Ctrl-C stop only the traffic; leave services and stack up
  -h, --help         this help`;

/** The longest feature window (30 days) plus the terminal risk features' label delay (7 days). */
const DEFAULT_WARMUP_DAYS = 37;


interface Summary {
  scored: number;
  decisions: Record<string, number>;
  latencies: number[];
  versions: Record<string, number>;
  firstAt: number;
  readonly topology: Topology;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the end-to-end demo: stack, first model, services, live traffic and summary (npm start)',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      rate: { type: 'string' },
      topology: { type: 'string' },
      days: { type: 'string' },
      'live-days': { type: 'string' },
      'warmup-days': { type: 'string' },
      run: { type: 'string' },
      'keep-running': { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const int = (flag: string, v: string | undefined, def: number) => {
      if (v === undefined) return def;
      if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a non-negative integer, got "${v}"`);
      return Number(v);
    };
    const rate = int('--rate', values.rate, 200);
    const days = int('--days', values.days, 60);
    const liveDays = int('--live-days', values['live-days'], 60);
    const warmupDays = int('--warmup-days', values['warmup-days'], DEFAULT_WARMUP_DAYS);
    if (days < 21) throw new UsageError(`--days must be at least 21 (7 train + 7 delay + 7 test), got ${days}`);
    if (liveDays < 1) throw new UsageError('--live-days must be at least 1');
    if (warmupDays > days) throw new UsageError(`--warmup-days (${warmupDays}) cannot exceed --days (${days}): the warm-up is the days just before the live ones`);
    const run = int('--run', values.run, randomInt(1, 1_000_000_000));
    const say = (m: string) => io.stdout.write(`\n== ${m}\n`);
    // Ctrl-C: the traffic stops (produceTransactions), a wait stops, and the demo shuts down.
    let interrupted = false;
    const onSigint = () => (interrupted = true);
    process.on('SIGINT', onSigint);
    try {
      say('stack up');
      const up = await runStackCommand(['up'], io);
      if (up !== 0) return up;

      const registryDir = loadConfig(
        { dir: field.string({ env: 'MODEL_REGISTRY_DIR', description: 'model registry directory', default: join(REPO_ROOT, '.riskstream', 'registry') }) },
        io.env,
      ).dir;
      const registry = await ModelRegistry.open(resolve(registryDir));
      if ((await registry.aliases('fraud')).champion === undefined) {
        say(`no champion yet: training one on ${days} simulated days`);
        const store = await RunStore.open(resolve(registryDir));
        const { outcome } = await trainTracked(simulatedTrainingData({ days, seed: TRAINING_SEED }), { name: 'fraud', seed: 42, registry, progress: createProgress(io.stderr) }, { store, kind: 'train' });
        io.stdout.write(`\nmodel fraud v${outcome.version}: ROC AUC ${outcome.candidate.roc_auc?.toFixed(4)}, ${outcome.promoted ? 'champion' : 'not promoted'}\n`);
      }
      if (interrupted) {
        say('interrupted: stopping the stack');
        return runStackCommand(['down'], io);
      }
      const servicesIo = { ...io, env: { ...io.env, MODEL_REGISTRY_DIR: registryDir } };
      const topology = (values.topology ?? DEFAULT_TOPOLOGY) as Topology;
      if (!(TOPOLOGIES as readonly string[]).includes(topology)) throw new UsageError(`--topology must be one of ${TOPOLOGIES.join(', ')}, got "${topology}"`);
      const exceptMonitor = SERVICES.filter((s) => s.name !== DRIFT_MONITOR && (s.topology ?? topology) === topology).map((s) => s.name).join(',');

      say(`services up, ${topology} topology (the drift monitor starts after the warm-up)`);
      const svc = await servicesCommand.run(['up', '--topology', topology, '--only', exceptMonitor], servicesIo);
      if (svc !== 0) return svc;
      io.stdout.write(`\nweb UI (runs, models, experiment, lifecycle): http://127.0.0.1:${UI_PORT}/\n`);

      const config = loadConfig({ ...connectionSchema }, io.env, checkConnectionConfig);
      const names = topicNames(io.env['TOPIC_NAMESPACE'] ?? '');
      const kafka = createKafka(config, 'demo', createLogger('demo', { level: 'error' }));
      const admin = kafka.admin();
      await admin.connect();
      try {
        say(`simulating ${days + liveDays} days of seed ${TRAINING_SEED} (run ${run})`);
        const sim = simulate({ nbDays: days + liveDays, seed: TRAINING_SEED });
        const times = sim.transactions.eventTimeMs;
        const firstRowAt = (day: number) => {
          const at = sim.startTimeMs + day * 86_400_000;
          let i = 0;
          while (i < times.length && times[i]! < at) i++;
          return i;
        };
        const warmupFrom = firstRowAt(days - warmupDays);
        const liveFrom = firstRowAt(days);
        const warmupRows = liveFrom - warmupFrom;
        if (warmupRows > 0 && !interrupted) {
          say(`warm-up: ${warmupDays} simulated days (${warmupRows} transactions) as fast as the pipeline scores them`);
          const scoredBefore = await endOffsetSum(admin, names.transactionsScored);
          const warmup = simulatedTraffic(rowsOf(sim, warmupFrom, liveFrom), { run });
          // As fast as the pipeline scores, not faster: a queue would only add latency, and the scoring
          // latency SLO (99% within 1 s) would spend its error budget on the warm-up.
          const pace = async (sent: number) => {
            while (!interrupted && sent - ((await endOffsetSum(admin, names.transactionsScored)) - scoredBefore) > WARMUP_IN_FLIGHT) await sleep(50);
          };
          await produceTransactions(warmup.transactions, io, { rate: 0, total: warmupRows, quiet: false, format: 'json', labels: warmup.labelOf, pace });
          if (!interrupted) await waitForScored(admin, names.transactionsScored, scoredBefore, warmupRows, io, () => interrupted);
        }
        if (!interrupted) {
          say('drift monitor up (from the end of its topics: the warm-up is not monitored)');
          await skipToEnd(admin, io.env['DRIFT_GROUP_ID'] ?? 'riskstream-drift-monitor', [names.transactionsEnriched, names.transactionsScored, names.transactionsLabels], io);
          const monitor = await servicesCommand.run(['up', '--only', DRIFT_MONITOR], servicesIo);
          if (monitor !== 0) return monitor;
        }
        const codec = new TopicCodec(createSchemaRegistryClient(config), names);
        if (!interrupted) await streamLive(kafka, admin, codec, io, names, simulatedTraffic(rowsOf(sim, liveFrom, times.length), { run }), times.length - liveFrom, rate, liveDays, topology);
      } finally {
        await admin.disconnect();
      }
      if (values['keep-running']) {
        io.stdout.write('\ntraffic stopped; services and stack keep running (riskstream services down; riskstream stack down)\n');
        return 0;
      }
      say('stopping services and stack');
      await servicesCommand.run(['down'], io);
      return runStackCommand(['down'], io);
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

const DRIFT_MONITOR = 'drift-monitor';
type KafkaAdmin = ReturnType<ReturnType<typeof createKafka>['admin']>;

function* rowsOf(sim: SimulationResult, from: number, to: number): Generator<SimulatedTransaction, void, undefined> {
  for (let i = from; i < to; i++) yield transactionAt(sim, i);
}

async function endOffsetSum(admin: KafkaAdmin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + Number(o.high), 0);
}

/** Until `topic` holds `count` records past `from`; fails when it stops growing for a minute (a stuck pipeline). */
async function waitForScored(admin: KafkaAdmin, topic: string, from: number, count: number, io: CommandIo, stopped: () => boolean): Promise<void> {
  const target = from + count;
  const progress = createProgress(io.stderr);
  let last = -1;
  let lastMovedAt = Date.now();
  try {
    for (;;) {
      const n = await endOffsetSum(admin, topic);
      progress('warm-up scored', Math.min(n, target) - from, count);
      if (n >= target || stopped()) return;
      if (n !== last) {
        last = n;
        lastMovedAt = Date.now();
      } else if (Date.now() - lastMovedAt > 60_000) {
        throw new AppError('STACK_FAILED', `the warm-up stopped at ${n} of ${target} scored records for a minute: see riskstream services status and riskstream logs`);
      }
      await sleep(500);
    }
  } finally {
    progress.finish();
  }
}

/**
 * Moves `groupId`'s committed offsets on `topics` to their ends, so a monitor that starts next begins
 * there. A group with live members (a monitor left running by --keep-running) keeps its offsets.
 */
async function skipToEnd(admin: KafkaAdmin, groupId: string, topics: readonly string[], io: CommandIo): Promise<void> {
  try {
    for (const topic of topics) await admin.resetOffsets({ groupId, topic, earliest: false });
  } catch (err) {
    io.stderr.write(`demo: could not move ${groupId} to the end of its topics (${err instanceof Error ? err.message : String(err)}); the drift monitor resumes where it was\n`);
  }
}

async function streamLive(
  kafka: ReturnType<typeof createKafka>,
  admin: KafkaAdmin,
  codec: TopicCodec,
  io: CommandIo,
  names: ReturnType<typeof topicNames>,
  traffic: SimulatedTraffic,
  total: number,
  rate: number,
  days: number,
  topology: Topology,
): Promise<void> {
  const summary: Summary = { scored: 0, decisions: {}, latencies: [], versions: {}, firstAt: 0, topology };
  // When each transaction was handed to the producer: raw -> scored as a consumer of the scored topic sees it.
  const sentAt = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `riskstream-demo-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic: names.transactionsScored, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const receivedAt = Date.now();
      const v = (await codec.decode('transactionsScored', message.value)) as { transaction_id: string; decision: string; model_version: number };
      summary.scored++;
      summary.firstAt ||= Date.now();
      summary.decisions[v.decision] = (summary.decisions[v.decision] ?? 0) + 1;
      summary.versions[`v${v.model_version}`] = (summary.versions[`v${v.model_version}`] ?? 0) + 1;
      const sent = sentAt.get(v.transaction_id);
      sentAt.delete(v.transaction_id);
      if (sent !== undefined) summary.latencies.push(receivedAt - sent);
      if (summary.latencies.length > 20000) summary.latencies.splice(0, 10000);
    },
  });
  io.stdout.write(`\n== streaming ${days} simulated days (${total} transactions and their labels) at ${rate}/s (Ctrl-C to stop)\n`);
  const ticker = setInterval(() => void printSummary(io, summary, admin, names).catch(() => undefined), 2000);
  try {
    const onSend = (ids: readonly string[], at: number) => {
      for (const id of ids) sentAt.set(id, at);
      // Never scored ones (refused by ingest) would pile up; the oldest go first.
      if (sentAt.size > 200_000) for (const id of [...sentAt.keys()].slice(0, 100_000)) sentAt.delete(id);
    };
    await produceTransactions(traffic.transactions, { ...io, stderr: devNull() }, { rate, total, quiet: true, format: 'json', labels: traffic.labelOf, onSend });
  } finally {
    clearInterval(ticker);
    await printSummary(io, summary, admin, names).catch(() => undefined);
    await consumer.disconnect();
  }
}

function devNull(): NodeJS.WritableStream {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function printSummary(io: CommandIo, s: Summary, admin: ReturnType<ReturnType<typeof createKafka>['admin']>, names: ReturnType<typeof topicNames>): Promise<void> {
  const lat = [...s.latencies].sort((a, b) => a - b);
  const elapsed = s.firstAt ? (Date.now() - s.firstAt) / 1000 : 0;
  const lag: string[] = [];
  // The services' default consumer groups (INGEST_GROUP_ID, FEATURES_GROUP_ID, SCORING_GROUP_ID); the
  // fused members are in ingest's group.
  const stages: ReadonlyArray<readonly [string, string, string]> =
    s.topology === 'fused'
      ? [['fused', 'riskstream-ingest', names.transactionsRaw]]
      : [
          ['ingest', 'riskstream-ingest', names.transactionsRaw],
          ['features', 'riskstream-features', names.transactionsValid],
          ['scoring', 'riskstream-scoring', names.transactionsEnriched],
        ];
  for (const [stage, group, topic] of stages) {
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      const committed = new Map((offsets?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
      lag.push(`${stage} ${ends.reduce((sum, e) => sum + Number(e.high) - (committed.get(e.partition) ?? 0), 0)}`);
    } catch {
      lag.push(`${stage} ?`);
    }
  }
  const lines = [
    `scored ${s.scored} (${elapsed > 0 ? (s.scored / elapsed).toFixed(0) : 0}/s)  decisions ${JSON.stringify(s.decisions)}  models ${JSON.stringify(s.versions)}`,
    `latency raw->scored (${s.topology}, as a consumer sees it) ms p50 ${percentile(lat, 0.5).toFixed(1)} p95 ${percentile(lat, 0.95).toFixed(1)} p99 ${percentile(lat, 0.99).toFixed(1)}  lag ${lag.join(', ')}`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
}
