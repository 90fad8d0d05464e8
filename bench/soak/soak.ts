/**
 * `npm run soak -- --minutes N`: the pipeline at a steady 80 % of its maximum for a long time, and
 * whether it holds: lag bounded, heap and RSS growth under 5 % after warm-up, p99 stable, nothing lost
 * or duplicated (soak-verdicts.ts). --help for the options; soak-options.ts says what each does.
 * Needs the stack (riskstream stack up). Progress on stderr, one JSON object on stdout, the same JSON in
 * bench/results/soak-<date>.json; exit 1 when a verdict fails.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { Redis } from 'ioredis';
import { ROOT, waitFor } from '../../test/support/child-service.ts';
import { integrationEnv, uniqueId } from '../../test/support/integration.ts';
import { startPrivateRedis } from '../../test/support/redis-server.ts';
import { Teardown } from '../latency/process-teardown.ts';
import { ensureBenchModel } from '../latency/riskstream-cli.ts';
import { stackPid } from '../pipeline/process-cpu.ts';
import { searchLiveMaxRate, type LiveLoad } from './live-max-rate.ts';
import { startScoredReader, type ScoredReader } from './scored-reader.ts';
import { machineBusySeconds, ownCpuSeconds } from './soak-meters.ts';
import { LOAD_SHARE, parseSoakOptions, SoakUsageError, USAGE, type SoakOptions } from './soak-options.ts';
import { startSoakPipeline, type SoakPipeline } from './soak-pipeline.ts';
import { HEAP_AFTER_GC_EVERY_SECONDS, soakReport, type MaxRate } from './soak-report.ts';
import { progressLine, round3, startSampler, type Sample } from './soak-sampler.ts';
import { openSteadyLoad, type SteadyLoad } from './steady-load.ts';

const log = (m: string) => process.stderr.write(`soak: ${m}\n`);
/** The probe's backlog must be scored within this long. */
const DRAIN_TIMEOUT_MS = 300_000;
/** After the load stops, the pipeline drains what lags for as long as it makes progress: this long without any is a stall. */
const DRAIN_STALL_MS = 60_000;
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

/** Everything a soak runs on; each part registered with the teardown as it starts. */
interface Rig {
  readonly pipeline: SoakPipeline;
  readonly load: SteadyLoad;
  readonly reader: ScoredReader;
  readonly admin: Admin;
  readonly redisCpu: () => Promise<number>;
  readonly redisMemory: () => Promise<number>;
  /** The processes whose CPU is the soak's own: the pipeline's and Kafka's. */
  readonly pids: readonly number[];
}

