/**
 * One system through the bench: a backlog produced while it is stopped, then started and drained
 * (sustained rate), then at each offered rate, `repeats` times: a warm-up that is not counted, the
 * measured seconds (latency per record, CPU per event of every process), and the drain of what was sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { mean } from 'simple-statistics';
import { cpuPerEvent, cpuSnapshot, type CpuSource } from '../pipeline/process-cpu.ts';
import { startArrivalReader, type ArrivalReader } from './arrival-reader.ts';
import { latenciesOf, latencyRepeat, ReceiptIndex, summariseRepeats, sustainedRate, type LatencyRepeat, type LatencySummary } from './latency-stats.ts';
import type { LatencyOptions } from './latency-options.ts';
import { openLoadGenerator, type LoadGenerator } from './load-generator.ts';
import type { Teardown } from './process-teardown.ts';
import type { RunningSystem, SystemUnderTest } from './system-under-test.ts';

/** A backlog drain that stops moving this long has failed. */
const BACKLOG_STALL_MS = 60_000;
/** After the measured seconds, a record still not read this long after the last one arrived is missing. */
const DRAIN_STALL_MS = 10_000;

export interface MeasureDeps {
  readonly kafka: Kafka;
  /** CPU meters of what every system shares: the broker (and Redis). */
  readonly sharedCpu: ReadonlyMap<string, CpuSource>;
  readonly options: LatencyOptions;
  readonly teardown: Teardown;
  readonly log: (m: string) => void;
}

type CpuFigures = ReturnType<typeof cpuPerEvent>;

export interface BacklogFigures {
  readonly events: number;
  readonly eventsPerSecond: number;
  /** From the start command to the last record read: start-up included. */
  readonly drainSeconds: number;
}

export interface RateFigures extends LatencySummary {
  readonly rate: number;
  /** Mean over the repeats of each process's CPU over the measured seconds, per event sent. */
  readonly cpuMicrosecondsPerEvent: CpuFigures;
}

export interface SystemFigures {
  readonly processes: readonly string[];
  readonly backlog: BacklogFigures;
  /** Keyed at<rate>, e.g. at200. */
  readonly latency: Record<string, RateFigures>;
  readonly wallSeconds: number;
}

/** Waits while `count()` is below `target` and still moving; false when it stopped for `stallMs`. */
async function waitWhileMoving(count: () => Promise<number> | number, target: number, stallMs: number): Promise<boolean> {
  let last = -1;
  let movedAt = performance.now();
  for (let n = await count(); n < target; n = await count()) {
    if (n !== last) [last, movedAt] = [n, performance.now()];
    else if (performance.now() - movedAt > stallMs) return false;
    await sleep(100);
  }
  return true;
}

function cpuSources(running: RunningSystem, shared: ReadonlyMap<string, CpuSource>): Map<string, CpuSource> {
  return new Map([...[...running.pids].map(([name, pid]): [string, CpuSource] => [name, { kind: 'pid', pid }]), ...shared]);
}

/**
 * Starts the system on the backlog and waits for it to drain. No CPU figure: the drain may be over
 * before a system's start command returns its pids (services up waits for every service to be ready).
 */
