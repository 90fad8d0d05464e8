/**
 * Where the CPU goes while the pipeline drains a backlog. On a machine whose cores the services, Kafka
 * and Redis share, sustained throughput is CPU per event: these meters say whose.
 * Linux only (/proc); a process that cannot be read is left out, not guessed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { loadStackConfig } from '../../cli/src/stack/stack-config.ts';

/** User + system CPU seconds a process has used so far; undefined when /proc cannot tell. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** The pid of a component the stack runs (e.g. kafka), from its pid file. */
export function stackPid(component: string): number | undefined {
  try {
    const record = JSON.parse(readFileSync(join(loadStackConfig(process.env).stackDir, 'run', `${component}.pid`), 'utf8')) as { pid?: unknown };
    return typeof record.pid === 'number' ? record.pid : undefined;
  } catch {
    return undefined;
  }
}

export type CpuSource = { readonly kind: 'pid'; readonly pid: number } | { readonly kind: 'redis'; readonly redis: Redis };

async function cpuOf(source: CpuSource): Promise<number | undefined> {
  if (source.kind === 'pid') return processCpuSeconds(source.pid);
  const info = await source.redis.info('cpu');
  const user = /used_cpu_user:([0-9.]+)/.exec(info)?.[1];
  const sys = /used_cpu_sys:([0-9.]+)/.exec(info)?.[1];
  return user !== undefined && sys !== undefined ? Number(user) + Number(sys) : undefined;
}

export type CpuSnapshot = Map<string, number>;

export async function cpuSnapshot(sources: ReadonlyMap<string, CpuSource>): Promise<CpuSnapshot> {
  const out: CpuSnapshot = new Map();
  for (const [name, source] of sources) {
    const s = await cpuOf(source);
    if (s !== undefined) out.set(name, s);
  }
  return out;
}

/** CPU microseconds per event of each source between two snapshots, and their sum. */
export function cpuPerEvent(before: CpuSnapshot, after: CpuSnapshot, events: number): { perSource: Record<string, number>; total: number } {
  const perSource: Record<string, number> = {};
  let total = 0;
  for (const [name, end] of after) {
    const start = before.get(name);
    if (start === undefined) continue;
    const us = Math.round(((end - start) / events) * 1e7) / 10;
    perSource[name] = us;
    total += us;
  }
  return { perSource, total: Math.round(total * 10) / 10 };
}

/** Seconds Redis has spent running scripts (EVALSHA and EVAL) so far, from INFO commandstats. */
export async function redisScriptSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let usec = 0;
  for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=\d+,usec=(\d+)/gm)) usec += Number(m[1]);
  return usec / 1e6;
}