async function startRig(options: SoakOptions, teardown: Teardown): Promise<Rig> {
  await ensureBenchModel(log);
  const env = await integrationEnv('soak');
  teardown.add('delete the soak topics', () => env.cleanup());
  // A redis-server of its own: ingest's duplicate check and the feature store keep about two keys per
  // transaction for a day or a week, 6.7M keys (2.4 GB) after 30 minutes at 3,400/s, and on the stack's
  // shared Redis those slowed every other session's SCANs for as long as they lasted.
  const redisServer = await startPrivateRedis();
  teardown.add('stop the soak\'s redis-server', () => redisServer.stop());
  log(`starting the ${options.topology} pipeline on namespace ${env.namespace}, Redis ${redisServer.url}`);
  const pipeline = await startSoakPipeline(env, options.topology, redisServer.url, `soak-${uniqueId()}:`);
  teardown.add('stop the pipeline', () => pipeline.stop());
  const load = await openSteadyLoad(env.kafka, env.names.transactionsRaw);
  teardown.add('disconnect the load generator', () => load.close());
  const reader = await startScoredReader(env.kafka, env.codec, env.names.transactionsScored, load.idPrefix);
  teardown.add('stop the reader', () => reader.stop());
  const admin = env.kafka.admin();
  await admin.connect();
  teardown.add('disconnect the admin client', () => admin.disconnect());
  const redis = new Redis(redisServer.url);
  teardown.add('disconnect Redis', async () => void redis.disconnect());
  const redisCpu = async () => {
    const info = await redis.info('cpu');
    return Number(/used_cpu_user:([0-9.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([0-9.]+)/.exec(info)?.[1]);
  };
  const redisMemory = async () => Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
  const kafkaPid = stackPid('kafka');
  const pids = [...pipeline.processes.map((p) => p.pid), ...(kafkaPid !== undefined ? [kafkaPid] : [])];
  return { pipeline, load, reader, admin, redisCpu, redisMemory, pids };
}

async function waitScored(rig: Rig, what: string): Promise<void> {
  await waitFor(what, () => rig.reader.distinct() >= rig.load.acknowledged(), DRAIN_TIMEOUT_MS, 250);
}

/**
 * Waits until every sent transaction is scored, however long a lagging pipeline takes, as long as it
 * makes progress; returns how long it took and whether it stalled (then the unscored count as lost).
 */
async function drain(rig: Rig): Promise<{ seconds: number; stalled: boolean }> {
  const t0 = performance.now();
  let progressAt = t0;
  let seen = rig.reader.distinct();
  while (rig.reader.distinct() < rig.load.acknowledged()) {
    await sleep(250);
    if (rig.reader.distinct() > seen) {
      seen = rig.reader.distinct();
      progressAt = performance.now();
    } else if (performance.now() - progressAt > DRAIN_STALL_MS) {
      return { seconds: Math.round((performance.now() - t0) / 1000), stalled: true };
    }
  }
  return { seconds: Math.round((performance.now() - t0) / 1000), stalled: false };
}

/** The probe's maximum: scored records per second between the 10th and 90th percentile of its arrivals. */
function probeRate(arrivals: readonly number[]): number {
  const lo = Math.floor(arrivals.length * 0.1);
  const hi = Math.floor(arrivals.length * 0.9);
  return (hi - lo) / Math.max(0.001, (arrivals[hi]! - arrivals[lo]!) / 1000);
}

/** The backlog probe: the upper bound of the live search, and the JIT's warm-up. */
async function backlogRate(options: SoakOptions, rig: Rig): Promise<{ rate: number; restOfMachineCores: number }> {
  log(`backlog probe: ${options.probeEvents} transactions at once, drained as fast as the pipeline can (the live search's upper bound)`);
  const started = rig.reader.distinct();
  const before = { at: performance.now(), busy: machineBusySeconds(), own: ownCpuSeconds(rig.pids), redis: await rig.redisCpu() };
  await rig.load.backlog(options.probeEvents);
  await waitScored(rig, 'the probe backlog scored');
  const wall = (performance.now() - before.at) / 1000;
  const used = ownCpuSeconds(rig.pids) - before.own + (await rig.redisCpu()) - before.redis;
  const restOfMachineCores = round3(Math.max(0, machineBusySeconds() - before.busy - used) / wall);
  const rate = probeRate(rig.reader.arrivalsSince(started));
  log(`backlog probe: ${Math.round(rate)} events/s (others used ${restOfMachineCores} cores meanwhile)`);
  return { rate, restOfMachineCores };
}

async function maxRate(options: SoakOptions, rig: Rig): Promise<MaxRate> {
  if (options.max !== undefined) return { max: options.max, source: '--max' };
  if (options.rate !== undefined) return { max: Number.NaN, source: 'not probed: --rate given' };
  const backlog = await backlogRate(options, rig);
  const live: LiveLoad = {
    sent: () => rig.load.acknowledged(),
    scored: () => rig.reader.distinct(),
    pace: (rate) => {
      const running = rig.load.paced(rate);
      return async () => {
        rig.load.stop();
        await running;
      };
    },
  };
  const search = await searchLiveMaxRate(live, backlog.rate, options.searchSteps, options.stepSeconds, log);
  if (!Number.isFinite(search.max)) throw new Error(`no live rate was kept up with (tried ${search.steps.map((s) => s.rate).join(', ')}/s): nothing to soak at`);
  log(`measured maximum: ${search.max} events/s live`);
  return {
    max: search.max,
    source: `live search: ${search.steps.length} steps of ${options.stepSeconds} s below the backlog probe's ${Math.round(backlog.rate)}/s (${options.probeEvents} records)`,
    restOfMachineCores: backlog.restOfMachineCores,
    steps: search.steps,
  };
}

/** `rate` events/s for --minutes, a sample every --sample-seconds; stops early on a failed send or a dead process. */
async function steadyRun(options: SoakOptions, rig: Rig, rate: number, teardown: Teardown): Promise<Sample[]> {
  rig.reader.arrivalsSince(0);
  rig.reader.takeWindow();
  const sampler = startSampler({ ...rig }, Math.max(1, Math.round(HEAP_AFTER_GC_EVERY_SECONDS / options.sampleSeconds)));
  const t0 = performance.now();
  let sendFailure: unknown;
  const sending = rig.load.paced(rate).catch((err: unknown) => void (sendFailure = err));
  const samples: Sample[] = [];
  const everyMs = options.sampleSeconds * 1000;
  while (performance.now() - t0 < options.minutes * 60_000 && !teardown.stopping) {
    await sleep(Math.min(everyMs, Math.max(0, t0 + (samples.length + 1) * everyMs - performance.now())));
    const at = (performance.now() - t0) / 1000;
    const s = await sampler.sample(at, at <= options.warmupMinutes * 60);
    samples.push(s);
    log(progressLine(s));
    if (sendFailure !== undefined) throw sendFailure;
    const exited = rig.pipeline.exited();
    if (exited.length > 0) throw new Error(`pipeline processes exited during the soak: ${exited.join(', ')}`);
  }
  rig.load.stop();
  await sending;
  if (sendFailure !== undefined) throw sendFailure;
  return samples;
}

/** What the pipeline's processes logged at warn or above (LOG_LEVEL is warn): the last few lines each. */
function logChildWarnings(rig: Rig): void {
  for (const p of rig.pipeline.processes) {
    const lines = p.child.output().split('\n').filter((l) => /"level":(40|50|60)/.test(l));
    if (lines.length > 0) log(`${p.name}: ${lines.length} warnings or errors logged, the last:\n${lines.slice(-5).join('\n')}`);
  }
}

async function soak(options: SoakOptions, teardown: Teardown): Promise<ReturnType<typeof soakReport>> {
  const rig = await startRig(options, teardown);
  const probe = await maxRate(options, rig);
  const rate = options.rate ?? Math.max(1, Math.round(probe.max * LOAD_SHARE));
  log(`steady load: ${rate} events/s for ${options.minutes} min (warm-up ${options.warmupMinutes} min), a sample every ${options.sampleSeconds} s`);
  const startedAt = new Date().toISOString();
  const samples = await steadyRun(options, rig, rate, teardown).finally(() => logChildWarnings(rig));
  log(`load stopped after ${rig.load.acknowledged()} transactions; waiting for the pipeline to score them all`);
  const drained = await drain(rig);
  log(drained.stalled ? `no scored record for ${DRAIN_STALL_MS / 1000} s: counting what arrived` : `drained in ${drained.seconds} s`);
  await sleep(DUPLICATE_SETTLE_MS);
  return soakReport({
    startedAt,
    options,
    rate,
    probe,
    processes: rig.pipeline.processes.map((p) => p.name),
    samples,
    delivery: { sent: rig.load.acknowledged(), distinct: rig.reader.distinct(), duplicates: rig.reader.duplicates(), foreign: rig.reader.foreign(), drainSeconds: drained.seconds },
  });
}

async function writeResult(result: ReturnType<typeof soakReport>): Promise<void> {
  const file = join(ROOT, 'bench', 'results', `soak-${result.createdAt.slice(0, 16).replace(':', '')}Z.json`);
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  for (const [name, verdict] of Object.entries(result.verdicts)) log(`${verdict.pass ? 'PASS' : 'FAIL'} ${name}: ${verdict.why}`);
  log(`results in ${file}`);
}

const options = readOptions();
const teardown = new Teardown(log);
teardown.onSignals();
let exitCode = 1;
try {
  const result = await soak(options, teardown);
  await writeResult(result);
  exitCode = result.pass ? 0 : 1;
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await teardown.runAll();
}
process.exit(exitCode);
