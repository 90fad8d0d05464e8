/**
 * `npm run bench -- decisions` (issue 12, "Speed"): POST /v1/decisions of the decisions process against
 * its floor, a bare HTTP server doing one Redis call of the same apply-events script and one onnxruntime
 * run at batch 1 (floor-server.ts), both measured in the same run by a load generator in this process
 * (neither server's):
 *
 *  - at a fixed rate (default 1,000 requests/s for 30 s), open loop (paced-load.ts): p50/p90/p99/max
 *    from each request's due time, non-2xx answers and errors;
 *  - at the most it answers (saturation-load.ts): autocannon unthrottled with a fixed number of
 *    connections (default 64, the decisions process's default batch) for 15 s; the rate is its 2xx
 *    answers per second, reported with the errors and non-2xx answers it took.
 *
 * The machine is shared (2 cores: the servers, Kafka, Redis, this generator and whatever else runs), so
 * both servers are measured in every round, alternating which goes first, phase by phase; a ratio is the
 * median of the per-round ratios, whose two sides ran seconds apart, with their spread. After a decisions
 * phase the next phase waits until its relay has copied every outbox record (so that work is charged to
 * the decisions phase, not to the floor's). Each phase also reports CPU per request of the server, Kafka,
 * Redis and the generator, what the rest of the machine used, and for the decisions process its own
 * metrics (batch size, request and Kafka acknowledgement durations).
 *
 *   node bench/decisions/decisions-bench.ts [--source DIR|URL] [--model NAME] [--rounds 3] [--rate 1000]
 *        [--seconds 30] [--max-seconds 15] [--connections 64] [--cpu-prof-dir DIR] [--decisions-env KEY=VALUE ...]
 *
 * The model is the registry's champion (the bench registry `npm run bench` trains for the scoring bench).
 * Every request carries a new transaction_id over a simulation's cards and terminals (transaction-feed.ts).
 * Topics and Redis keys are the run's own and are deleted at the end. Prints one JSON object; progress
 * goes to stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { max, median, min } from 'simple-statistics';
import { connectionSchema, createRedis, loadConfig } from '@riskstream/shared';
import { createModelSource } from '@riskstream/shared/model';
import { simulate } from '@riskstream/training';
import { freePort, ROOT, waitFor } from '../../test/support/child-service.ts';
import { uniqueId } from '../../test/support/integration.ts';
import { deleteRedisKeys } from '../../test/support/redis-keys.ts';
import { decisionsEnv } from '../../test/services/decisions/decisions-support.ts';
import { processCpuSeconds, stackPid } from '../pipeline/process-cpu.ts';
import { pacedLoad, type PacedLoadResult } from './paced-load.ts';
import { saturationLoad, type SaturationResult } from './saturation-load.ts';
import { histogramDelta, scrape, total, type Scrape } from './server-metrics.ts';
import { TransactionFeed } from './transaction-feed.ts';

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: process.env['MODEL_SOURCE'] ?? '.riskstream/bench-registry' },
    model: { type: 'string', default: 'fraud' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '30' },
    'max-seconds': { type: 'string', default: '15' },
    connections: { type: 'string', default: '64' },
    /** Profiles both servers (node --cpu-prof) into this directory: where the time goes. */
    'cpu-prof-dir': { type: 'string' },
    /** KEY=VALUE added to the decisions process's environment (e.g. COMMIT_INTERVAL_MS=100), repeatable. */
    'decisions-env': { type: 'string', multiple: true, default: [] },
  },
});
const ROUNDS = Number(values.rounds);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const MAX_SECONDS = Number(values['max-seconds']);
const CONNECTIONS = Number(values.connections);
const PROFILE_ENV: Record<string, string> = values['cpu-prof-dir'] ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${resolve(values['cpu-prof-dir'])}` } : {};
const DECISIONS_ENV: Record<string, string> = Object.fromEntries(values['decisions-env']!.map((kv) => {
  const eq = kv.indexOf('=');
  if (eq < 1) throw new Error(`--decisions-env ${kv}: expected KEY=VALUE`);
  return [kv.slice(0, eq), kv.slice(eq + 1)];
}));
const PATH = '/v1/decisions';
/** Enough sockets that the generator never queues a request at the fixed rate unless a server stalls. */
const PACED_SOCKETS = 256;
const REQUEST_TIMEOUT_MS = 10_000;
const SETTLE_MS = 2_000;
/**
 * A round is quiet when, in each of its two phases, what none of the servers, Kafka, Redis and the
 * generator used stayed under this many cores: beyond it other sessions' work sets both servers' tails
 * and a ratio compares interference with interference.
 */
const QUIET_REST_CORES = 0.25;
const RELAY_DRAIN_TIMEOUT_MS = 120_000;
/** Cards, terminals and days of the simulated input: ~290k transactions, more than a default run sends a server. */
const SIMULATION = { nCustomers: 5_000, nTerminals: 10_000, nbDays: 30, seed: 12 } as const;

const log = (line: string): void => void process.stderr.write(`[decisions-bench] ${line}\n`);
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

const registryDir = /^https?:/.test(values.source!) ? values.source! : resolve(ROOT, values.source!);
const modelSource = createModelSource(registryDir);
const version = await modelSource.resolve(values.model!, 'champion');
if (version === undefined) {
  log(`no champion for ${values.model} in ${registryDir}; train one first (riskstream train --simulated --registry ${values.source})`);
  process.exit(2);
}

const runId = uniqueId();
log(`simulating ${SIMULATION.nCustomers} cards, ${SIMULATION.nTerminals} terminals, ${SIMULATION.nbDays} days`);
const sim = simulate(SIMULATION);

// ---------------------------------------------------------------------------------------------------
// The two servers

type ServerName = 'floor' | 'decisions';

interface Server {
  readonly name: ServerName;
  readonly url: string;
  readonly pid: number;
  readonly feed: TransactionFeed;
  /** Waits until the server has finished the work a phase left it (the decisions relay); ms waited. */
  settle(): Promise<number>;
}

/** Floor processes started, with their exits, for the cleanup. */
const floorChildren: Array<{ readonly child: ChildProcess; readonly exited: Promise<unknown> }> = [];

async function startFloor(keyPrefix: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'bench/decisions/floor-server.ts'), '--port', String(port), '--key-prefix', keyPrefix, '--source', registryDir, '--model', values.model!], {
    cwd: ROOT,
    env: { ...process.env, ...PROFILE_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  floorChildren.push({ child, exited: once(child, 'exit') });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor('floor ready', async () => {
    if (child.exitCode !== null) throw new Error(`floor exited ${child.exitCode}:\n${out}`);
    return (await fetch(`${url}/readyz`).catch(() => null))?.status === 200;
  }, 60_000, 250);
  return { name: 'floor', url, pid: child.pid!, feed: new TransactionFeed(sim, `bench-floor-${runId}-`), settle: async () => 0 };
}

/** Until the relay has copied as many outbox records as the process has answered decisions. */
async function relayDrained(url: string): Promise<number> {
  const started = performance.now();
  await waitFor('decisions relay drained', async () => {
    const s = await scrape(url);
    return total(s, 'decisions_relayed_total') >= total(s, 'decisions_answers_total');
  }, RELAY_DRAIN_TIMEOUT_MS, 250);
  return Math.round(performance.now() - started);
}

// ---------------------------------------------------------------------------------------------------
// Meters of a phase: CPU by process, the rest of the machine, the decisions process's own metrics

const kafkaPid = stackPid('kafka');
const cpuRedis = createRedis(loadConfig(connectionSchema, process.env));
await cpuRedis.connect();

async function redisCpuSeconds(): Promise<number> {
  const info = await cpuRedis.info('cpu');
  return Number(/used_cpu_user:([0-9.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([0-9.]+)/.exec(info)?.[1]);
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineCpuSeconds(): { busy: number; all: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const all = fields.slice(0, 8).reduce((s, v) => s + v, 0);
  const idle = fields[3]! + fields[4]!;
  return { busy: (all - idle) / 100, all: all / 100 };
}

interface Meters {
  readonly at: number;
  readonly server: number;
  readonly kafka: number;
  readonly redis: number;
  readonly generator: number;
  readonly machineBusy: number;
  readonly metrics: Scrape | undefined;
}

async function meters(server: Server): Promise<Meters> {
  const gen = process.cpuUsage();
  return {
    at: performance.now(),
    server: processCpuSeconds(server.pid) ?? NaN,
    kafka: kafkaPid === undefined ? NaN : processCpuSeconds(kafkaPid) ?? NaN,
    redis: await redisCpuSeconds(),
    generator: (gen.user + gen.system) / 1e6,
    machineBusy: machineCpuSeconds().busy,
    metrics: server.name === 'decisions' ? await scrape(server.url) : undefined,
  };
}

interface PhaseCost {
  /** CPU microseconds per 2xx answer, by process, from the phase's start to the end of its settling. */
  readonly cpuUsPerRequest: { readonly server: number; readonly kafka: number; readonly redis: number; readonly generator: number };
  /** Cores busy on the machine on average, and the part none of the above used (other sessions' work). */
  readonly machineCores: { readonly busy: number; readonly rest: number };
  readonly loadAvg1m: number;
  readonly settleMs: number;
  readonly decisionsMetrics?: {
    readonly batchSize: ReturnType<typeof histogramDelta>;
    readonly requestDurationMs: ReturnType<typeof histogramDelta>;
    readonly recordDurationMs: ReturnType<typeof histogramDelta>;
  };
}

function phaseCost(before: Meters, after: Meters, answered: number, settleMs: number): PhaseCost {
  const wall = (after.at - before.at) / 1000;
  const per = (k: 'server' | 'kafka' | 'redis' | 'generator'): number => Math.round(((after[k] - before[k]) / answered) * 1e7) / 10;
  const used = (['server', 'kafka', 'redis', 'generator'] as const).reduce((s, k) => s + (after[k] - before[k]), 0);
  const busy = after.machineBusy - before.machineBusy;
  return {
    cpuUsPerRequest: { server: per('server'), kafka: per('kafka'), redis: per('redis'), generator: per('generator') },
    machineCores: { busy: round3(busy / wall), rest: round3(Math.max(0, busy - used) / wall) },
    loadAvg1m: round3(loadavg()[0]!),
    settleMs,
    ...(before.metrics && after.metrics
      ? {
        decisionsMetrics: {
          batchSize: histogramDelta(before.metrics, after.metrics, 'decisions_batch_size_requests'),
          requestDurationMs: histogramDelta(before.metrics, after.metrics, 'decisions_request_duration_seconds', 1000),
          recordDurationMs: histogramDelta(before.metrics, after.metrics, 'decisions_record_duration_seconds', 1000),
        },
      }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// Phases

type FixedPhase = PacedLoadResult & PhaseCost;
type MaxPhase = SaturationResult & PhaseCost;

async function fixedRate(server: Server, rate: number, seconds: number): Promise<FixedPhase> {
  const before = await meters(server);
  const r = await pacedLoad({ url: server.url, path: PATH, rate, seconds, body: () => server.feed.next(), maxSockets: PACED_SOCKETS, timeoutMs: REQUEST_TIMEOUT_MS });
  const settleMs = await server.settle();
  return { ...r, ...phaseCost(before, await meters(server), r.ok, settleMs) };
}

async function maxRate(server: Server, seconds: number): Promise<MaxPhase> {
  const before = await meters(server);
  const r = await saturationLoad({ url: server.url, path: PATH, connections: CONNECTIONS, seconds, body: () => server.feed.next(), timeoutSeconds: REQUEST_TIMEOUT_MS / 1000 });
  const settleMs = await server.settle();
  return { ...r, ...phaseCost(before, await meters(server), r.ok, settleMs) };
}

// ---------------------------------------------------------------------------------------------------
// The run

const floorPrefix = `bench-decisions-${runId}:floor:`;
const dEnv = await decisionsEnv('bench-decisions', registryDir);
let cleaning: Promise<void> | undefined;
/** Stops both servers and deletes the run's topics and keys; once, from the end of the run or a signal. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const { child, exited } of floorChildren) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    }
    await deleteRedisKeys(floorPrefix);
    await dEnv.stop();
    cpuRedis.disconnect();
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the servers, deleting the run's topics and keys`);
    void cleanup().finally(() => process.exit(1));
  });
}
const loadAtStart = round3(loadavg()[0]!);
try {
  log(`starting the floor and a decisions process (namespace ${dEnv.env.namespace}, model ${values.model}@${version} from ${registryDir})`);
  const floorServer = await startFloor(floorPrefix);
  const started = await dEnv.start({ ...DECISIONS_ENV, ...PROFILE_ENV });
  const decisions: Server = {
    name: 'decisions',
    url: started.url,
    pid: started.child.child.pid!,
    feed: new TransactionFeed(sim, `bench-decisions-${runId}-`),
    settle: () => relayDrained(started.url),
  };
  const servers = { floor: floorServer, decisions };

  for (const s of [floorServer, decisions]) {
    log(`warming up ${s.name}`);
    const warm = await pacedLoad({ url: s.url, path: PATH, rate: 200, seconds: 5, body: () => s.feed.next(), maxSockets: PACED_SOCKETS, timeoutMs: REQUEST_TIMEOUT_MS });
    if (warm.ok !== warm.sent) throw new Error(`${s.name} warm-up: ${warm.non2xx} non-2xx answers, ${warm.errors} errors of ${warm.sent}`);
    await saturationLoad({ url: s.url, path: PATH, connections: CONNECTIONS, seconds: 3, body: () => s.feed.next(), timeoutSeconds: REQUEST_TIMEOUT_MS / 1000 });
    await s.settle();
  }

  const fixed: Record<ServerName, FixedPhase[]> = { floor: [], decisions: [] };
  const most: Record<ServerName, MaxPhase[]> = { floor: [], decisions: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order: ServerName[] = r % 2 === 0 ? ['floor', 'decisions'] : ['decisions', 'floor'];
    for (const name of order) {
      await sleep(SETTLE_MS);
      log(`round ${r + 1}/${ROUNDS}: ${name} at ${RATE}/s for ${SECONDS} s`);
      const p = await fixedRate(servers[name], RATE, SECONDS);
      log(`  p50 ${p.latencyMs.p50} p99 ${p.latencyMs.p99} max ${p.latencyMs.max} ms (generator lag p99 ${p.sendLagMs.p99} ms), ${p.achievedRate}/s, statuses ${JSON.stringify(p.statuses)}, errors ${JSON.stringify(p.errorCodes)}, rest of machine ${p.machineCores.rest} cores`);
      fixed[name].push(p);
    }
    for (const name of order) {
      await sleep(SETTLE_MS);
      log(`round ${r + 1}/${ROUNDS}: ${name} unthrottled, ${CONNECTIONS} connections for ${MAX_SECONDS} s`);
      const p = await maxRate(servers[name], MAX_SECONDS);
      log(`  ${p.rate}/s, p99 ${p.latencyMs.p99} ms, statuses ${JSON.stringify(p.statuses)}, errors ${p.errors}, relay drained in ${p.settleMs} ms, rest of machine ${p.machineCores.rest} cores`);
      most[name].push(p);
    }
  }

  const perRound = (f: (r: number) => number): number[] => Array.from({ length: ROUNDS }, (_, r) => round3(f(r)));
  const spread = (xs: readonly number[]): { min: number; median: number; max: number } => ({ min: round3(min(xs)), median: round3(median(xs)), max: round3(max(xs)) });
  const p99Ratios = perRound((r) => fixed.decisions[r]!.latencyMs.p99 / fixed.floor[r]!.latencyMs.p99);
  const rateRatios = perRound((r) => most.decisions[r]!.rate / most.floor[r]!.rate);
  const cpuMedians = (phases: readonly PhaseCost[]) => ({
    server: round3(median(phases.map((p) => p.cpuUsPerRequest.server))),
    kafka: round3(median(phases.map((p) => p.cpuUsPerRequest.kafka))),
    redis: round3(median(phases.map((p) => p.cpuUsPerRequest.redis))),
    generator: round3(median(phases.map((p) => p.cpuUsPerRequest.generator))),
  });
  const summary = (name: ServerName) => ({
    [`at${RATE}`]: {
      p50Ms: spread(fixed[name].map((p) => p.latencyMs.p50)),
      p90Ms: spread(fixed[name].map((p) => p.latencyMs.p90)),
      p99Ms: spread(fixed[name].map((p) => p.latencyMs.p99)),
      maxMs: spread(fixed[name].map((p) => p.latencyMs.max)),
      non2xx: fixed[name].reduce((s, p) => s + p.non2xx, 0),
      errors: fixed[name].reduce((s, p) => s + p.errors, 0),
      cpuUsPerRequest: cpuMedians(fixed[name]),
      rounds: fixed[name],
    },
    maxRate: {
      rate: spread(most[name].map((p) => p.rate)),
      p99Ms: spread(most[name].map((p) => p.latencyMs.p99)),
      non2xx: most[name].reduce((s, p) => s + p.non2xx, 0),
      errors: most[name].reduce((s, p) => s + p.errors + p.timeouts, 0),
      cpuUsPerRequest: cpuMedians(most[name]),
      rounds: most[name],
    },
  });
  const rest = [...fixed.floor, ...fixed.decisions, ...most.floor, ...most.decisions].map((p) => p.machineCores.rest);
  const restAt = perRound((r) => Math.max(fixed.floor[r]!.machineCores.rest, fixed.decisions[r]!.machineCores.rest));
  const restMax = perRound((r) => Math.max(most.floor[r]!.machineCores.rest, most.decisions[r]!.machineCores.rest));
  const quietMedian = (ratios: readonly number[], restPerRound: readonly number[]): { rounds: number; median: number } | null => {
    const quiet = ratios.filter((_, r) => restPerRound[r]! <= QUIET_REST_CORES);
    return quiet.length > 0 ? { rounds: quiet.length, median: round3(median(quiet)) } : null;
  };
  const result = {
    model: { name: values.model, version, source: values.source },
    settings: { rate: RATE, seconds: SECONDS, maxSeconds: MAX_SECONDS, connections: CONNECTIONS, rounds: ROUNDS },
    decisionsEnv: DECISIONS_ENV,
    method: {
      [`at${RATE}`]: `open loop, ${RATE} requests/s for ${SECONDS} s, each request due at a fixed time and timed from it (coordinated-omission free), ${PACED_SOCKETS} keep-alive sockets at most; 2xx latencies`,
      maxRate: `autocannon, unthrottled, ${CONNECTIONS} connections (closed loop) for ${MAX_SECONDS} s; rate = 2xx answers per second, sustained only with 0 errors and 0 non-2xx`,
      rounds: `${ROUNDS} rounds, both servers in each, alternating which goes first; a ratio is the median of the per-round ratios`,
      floor: 'node:http, JSON body, one FeatureStore.applyEvents (apply-events Lua) call for the event, features from its pre-state, onnxruntime session.run at batch 1 on model.onnx',
      input: `simulated transactions (${SIMULATION.nCustomers} cards, ${SIMULATION.nTerminals} terminals, ${SIMULATION.nbDays} days, seed ${SIMULATION.seed}) in event-time order, each with a new transaction_id`,
    },
    p99VsFloorAt1000: round3(median(p99Ratios)),
    p99VsFloorAt1000PerRound: p99Ratios,
    maxRateVsFloor: round3(median(rateRatios)),
    maxRateVsFloorPerRound: rateRatios,
    quality: {
      /** Per round, the most either of its two phases saw the rest of the machine use (cores). */
      restOfMachineCoresPerRound: { [`at${RATE}`]: restAt, maxRate: restMax },
      quietRestCores: QUIET_REST_CORES,
      disturbed: median(rest) > QUIET_REST_CORES,
      // The same ratios over the quiet rounds only (null when none was): information, not the target.
      p99VsFloorAt1000QuietRounds: quietMedian(p99Ratios, restAt),
      maxRateVsFloorQuietRounds: quietMedian(rateRatios, restMax),
    },
    decisions: summary('decisions'),
    floor: summary('floor'),
    requestsSent: { floor: floorServer.feed.count, decisions: decisions.feed.count },
    machine: {
      cpus: cpus().length,
      loadAvg1m: { start: loadAtStart, end: round3(loadavg()[0]!) },
      note:
        `${cpus().length} cores shared by both servers, Kafka, Redis, this load generator and other sessions' processes; ` +
        `what neither the server under test, Kafka, Redis nor the generator used during the phases: ${round3(min(rest))}-${round3(max(rest))} cores (median ${round3(median(rest))}). ` +
        'Absolute latencies move with that; the ratios compare phases run seconds apart' +
        (median(rest) > QUIET_REST_CORES ? `, but with more than ${QUIET_REST_CORES} cores taken by others (disturbed run) both tails are mostly interference and a ratio says little.` : '.'),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const warnings = started.child.output().split('\n').filter((l) => /"level":(40|50|60)/.test(l));
  if (warnings.length > 0) log(`decisions process: ${warnings.length} warnings or errors logged, the last:\n${warnings.slice(-5).join('\n')}`);
} finally {
  await cleanup();
}