async function measureBacklog(reader: ArrivalReader, start: () => Promise<RunningSystem>, events: number): Promise<{ running: RunningSystem; figures: BacklogFigures }> {
  const t0 = performance.now();
  const running = await start();
  if (!(await waitWhileMoving(() => reader.arrivals.length, events, BACKLOG_STALL_MS))) throw new Error(`the backlog drain stopped at ${reader.arrivals.length} of ${events}`);
  const figures = {
    events,
    eventsPerSecond: sustainedRate(reader.arrivals.slice(0, events).map((a) => a.receivedAt)),
    drainSeconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  return { running, figures };
}

interface RepeatOutcome {
  readonly figures: LatencyRepeat;
  readonly latencies: readonly number[];
  readonly cpu: CpuFigures;
}

async function measureRepeat(rate: number, generator: LoadGenerator, index: ReceiptIndex, sources: ReadonlyMap<string, CpuSource>, options: LatencyOptions): Promise<RepeatOutcome> {
  if (options.warmupSeconds > 0) await generator.paced(rate, options.warmupSeconds);
  const before = await cpuSnapshot(sources);
  const sentAt = await generator.paced(rate, options.seconds);
  const cpu = cpuPerEvent(before, await cpuSnapshot(sources), sentAt.size);
  await waitWhileMoving(async () => (await index.catchUp(), index.countOf(sentAt)), sentAt.size, DRAIN_STALL_MS);
  const latencies = latenciesOf(sentAt, index.receipts);
  return { figures: latencyRepeat(sentAt, index.receipts, latencies), latencies, cpu };
}

function meanCpu(cpus: readonly CpuFigures[]): CpuFigures {
  const names = new Set(cpus.flatMap((c) => Object.keys(c.perSource)));
  const round = (x: number) => Math.round(x * 10) / 10;
  const perSource = Object.fromEntries([...names].map((n) => [n, round(mean(cpus.map((c) => c.perSource[n] ?? Number.NaN)))]));
  return { perSource, total: round(mean(cpus.map((c) => c.total))) };
}

async function measureRate(rate: number, sut: SystemUnderTest, generator: LoadGenerator, reader: ArrivalReader, sources: ReadonlyMap<string, CpuSource>, deps: MeasureDeps): Promise<RateFigures> {
  const outcomes: RepeatOutcome[] = [];
  for (let r = 1; r <= deps.options.repeats; r++) {
    const o = await measureRepeat(rate, generator, new ReceiptIndex(reader, sut.idOf), sources, deps.options);
    deps.log(`${sut.name} at ${rate}/s, repeat ${r}: p50 ${o.figures.p50Ms} ms, p99 ${o.figures.p99Ms} ms, max ${o.figures.maxMs} ms, ${o.figures.received}/${o.figures.sent} read, ${o.figures.duplicates} duplicates, ${o.cpu.total} us CPU/event`);
    outcomes.push(o);
  }
  const pooled = outcomes.flatMap((o) => o.latencies).sort((a, b) => a - b);
  return { rate, ...summariseRepeats(outcomes.map((o) => o.figures), pooled), cpuMicrosecondsPerEvent: meanCpu(outcomes.map((o) => o.cpu)) };
}

export async function measureSystem(sut: SystemUnderTest, deps: MeasureDeps): Promise<SystemFigures> {
  const t0 = performance.now();
  const generator = await openLoadGenerator(deps.kafka, sut.input);
  const closeGenerator = deps.teardown.add(`${sut.name} load generator`, () => generator.close());
  deps.log(`${sut.name}: producing a backlog of ${deps.options.backlog} with the system stopped`);
  await generator.backlog(deps.options.backlog);
  const reader = await startArrivalReader(deps.kafka, sut.output);
  const stopReader = deps.teardown.add(`${sut.name} reader`, () => reader.stop());
  try {
    deps.log(`${sut.name}: starting it on the backlog`);
    const { running, figures: backlog } = await measureBacklog(reader, () => sut.start(), deps.options.backlog);
    deps.log(`${sut.name}: backlog ${backlog.eventsPerSecond} events/s sustained (${backlog.drainSeconds} s with start-up)`);
    const sources = cpuSources(running, deps.sharedCpu);
    const latency: Record<string, RateFigures> = {};
    for (const rate of deps.options.rates) latency[`at${rate}`] = await measureRate(rate, sut, generator, reader, sources, deps);
    await running.stop();
    return { processes: [...running.pids.keys()], backlog, latency, wallSeconds: Math.round((performance.now() - t0) / 1000) };
  } finally {
    await stopReader();
    await closeGenerator();
  }
}
