/**
 * End-to-end latency on this machine, side by side in one run, with one load generator and one reader:
 *  - riskstream as `npm start` runs it (every service, started by `riskstream services up`), for each
 *    topology `services up` offers among --topology;
 *  - the reference: today's transport doing no work, three kafkajs pass-through relays with
 *    per-partition transactions (bench/pipeline/passthrough-relay.ts);
 *  - Kafka Streams exactly-once-v2, the same three hops, at commit.interval.ms 100 and 10.
 * Per system and offered rate: latency (reader's arrival - generator's send, matched by transaction id)
 * p50/p95/p99/max pooled over --repeats with their spread, achieved send rate, read, missing and
 * duplicate records, CPU microseconds per event of the broker, Redis and each process of the system; and
 * the sustained rate on a backlog produced while the system was stopped. Then the ratios the issue binds
 * (latency-report.ts), each with its target and verdict. Needs the stack (riskstream stack up).
 * Prints one JSON object on stdout; --help for the options.
 */
import type { Redis } from 'ioredis';
import { connectionSchema, createKafka, createLogger, createRedis, loadConfig } from '@riskstream/shared';
import { stackPid, type CpuSource } from '../pipeline/process-cpu.ts';
import { kafkaStreamsSystem } from './kafka-streams-system.ts';
import { bindingRatios } from './latency-report.ts';
import { LatencyUsageError, parseLatencyOptions, USAGE, type LatencyOptions } from './latency-options.ts';
import { measureSystem, type MeasureDeps, type SystemFigures } from './measure-system.ts';
import { Teardown } from './process-teardown.ts';
import { referenceSystem } from './reference-system.ts';
import { ensureBenchModel, offeredTopologies } from './riskstream-cli.ts';
import { riskstreamSystem, type RiskstreamPlan } from './riskstream-system.ts';
import type { SystemUnderTest } from './system-under-test.ts';

const log = (m: string) => process.stderr.write(`latency-bench: ${m}\n`);

function readOptions(): LatencyOptions {
  try {
    const options = parseLatencyOptions(process.argv.slice(2));
    if (options) return options;
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } catch (err) {
    if (!(err instanceof LatencyUsageError) && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw err;
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
}

/** Why `services up` cannot run a topology, or undefined when it can. */
function skipReason(topology: string, offered: readonly string[] | undefined): string | undefined {
  if (offered === undefined) return topology === 'split' ? undefined : 'services up has no --topology option (its one topology is split)';
  return offered.length > 0 && !offered.includes(topology) ? `services up --topology offers ${offered.join(', ')}` : undefined;
}

/** The topologies to run, and why any asked for is not run. */
async function riskstreamPlans(requested: readonly string[]): Promise<{ plans: RiskstreamPlan[]; skipped: Record<string, string> }> {
  const offered = await offeredTopologies();
  const skipped: Record<string, string> = {};
  const plans: RiskstreamPlan[] = [];
  for (const topology of requested) {
    const why = skipReason(topology, offered);
    if (why === undefined) plans.push({ topology, topologyFlag: offered !== undefined });
    else skipped[topology] = why;
  }
  return { plans, skipped };
}

type SystemFactory = () => Promise<SystemUnderTest>;

function systemFactories(options: LatencyOptions, plans: readonly RiskstreamPlan[], redis: Redis): SystemFactory[] {
  return [
    ...plans.map((p): SystemFactory => () => riskstreamSystem(p, redis, log)),
    ...(options.reference ? [referenceSystem] : []),
    ...options.streamsCommitMs.map((ms): SystemFactory => () => kafkaStreamsSystem(ms)),
  ];
}

/** One system, started, measured, stopped and deleted; a failure carries what its processes logged. */
async function measureOne(sut: SystemUnderTest, deps: MeasureDeps): Promise<SystemFigures> {
  const dispose = deps.teardown.add(`${sut.name}: stop and delete its topics`, () => sut.dispose());
  try {
    return await measureSystem(sut, deps);
  } catch (err) {
    const diagnosis = await sut.diagnose?.().catch(() => undefined);
    throw new Error(`${err instanceof Error ? err.message : String(err)}${diagnosis ? ` (${diagnosis})` : ''}`, { cause: err });
  } finally {
    await dispose();
  }
}

/** Measures each system in turn; one that fails is reported and the others still run. */
async function measureAll(factories: readonly SystemFactory[], deps: MeasureDeps): Promise<{ systems: Record<string, SystemFigures>; failures: Record<string, string> }> {
  const systems: Record<string, SystemFigures> = {};
  const failures: Record<string, string> = {};
  for (const make of factories) {
    if (deps.teardown.stopping) break;
    let name = '(creating)';
    try {
      const sut = await make();
      name = sut.name;
      systems[name] = await measureOne(sut, deps);
    } catch (err) {
      failures[name] = err instanceof Error ? err.message : String(err);
      log(`${name} failed: ${failures[name]}`);
    }
  }
  return { systems, failures };
}

async function main(options: LatencyOptions, teardown: Teardown): Promise<void> {
  const t0 = performance.now();
  const { plans, skipped } = await riskstreamPlans(options.topologies);
  for (const [t, why] of Object.entries(skipped)) log(`topology ${t} skipped: ${why}`);
  if (plans.length > 0) await ensureBenchModel(log);
  const config = loadConfig(connectionSchema, process.env);
  // kafkajs logs every retried send (a new topic's leader not elected yet) as an error; a send or read
  // that fails for good surfaces as an exception or a stalled drain instead.
  const kafka = createKafka(config, 'latency-bench', createLogger('latency-bench', { level: 'fatal', destination: process.stderr }));
  const redis = createRedis(config);
  teardown.add('redis client', async () => void (await redis.quit()));
  const sharedCpu = new Map<string, CpuSource>([['redis', { kind: 'redis', redis }]]);
  const kafkaPid = stackPid('kafka');
  if (kafkaPid !== undefined) sharedCpu.set('kafka', { kind: 'pid', pid: kafkaPid });
  else log('no kafka pid file (is the stack up with riskstream stack up?): broker CPU is left out');
  const deps: MeasureDeps = { kafka, sharedCpu, options, teardown, log };
  const { systems, failures } = await measureAll(systemFactories(options, plans, redis), deps);
  const topologies = plans.map((p) => p.topology);
  const report = {
    config: { ...options, topologiesRun: topologies, topologiesSkipped: skipped },
    systems,
    failures,
    ratios: bindingRatios(systems, topologies, options.rates),
    wallSeconds: Math.round((performance.now() - t0) / 1000),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (Object.keys(failures).length > 0) process.exitCode = 1;
}

const options = readOptions();
const teardown = new Teardown(log);
teardown.onSignals();
try {
  await main(options, teardown);
} finally {
  await teardown.runAll();
}
// kafkajs and ioredis may keep timers alive past their disconnect.
process.exit(process.exitCode ?? 0);
