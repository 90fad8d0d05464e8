import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import {
  checkConnectionConfig,
  connectionSchema,
  createKafka,
  createLogger,
  createSchemaRegistryClient,
  field,
  loadConfig,
  TopicCodec,
  topicNames,
} from '@riskstream/shared';
import { ModelRegistry, simulate, simulatedTrainingData, trainModel, transactionsInOrder } from '@riskstream/training';
import { parseCommandArgs, type Command, type CommandIo } from '../command.ts';
import { createProgress } from '../progress-bar.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';
import { produceTransactions } from '../transaction-producer.ts';
import { servicesCommand } from './services-command.ts';
import { runStackCommand } from './stack-command.ts';

const USAGE = `Usage: riskstream demo [--rate N] [--days N] [--keep-running]

What \`npm start\` runs: brings the stack up, trains a first model from the simulator if the registry
has no champion, starts every service (riskstream services up: the pipeline, drift monitor, alert
receiver, archiver and trainer), streams simulated transactions into transactions.raw.v1 and shows a
live summary (rates, lag, decisions, latency
percentiles, current model) until Ctrl-C, which stops the traffic, the services and the stack.

Options:
  --rate N         transactions per second (default 200)
  --days N         simulated days to stream and to train the first model on (default 60)
  --keep-running   on Ctrl-C stop only the traffic; leave services and stack up
  -h, --help       this help`;

interface Summary {
  scored: number;
  decisions: Record<string, number>;
  latencies: number[];
  versions: Record<string, number>;
  firstAt: number;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the end-to-end demo: stack, first model, services, live traffic and summary (npm start)',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { rate: { type: 'string' }, days: { type: 'string' }, 'keep-running': { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const rate = Number(values.rate ?? 200);
    const days = Number(values.days ?? 60);
    const say = (m: string) => io.stdout.write(`\n== ${m}\n`);

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
      const outcome = await trainModel(simulatedTrainingData({ days, seed: 1 }), { name: 'fraud', seed: 42, registry, progress: createProgress(io.stderr) });
      io.stdout.write(`\nmodel fraud v${outcome.version}: ROC AUC ${outcome.candidate.roc_auc?.toFixed(4)}, ${outcome.promoted ? 'champion' : 'not promoted'}\n`);
    }

    say('services up');
    const svc = await servicesCommand.run(['up'], { ...io, env: { ...io.env, MODEL_REGISTRY_DIR: registryDir } });
    if (svc !== 0) return svc;

    say(`streaming simulated transactions at ${rate}/s (Ctrl-C to stop)`);
    const config = loadConfig({ ...connectionSchema }, io.env, checkConnectionConfig);
    const names = topicNames(io.env['TOPIC_NAMESPACE'] ?? '');
    const kafka = createKafka(config, 'demo', createLogger('demo', { level: 'error' }));
    const codec = new TopicCodec(createSchemaRegistryClient(config), names);
    const summary: Summary = { scored: 0, decisions: {}, latencies: [], versions: {}, firstAt: 0 };
    const consumer = kafka.consumer({ groupId: `riskstream-demo-${randomBytes(4).toString('hex')}` });
    await consumer.connect();
    await consumer.subscribe({ topic: names.transactionsScored, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const v = (await codec.decode('transactionsScored', message.value)) as { decision: string; latency_ms: number; model_version: number };
        summary.scored++;
        summary.firstAt ||= Date.now();
        summary.decisions[v.decision] = (summary.decisions[v.decision] ?? 0) + 1;
        summary.versions[`v${v.model_version}`] = (summary.versions[`v${v.model_version}`] ?? 0) + 1;
        summary.latencies.push(v.latency_ms);
        if (summary.latencies.length > 20000) summary.latencies.splice(0, 10000);
      },
    });
    const admin = kafka.admin();
    await admin.connect();
    const ticker = setInterval(() => void printSummary(io, summary, admin, names).catch(() => undefined), 2000);

    const sim = simulate({ nbDays: days, seed: 2 });
    const traffic = (function* () {
      for (const { is_fraud: _f, fraud_scenario: _s, ...tx } of transactionsInOrder(sim)) yield tx;
    })();
    await produceTransactions(traffic, { ...io, stderr: devNull() }, { rate, total: sim.transactions.length, quiet: true, format: 'json' });

    clearInterval(ticker);
    await printSummary(io, summary, admin, names);
    await consumer.disconnect();
    await admin.disconnect();
    if (values['keep-running']) {
      io.stdout.write('\ntraffic stopped; services and stack keep running (riskstream services down; riskstream stack down)\n');
      return 0;
    }
    say('stopping services and stack');
    await servicesCommand.run(['down'], io);
    return runStackCommand(['down'], io);
  },
};

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
  // The services' default consumer groups (INGEST_GROUP_ID, FEATURES_GROUP_ID, SCORING_GROUP_ID).
  for (const [stage, group, topic] of [
    ['ingest', 'riskstream-ingest', names.transactionsRaw],
    ['features', 'riskstream-features', names.transactionsValid],
    ['scoring', 'riskstream-scoring', names.transactionsEnriched],
  ] as const) {
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
    `latency ingest->scored ms p50 ${percentile(lat, 0.5).toFixed(1)} p95 ${percentile(lat, 0.95).toFixed(1)} p99 ${percentile(lat, 0.99).toFixed(1)}  lag ${lag.join(', ')}`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
}
