/**
 * What the soak samples: consumer lag of the pipeline's groups, each process's heap and RSS, and the
 * machine's CPU (to tell how much of it other sessions took: the machine is shared).
 * Linux only (/proc); a value that cannot be read is NaN, not guessed.
 */
import { readFileSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { processCpuSeconds } from '../pipeline/process-cpu.ts';

/** A consumer group and the topic it reads (and commits offsets on). */
export interface GroupInput {
  readonly groupId: string;
  readonly topic: string;
}

/**
 * Records the groups have not committed yet: per group, end offset of its input topic minus its committed
 * offset, summed over partitions (a partition it never committed counts from 0). Transaction markers take
 * offsets too, so a caught-up group shows up to one record per partition, never exactly 0.
 */
export async function consumerLag(admin: Admin, inputs: readonly GroupInput[]): Promise<number> {
  let lag = 0;
  for (const { groupId, topic } of inputs) {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const end of ends) {
      const offset = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      lag += Number(end.high) - Math.max(0, offset);
    }
  }
  return lag;
}

export interface ProcessMemory {
  readonly heapUsedBytes: number;
  readonly rssBytes: number;
}

/** Heap used and RSS from the process's /metrics (prom-client's defaults); RSS from /proc when absent. */
export async function processMemory(port: number, pid: number): Promise<ProcessMemory> {
  let heap = Number.NaN;
  let rss = Number.NaN;
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    heap = metricValue(text, 'nodejs_heap_size_used_bytes');
    rss = metricValue(text, 'process_resident_memory_bytes');
  } catch {
    // a scrape that times out under load leaves NaN; /proc still answers for RSS
  }
  return { heapUsedBytes: heap, rssBytes: Number.isFinite(rss) ? rss : procRssBytes(pid) };
}

export function metricValue(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

function procRssBytes(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const all = fields.slice(0, 8).reduce((s, v) => s + v, 0);
  return (all - fields[3]! - fields[4]!) / 100;
}

/** CPU seconds of the processes the soak accounts for (its children, Kafka, this process); Redis apart. */
export function ownCpuSeconds(pids: readonly number[]): number {
  const self = process.cpuUsage();
  return pids.reduce((s, pid) => s + (processCpuSeconds(pid) ?? 0), (self.user + self.system) / 1e6);
}
