/**
 * `npm run soak -- --minutes N`: the pipeline at a steady 80 % of its maximum for a long time, and
 * whether it holds: lag bounded, heap and RSS growth under 5 % after warm-up, p99 stable, nothing lost
 * or duplicated (soak-verdicts.ts). --help for the options; soak-options.ts says what each does.
 * Needs the stack (riskstream stack up). Progress on stderr, one JSON object on stdout, the same JSON in
 * bench/results/soak-<date>.json; exit 1 when a verdict fails.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { max, median, quantileSorted } from 'simple-statistics';
import { connectionSchema, createRedis, loadConfig } from '@riskstream/shared';
import { ROOT, waitFor } from '../../test/support/child-service.ts';
import { integrationEnv, uniqueId } from '../../test/support/integration.ts';
import { Teardown } from '../latency/process-teardown.ts';
import { ensureBenchModel } from '../latency/riskstream-cli.ts';
import { stackPid } from '../pipeline/process-cpu.ts';
import { startScoredReader, type ScoredReader } from './scored-reader.ts';
import { consumerLag, machineBusySeconds, ownCpuSeconds, processMemory } from './soak-meters.ts';
import { LOAD_SHARE, parseSoakOptions, SoakUsageError, USAGE, type SoakOptions } from './soak-options.ts';
import { startSoakPipeline, type SoakPipeline } from './soak-pipeline.ts';
import { deliveryVerdict, lagVerdict, memoryVerdict, p99Verdict, SOAK_LIMITS } from './soak-verdicts.ts';
import { openSteadyLoad, type SteadyLoad } from './steady-load.ts';

const log = (m: string) => process.stderr.write(`soak: ${m}\n`);
/** Cores the rest of the machine may use on average before the run counts as disturbed (as the decisions bench). */
const QUIET_REST_CORES = 0.25;
/** Samples per p99 window judged: the first and last minute at the default 10 s. */
const WINDOW_SAMPLES = 6;
/**
 * Samples per memory window: the first and last 3 minutes. A heap sawtooths between collections (30 to
 * 100 MiB at 4,000 events/s) and a sample catches it anywhere, so the floor needs many samples to be found.
 */
const MEMORY_WINDOW_SAMPLES = 18;
const DRAIN_TIMEOUT_MS = 300_000;
/** After the last record, how long the reader keeps listening for duplicates. */
const DUPLICATE_SETTLE_MS = 5000;

