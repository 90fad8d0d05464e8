/**
 * One soak sample every --sample-seconds: rates since the last sample, consumer lag, the window's
 * end-to-end latency, each process's heap and RSS, and the CPU the rest of the machine used meanwhile.
 */
import { loadavg } from 'node:os';
import type { Admin } from 'kafkajs';
import { max, quantileSorted } from 'simple-statistics';
import type { ScoredReader } from './scored-reader.ts';
import { heapAfterGc } from './heap-after-gc.ts';
import { consumerLag, machineBusySeconds, ownCpuSeconds, processMemory, type ProcessMemory } from './soak-meters.ts';
import type { SoakPipeline } from './soak-pipeline.ts';
import type { SteadyLoad } from './steady-load.ts';

export interface ProcessMemorySample extends ProcessMemory {
  /** Used heap after a forced full collection (heap-after-gc.ts); NaN on the samples that do not force one. */
  readonly heapAfterGcBytes: number;
}

export interface Sample {
  readonly atSeconds: number;
  readonly warmup: boolean;
  readonly sentPerSecond: number;
  readonly scoredPerSecond: number;
  readonly consumerLag: number;
  /** Sent and acknowledged but not yet read scored. */
  readonly inFlight: number;
  readonly latencyMs: { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number };
  readonly processes: Record<string, ProcessMemorySample>;
  /** Cores busy on the machine that neither the soak's processes, Kafka nor Redis used (other sessions). */
  readonly restCores: number;
  /** Cores this process used: the load generator and the reader (decoding every scored record). */
  readonly soakProcessCores: number;
  readonly loadAvg1m: number;
  /**
   * The soak's redis-server's used_memory: ingest's duplicate-check keys (one per transaction for
   * INGEST_DEDUP_HORIZON_SECONDS) and the feature store's (one per transaction for 7 days) grow it with
   * every transaction until their TTLs start to expire them: by design, so not a verdict.
   */
  readonly redisUsedMemoryBytes: number;
}

/** What a sampler reads from; `pids` are the processes whose CPU is the soak's own (pipeline, Kafka). */
export interface SamplerSources {
  readonly pipeline: SoakPipeline;
  readonly reader: ScoredReader;
  readonly load: SteadyLoad;
  readonly admin: Admin;
  readonly redisCpu: () => Promise<number>;
  readonly redisMemory: () => Promise<number>;
  readonly pids: readonly number[];
}

export interface Sampler {
  sample(atSeconds: number, warmup: boolean): Promise<Sample>;
}

const selfCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function latencyOf(window: number[]): Sample['latencyMs'] {
  if (window.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  window.sort((a, b) => a - b);
  return { count: window.length, p50: quantileSorted(window, 0.5), p99: quantileSorted(window, 0.99), max: max(window) };
}

/**
 * Every `heapAfterGcEvery`-th sample (from the first) also forces a full collection in each process to
 * read its live heap: a pause of tens of ms, so not on every sample.
 */
export function startSampler(src: SamplerSources, heapAfterGcEvery: number): Sampler {
  let taken = 0;
  const counters = async () => ({
    at: performance.now(),
    sent: src.load.acknowledged(),
    scored: src.reader.distinct(),
    busy: machineBusySeconds(),
    own: ownCpuSeconds(src.pids),
    self: selfCpu(),
    redis: await src.redisCpu(),
  });
  let last: Awaited<ReturnType<typeof counters>> | undefined;
  const first = counters().then((c) => (last = c));
  return {
    async sample(atSeconds, warmup) {
      await first;
      const window = src.reader.takeWindow();
      const now = await counters();
      const wall = (now.at - last!.at) / 1000;
      const used = now.own - last!.own + now.redis - last!.redis;
      const collect = taken++ % heapAfterGcEvery === 0;
      const processes: Sample['processes'] = {};
      for (const p of src.pipeline.processes) {
        const inspector = p.inspector();
        const afterGc = collect && inspector !== undefined ? await heapAfterGc(inspector) : Number.NaN;
        processes[p.name] = { ...(await processMemory(p.port, p.pid)), heapAfterGcBytes: afterGc };
      }
      const sample: Sample = {
        atSeconds: Math.round(atSeconds),
        warmup,
        sentPerSecond: Math.round((now.sent - last!.sent) / wall),
        scoredPerSecond: Math.round((now.scored - last!.scored) / wall),
        consumerLag: await consumerLag(src.admin, src.pipeline.groups),
        inFlight: now.sent - now.scored,
        latencyMs: latencyOf(window),
        processes,
        restCores: round3(Math.max(0, now.busy - last!.busy - used) / wall),
        soakProcessCores: round3((now.self - last!.self) / wall),
        loadAvg1m: round3(loadavg()[0]!),
        redisUsedMemoryBytes: await src.redisMemory(),
      };
      last = now;
      return sample;
    },
  };
}

export function progressLine(s: Sample): string {
  const mem = Object.entries(s.processes)
    .map(([n, m]) => `${n} heap ${mib(m.heapUsedBytes)}${Number.isFinite(m.heapAfterGcBytes) ? ` (after GC ${mib(m.heapAfterGcBytes)})` : ''} rss ${mib(m.rssBytes)} MiB`)
    .join(', ');
  return `${s.warmup ? 'warm-up ' : ''}t=${s.atSeconds}s sent ${s.sentPerSecond}/s scored ${s.scoredPerSecond}/s lag ${s.consumerLag} in-flight ${s.inFlight} ` +
    `p50 ${Math.round(s.latencyMs.p50)} p99 ${Math.round(s.latencyMs.p99)} ms (${s.latencyMs.count}) ${mem}, redis ${mib(s.redisUsedMemoryBytes)} MiB; ` +
    `soak process ${s.soakProcessCores}, others ${s.restCores} cores`;
}

function mib(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(1) : '?';
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
