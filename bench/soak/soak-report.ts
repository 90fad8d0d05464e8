/**
 * The soak's result: the verdicts over the post-warm-up samples, a summary, how disturbed the machine
 * was, and every sample (what bench/results/soak-<date>.json holds).
 */
import { cpus, totalmem } from 'node:os';
import { max, median } from 'simple-statistics';
import type { RateStep } from './live-max-rate.ts';
import type { Sample } from './soak-sampler.ts';
import { round3 } from './soak-sampler.ts';
import { LOAD_SHARE, type SoakOptions } from './soak-options.ts';
import { deliveryVerdict, lagVerdict, memoryVerdict, p99Verdict, SOAK_LIMITS } from './soak-verdicts.ts';

/** Cores the rest of the machine may use on average before the run counts as disturbed (as the decisions bench). */
const QUIET_REST_CORES = 0.25;
/** Samples per p99 window judged: the first and last minute at the default 10 s. */
const WINDOW_SAMPLES = 6;
/** RSS samples per memory window: the first and last 3 minutes at the default 10 s. */
const RSS_WINDOW_SAMPLES = 18;
/** Seconds between forced collections (the heap verdict's samples: heap-after-gc.ts). */
export const HEAP_AFTER_GC_EVERY_SECONDS = 60;
/** Heap-after-collection samples per window: the first and last 3 minutes. */
const HEAP_WINDOW_SAMPLES = 3;

export interface MaxRate {
  readonly max: number;
  readonly source: string;
  /** Cores the rest of the machine used during the backlog probe: a maximum probed while others were busy is low. */
  readonly restOfMachineCores?: number;
  /** The live search's steps (live-max-rate.ts). */
  readonly steps?: readonly RateStep[];
}

export interface SoakRun {
  readonly startedAt: string;
  readonly options: SoakOptions;
  readonly rate: number;
  readonly probe: MaxRate;
  readonly processes: readonly string[];
  readonly samples: readonly Sample[];
  readonly delivery: {
    readonly sent: number;
    readonly distinct: number;
    readonly duplicates: number;
    readonly foreign: number;
    /** Seconds from the end of the load until the last record was scored (or the drain stalled). */
    readonly drainSeconds: number;
  };
}

function verdictsOf(run: SoakRun, measured: readonly Sample[]) {
  const t1 = measured[0]?.atSeconds ?? 0;
  return {
    lag: lagVerdict(measured.map((s) => ({ atSeconds: s.atSeconds - t1, lag: s.consumerLag })), run.rate),
    memory: memoryVerdict(
      run.processes.map((name) => ({
        process: name,
        heapBytes: measured.map((s) => s.processes[name]!.heapAfterGcBytes).filter(Number.isFinite),
        rssBytes: measured.map((s) => s.processes[name]!.rssBytes).filter(Number.isFinite),
      })),
      { heap: HEAP_WINDOW_SAMPLES, rss: RSS_WINDOW_SAMPLES },
    ),
    p99: p99Verdict(measured.map((s) => s.latencyMs.p99), WINDOW_SAMPLES),
    delivery: deliveryVerdict(run.delivery.sent, run.delivery.distinct, run.delivery.duplicates),
  };
}

const mebibytes = (bytes: number): number => Math.round(bytes / 2 ** 20);

const spread = (xs: readonly number[]) => (xs.length > 0 ? { min: Math.min(...xs), median: round3(median([...xs])), max: max([...xs]) } : null);

export function soakReport(run: SoakRun) {
  const measured = run.samples.filter((s) => !s.warmup);
  const verdicts = verdictsOf(run, measured);
  const rest = run.samples.map((s) => s.restCores);
  return {
    createdAt: run.startedAt,
    settings: { ...run.options, rate: run.rate, loadShare: LOAD_SHARE, windowSamples: WINDOW_SAMPLES, memoryWindows: { heapAfterGcSamples: HEAP_WINDOW_SAMPLES, heapAfterGcEverySeconds: HEAP_AFTER_GC_EVERY_SECONDS, rssSamples: RSS_WINDOW_SAMPLES }, limits: SOAK_LIMITS },
    maxRate: { eventsPerSecond: Number.isFinite(run.probe.max) ? Math.round(run.probe.max) : null, source: run.probe.source, ...(run.probe.restOfMachineCores !== undefined ? { restOfMachineCores: run.probe.restOfMachineCores } : {}), ...(run.probe.steps ? { liveSteps: run.probe.steps } : {}) },
    pass: Object.values(verdicts).every((v) => v.pass),
    verdicts,
    summary: {
      sent: run.delivery.sent,
      scoredDistinct: run.delivery.distinct,
      duplicates: run.delivery.duplicates,
      foreignRecords: run.delivery.foreign,
      drainSeconds: run.delivery.drainSeconds,
      measuredSamples: measured.length,
      achievedSendRate: measured.length > 0 ? Math.round(median(measured.map((s) => s.sentPerSecond))) : NaN,
      maxConsumerLag: measured.length > 0 ? max(measured.map((s) => s.consumerLag)) : NaN,
      p50MsMedian: measured.length > 0 ? median(measured.map((s) => s.latencyMs.p50).filter(Number.isFinite)) : NaN,
      p99Ms: spread(measured.map((s) => s.latencyMs.p99).filter(Number.isFinite)),
      // Not a verdict: it grows with every transaction until the keys' TTLs (see Sample.redisUsedMemoryBytes).
      redisUsedMemoryMiB: measured.length > 0 ? { atEndOfWarmup: mebibytes(measured[0]!.redisUsedMemoryBytes), atEnd: mebibytes(measured.at(-1)!.redisUsedMemoryBytes) } : null,
    },
    quality: {
      restOfMachineCores: spread(rest),
      quietRestCores: QUIET_REST_CORES,
      disturbed: rest.length > 0 && median(rest) > QUIET_REST_CORES,
      note: `${cpus().length} cores shared by the pipeline, Kafka, Redis, this generator/reader and other sessions' processes; restOfMachineCores is what none of those used.`,
    },
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    samples: run.samples,
  };
}