function readOptions(): SoakOptions {
  try {
    const options = parseSoakOptions(process.argv.slice(2));
    if (options) return options;
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } catch (err) {
    if (!(err instanceof SoakUsageError) && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw err;
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
}

interface Sample {
  readonly atSeconds: number;
  readonly warmup: boolean;
  readonly sentPerSecond: number;
  readonly scoredPerSecond: number;
  readonly consumerLag: number;
  /** Sent and acknowledged but not yet read scored. */
  readonly inFlight: number;
  readonly latencyMs: { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number };
  readonly processes: Record<string, { readonly heapUsedBytes: number; readonly rssBytes: number }>;
  /** Cores busy on the machine that neither the soak's processes, Kafka nor Redis used (other sessions). */
  readonly restCores: number;
  /** Cores this process used: the load generator and the reader (decoding every scored record). */
  readonly soakProcessCores: number;
  readonly loadAvg1m: number;
}

/** The probe's maximum: scored records per second between the 10th and 90th percentile of its arrivals. */
function probeRate(arrivals: readonly number[]): number {
  const lo = Math.floor(arrivals.length * 0.1);
  const hi = Math.floor(arrivals.length * 0.9);
  return (hi - lo) / Math.max(0.001, (arrivals[hi]! - arrivals[lo]!) / 1000);
}

async function waitScored(reader: ScoredReader, load: SteadyLoad, what: string): Promise<void> {
  await waitFor(what, () => reader.distinct() >= load.acknowledged(), DRAIN_TIMEOUT_MS, 250);
}

interface MaxRate {
  readonly max: number;
  readonly source: string;
  /** Cores the rest of the machine used during the probe: a maximum probed while others were busy is low. */
  readonly restOfMachineCores?: number;
}

async function maxRate(options: SoakOptions, reader: ScoredReader, load: SteadyLoad, ownPids: () => readonly number[], redisCpu: () => Promise<number>): Promise<MaxRate> {
  if (options.max !== undefined) return { max: options.max, source: '--max' };
  log(`max-rate probe: a backlog of ${options.probeEvents} transactions, drained as fast as the pipeline can`);
  const started = reader.distinct();
  const before = { at: performance.now(), busy: machineBusySeconds(), own: ownCpuSeconds(ownPids()), redis: await redisCpu() };
  await load.backlog(options.probeEvents);
  await waitScored(reader, load, 'the probe backlog scored');
  const wall = (performance.now() - before.at) / 1000;
  const used = ownCpuSeconds(ownPids()) - before.own + (await redisCpu()) - before.redis;
  const restOfMachineCores = round3(Math.max(0, machineBusySeconds() - before.busy - used) / wall);
  const rate = probeRate(reader.arrivalsSince(started));
  log(`max-rate probe: ${Math.round(rate)} events/s (others used ${restOfMachineCores} cores meanwhile)`);
  return { max: rate, source: `probe: ${options.probeEvents} records backlog, 10th-90th percentile of arrivals`, restOfMachineCores };
}

interface Meter {
  sample(atSeconds: number, warmup: boolean): Promise<Sample>;
}

function meter(pipeline: SoakPipeline, reader: ScoredReader, load: SteadyLoad, admin: Parameters<typeof consumerLag>[0], redisCpu: () => Promise<number>, pids: readonly number[]): Meter {
  const selfCpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let last = { at: performance.now(), sent: load.acknowledged(), scored: reader.distinct(), busy: machineBusySeconds(), own: ownCpuSeconds(pids), self: selfCpu(), redis: Number.NaN };
  void redisCpu().then((r) => (last = { ...last, redis: r }));
  return {
    async sample(atSeconds, warmup) {
      const window = reader.takeWindow().sort((a, b) => a - b);
      const now = { at: performance.now(), sent: load.acknowledged(), scored: reader.distinct(), busy: machineBusySeconds(), own: ownCpuSeconds(pids), self: selfCpu(), redis: await redisCpu() };
      const wall = (now.at - last.at) / 1000;
      const used = now.own - last.own + (Number.isFinite(last.redis) ? now.redis - last.redis : 0);
      const processes: Sample['processes'] = {};
      for (const p of pipeline.processes) processes[p.name] = await processMemory(p.port, p.pid);
      const sample: Sample = {
        atSeconds: Math.round(atSeconds),
        warmup,
        sentPerSecond: Math.round((now.sent - last.sent) / wall),
        scoredPerSecond: Math.round((now.scored - last.scored) / wall),
        consumerLag: await consumerLag(admin, pipeline.groups),
        inFlight: now.sent - now.scored,
        latencyMs: window.length > 0
          ? { count: window.length, p50: quantileSorted(window, 0.5), p99: quantileSorted(window, 0.99), max: max(window) }
          : { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN },
        processes,
        restCores: round3(Math.max(0, now.busy - last.busy - used) / wall),
        soakProcessCores: round3((now.self - last.self) / wall),
        loadAvg1m: round3(loadavg()[0]!),
      };
      last = now;
      return sample;
    },
  };
}

function progressLine(s: Sample): string {
  const mem = Object.entries(s.processes).map(([n, m]) => `${n} heap ${mib(m.heapUsedBytes)} rss ${mib(m.rssBytes)} MiB`).join(', ');
  return `${s.warmup ? 'warm-up ' : ''}t=${s.atSeconds}s sent ${s.sentPerSecond}/s scored ${s.scoredPerSecond}/s lag ${s.consumerLag} in-flight ${s.inFlight} ` +
    `p50 ${s.latencyMs.p50} p99 ${Math.round(s.latencyMs.p99)} ms (${s.latencyMs.count}) ${mem}; soak process ${s.soakProcessCores}, others ${s.restCores} cores`;
}

async function soak(options: SoakOptions, teardown: Teardown): Promise<{ result: Record<string, unknown>; pass: boolean }> {
  await ensureBenchModel(log);
  const env = await integrationEnv('soak');
  teardown.add('delete the soak topics', () => env.cleanup());
  const keyPrefix = `soak-${uniqueId()}:`;
  log(`starting the ${options.topology} pipeline on namespace ${env.namespace}`);
  const pipeline = await startSoakPipeline(env, options.topology, keyPrefix);
  teardown.add('stop the pipeline and delete its Redis keys', () => pipeline.stop());
  const load = await openSteadyLoad(env.kafka, env.names.transactionsRaw);
  teardown.add('disconnect the load generator', () => load.close());
  const reader = await startScoredReader(env.kafka, env.codec, env.names.transactionsScored, load.idPrefix);
  teardown.add('stop the reader', () => reader.stop());
  const admin = env.kafka.admin();
  await admin.connect();
  teardown.add('disconnect the admin client', () => admin.disconnect());
  const redis = createRedis(loadConfig(connectionSchema, process.env));
  teardown.add('disconnect Redis', async () => void redis.disconnect());
  const redisCpu = async () => {
    const info = await redis.info('cpu');
    return Number(/used_cpu_user:([0-9.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([0-9.]+)/.exec(info)?.[1]);
  };

  const kafkaPid = stackPid('kafka');
  const ownPids = () => [...pipeline.processes.map((p) => p.pid), ...(kafkaPid !== undefined ? [kafkaPid] : [])];
  const probe = await maxRate(options, reader, load, ownPids, redisCpu);
  const measuredMax = probe.max;
  reader.arrivalsSince(0);
  const rate = options.rate ?? Math.max(1, Math.round(measuredMax * LOAD_SHARE));
  log(`steady load: ${rate} events/s for ${options.minutes} min (warm-up ${options.warmupMinutes} min), a sample every ${options.sampleSeconds} s`);

  reader.takeWindow();
  const m = meter(pipeline, reader, load, admin, redisCpu, ownPids());
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  let sendFailure: unknown;
  const sending = load.paced(rate).catch((err: unknown) => void (sendFailure = err));
  const samples: Sample[] = [];
  const endMs = options.minutes * 60_000;
  while (performance.now() - t0 < endMs && !teardown.stopping) {
    await sleep(Math.min(options.sampleSeconds * 1000, Math.max(0, t0 + (samples.length + 1) * options.sampleSeconds * 1000 - performance.now())));
    const at = (performance.now() - t0) / 1000;
    const s = await m.sample(at, at <= options.warmupMinutes * 60);
    samples.push(s);
    log(progressLine(s));
    if (sendFailure !== undefined) throw sendFailure;
    const exited = pipeline.exited();
    if (exited.length > 0) throw new Error(`pipeline processes exited during the soak: ${exited.join(', ')}`);
  }
  load.stop();
  await sending;
  if (sendFailure !== undefined) throw sendFailure;
  log(`load stopped after ${load.acknowledged()} transactions; waiting for the pipeline to score them all`);
  await waitScored(reader, load, 'every sent transaction scored').catch((err: unknown) => log(`${(err as Error).message}: counting what arrived`));
  await sleep(DUPLICATE_SETTLE_MS);

  const measured = samples.filter((s) => !s.warmup);
  const t1 = measured[0]?.atSeconds ?? 0;
  const verdicts = {
    lag: lagVerdict(measured.map((s) => ({ atSeconds: s.atSeconds - t1, lag: s.consumerLag })), rate),
    memory: memoryVerdict(
      pipeline.processes.map((p) => ({
        process: p.name,
        heapBytes: measured.map((s) => s.processes[p.name]!.heapUsedBytes).filter(Number.isFinite),
        rssBytes: measured.map((s) => s.processes[p.name]!.rssBytes).filter(Number.isFinite),
      })),
      MEMORY_WINDOW_SAMPLES,
    ),
    p99: p99Verdict(measured.map((s) => s.latencyMs.p99), WINDOW_SAMPLES),
    delivery: deliveryVerdict(load.acknowledged(), reader.distinct(), reader.duplicates()),
  };
  const pass = Object.values(verdicts).every((v) => v.pass);
  const rest = samples.map((s) => s.restCores);
  const latencies = measured.map((s) => s.latencyMs.p99).filter(Number.isFinite);
  const result = {
    createdAt: startedAt,
    settings: { ...options, rate, loadShare: LOAD_SHARE, windowSamples: WINDOW_SAMPLES, memoryWindowSamples: MEMORY_WINDOW_SAMPLES, limits: SOAK_LIMITS },
    maxRate: { eventsPerSecond: Math.round(measuredMax), source: probe.source, ...(probe.restOfMachineCores !== undefined ? { restOfMachineCores: probe.restOfMachineCores } : {}) },
    pass,
    verdicts,
    summary: {
      sent: load.acknowledged(),
      scoredDistinct: reader.distinct(),
      duplicates: reader.duplicates(),
      foreignRecords: reader.foreign(),
      measuredSamples: measured.length,
      achievedSendRate: measured.length > 0 ? Math.round(median(measured.map((s) => s.sentPerSecond))) : NaN,
      maxConsumerLag: measured.length > 0 ? max(measured.map((s) => s.consumerLag)) : NaN,
      p50MsMedian: measured.length > 0 ? median(measured.map((s) => s.latencyMs.p50).filter(Number.isFinite)) : NaN,
      p99Ms: latencies.length > 0 ? { min: Math.min(...latencies), median: median(latencies), max: max(latencies) } : null,
    },
    quality: {
      restOfMachineCores: rest.length > 0 ? { min: Math.min(...rest), median: round3(median(rest)), max: max(rest) } : null,
      quietRestCores: QUIET_REST_CORES,
      disturbed: rest.length > 0 && median(rest) > QUIET_REST_CORES,
      note: `${cpus().length} cores shared by the pipeline, Kafka, Redis, this generator/reader and other sessions' processes; restOfMachineCores is what none of those used.`,
    },
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    samples,
  };
  return { result, pass };
}

function mib(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(1) : '?';
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

const options = readOptions();
const teardown = new Teardown(log);
teardown.onSignals();
let exitCode = 1;
try {
  const { result, pass } = await soak(options, teardown);
  const file = join(ROOT, 'bench', 'results', `soak-${String(result['createdAt']).slice(0, 16).replace(':', '')}Z.json`);
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const v = result['verdicts'] as Record<string, { pass: boolean; why: string }>;
  for (const [name, verdict] of Object.entries(v)) log(`${verdict.pass ? 'PASS' : 'FAIL'} ${name}: ${verdict.why}`);
  log(`results in ${file}`);
  exitCode = pass ? 0 : 1;
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await teardown.runAll();
}
process.exit(exitCode);
