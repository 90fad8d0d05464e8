/**
 * The feature stage's Redis work against redis-benchmark with pipelining on the same commands.
 * Our side: the feature store bench (one Lua call per 500-event micro-batch); INFO commandstats before
 * and after counts the commands the scripts ran (MGET, SET, ...; HGETALL, HSET, EXPIRE with layout v1).
 * Their side: redis-benchmark -P 16 for each of those commands on data shaped like ours; the ceiling for
 * our mix is sum(calls) / sum(calls_i / rps_i). Prints one JSON object.
 *   node bench/pipeline/feature-store-vs-redis.ts [events=40000]
 *
 * Like with like: the feature store bench reports the mean shape of its keys in the steady state (per
 * key kind: hash fields and their sizes, or string bytes) and the keys of each kind a batch declares.
 * The ceiling's hash has our mean field count and sizes (hashes weighted by how many of each kind a
 * batch reads), its strings our mean value size (weighted the same way), and its MGET as many keys as
 * ours on average: every string key a batch declares is read by one MGET, so keys per MGET = string
 * keys per batch / MGETs per batch.
 *
 * What the ratio measures: ours / ceiling = (the time the commands we ran would take pipelined) /
 * (the time we took per event), i.e. the share of the stage's time that is Redis executing commands;
 * the rest is script logic, argument and reply conversion, the round trip and the client. It is a
 * per-command efficiency, not a speed: making the commands cheaper (fewer fields, smaller values)
 * lowers the ceiling's time as much as ours. `eventsPerSecond` and `scriptUsecPerEvent` are the speed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { KeyShape } from './feature-store-bench.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const events = Number(process.argv[2] ?? 40000);
const batchSize = 500;
const url = new URL(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const redis = new Redis(url.toString());

interface CommandStat {
  calls: number;
  usec: number;
}

async function commandStats(): Promise<Map<string, CommandStat>> {
  const info = await redis.info('commandstats');
  const out = new Map<string, CommandStat>();
  for (const m of info.matchAll(/^cmdstat_([a-z|_]+):calls=(\d+),usec=(\d+)/gm)) out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}


interface BenchJson {
  eventsPerSecond: number;
  keyShapes: Record<string, KeyShape>;
  perBatch: { events: number; distinctCards: number; distinctTerminals: number };
}

const before = await commandStats();
const t0 = performance.now();
const run = spawnSync(process.execPath, [join(ROOT, 'bench/pipeline/feature-store-bench.ts'), String(events), String(batchSize)], { cwd: ROOT, encoding: 'utf8' });
const seconds = (performance.now() - t0) / 1000;
if (run.status !== 0) throw new Error(`feature-store bench failed: ${run.stderr.slice(-1000)}`);
const after = await commandStats();
const benchJson = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as BenchJson;

// Commands the scripts ran; the script calls themselves and the benches' own commands are not Redis
// work to compare (the feature store bench samples its keys with SCAN/TYPE/STRLEN/HGETALL in a
// pipeline, which would count as script HGETALLs: see `ownHgetall` below).
const scripts = new Set(['evalsha', 'eval']);
const ignore = new Set(['info', 'script|load', 'script', 'client|setname', 'client|setinfo', 'hello', 'ping', 'select', 'scan', 'del', 'keys', 'unlink', 'quit', 'type', 'strlen', 'config|resetstat']);
const calls = new Map<string, number>();
let scriptUsec = 0;
let commandUsec = 0;
for (const [cmd, s] of after) {
  const d = s.calls - (before.get(cmd)?.calls ?? 0);
  const usec = s.usec - (before.get(cmd)?.usec ?? 0);
  if (d <= 0) continue;
  if (scripts.has(cmd)) scriptUsec += usec;
  else if (!ignore.has(cmd)) {
    calls.set(cmd, d);
    commandUsec += usec;
  }
}
// The shape sampling read every hash once per sample (twice in all); those are not the scripts'.
const ownHgetall = Object.values(benchJson.keyShapes).filter((s) => s.type === 'hash').reduce((n, s) => n + 2 * s.keys, 0);
if (calls.has('hgetall')) {
  const all = calls.get('hgetall')!;
  const d = after.get('hgetall')!.usec - (before.get('hgetall')?.usec ?? 0);
  commandUsec -= (d * ownHgetall) / all;
  calls.set('hgetall', all - ownHgetall);
}
const totalCalls = [...calls.values()].reduce((a, b) => a + b, 0);

// Keys of each kind a batch declares: the kind's last name part says what it belongs to (other keys,
// e.g. the store's layout marker, are not per batch).
const perBatchOf = (kind: string): number => {
  const last = kind.split(':').at(-1);
  if (last === 'c') return benchJson.perBatch.distinctCards;
  if (last === 't') return benchJson.perBatch.distinctTerminals;
  if (last === 'pre') return benchJson.perBatch.events;
  return 0;
};
const shapes = Object.entries(benchJson.keyShapes);
const weighted = (type: string, f: (s: KeyShape) => number) => {
  const of = shapes.filter(([, s]) => s.type === type);
  const w = of.reduce((n, [k]) => n + perBatchOf(k), 0);
  return w === 0 ? 0 : of.reduce((n, [k, s]) => n + perBatchOf(k) * f(s), 0) / w;
};
const hashFields = Math.max(1, Math.round(weighted('hash', (s) => s.meanFields!)));
const fieldBytes = Math.max(1, Math.round(weighted('hash', (s) => s.meanFieldBytes!)));
const valueBytes = Math.max(1, Math.round(weighted('hash', (s) => s.meanValueBytes!)));
const stringBytes = Math.max(1, Math.round(weighted('string', (s) => s.meanBytes!)));
const stringKeysPerBatch = shapes.filter(([, s]) => s.type === 'string').reduce((n, [k]) => n + perBatchOf(k), 0);
const batches = Math.ceil(events / batchSize);
const mgetKeys = Math.max(1, Math.round(stringKeysPerBatch / Math.max(1, (calls.get('mget') ?? 0) / batches)));

// redis-benchmark on the same commands, pipelined 16 deep, against data shaped like ours.
const key = `bench:fs:${process.pid}`;
const pad = (s: string, n: number) => (s.length >= n ? s.slice(0, n) : s + 'x'.repeat(n - s.length));
const fields: string[] = [];
for (let i = 0; i < hashFields; i++) fields.push(pad(`${17700 + i}:n`, fieldBytes), pad(String(i * 37), valueBytes));
await redis.hset(`${key}:h`, ...fields);
const value = 'v'.repeat(stringBytes);
const strings = Array.from({ length: mgetKeys }, (_, i) => `${key}:s:${i}`);
for (const s of strings) await redis.set(s, value);
const argsFor: Record<string, string[]> = {
  hgetall: ['HGETALL', `${key}:h`],
  hset: ['HSET', `${key}:h`, ...fields.slice(0, 4)],
  hdel: ['HDEL', `${key}:h`, 'absent-field'],
  expire: ['EXPIRE', `${key}:h`, '3600'],
  mget: ['MGET', ...strings],
  set: ['SET', `${key}:s:w`, value, 'EX', '3600'],
  get: ['GET', strings[0]!],
  hincrby: ['HINCRBY', `${key}:h`, fields[0]!, '1'],
};
const rps: Record<string, number> = {};
for (const cmd of calls.keys()) {
  const args = argsFor[cmd];
  if (!args) continue;
  // Fewer requests for the big MGET, so each measurement takes about as long.
  const n = cmd === 'mget' ? Math.max(2000, Math.round(100_000 / mgetKeys) * 16) : 100_000;
  const out = execFileSync('redis-benchmark', ['-h', url.hostname, '-p', url.port || '6379', '-P', '16', '-n', String(n), '-q', '--csv', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = out.trim().split('\n').at(-1)!;
  rps[cmd] = Number(line.split(',')[1]!.replace(/"/g, ''));
}
await redis.del(`${key}:h`, `${key}:s:w`, ...strings);
await redis.quit();
const measured = [...calls].filter(([c]) => rps[c] !== undefined);
const ceilingSeconds = measured.reduce((s, [c, n]) => s + n / rps[c]!, 0);
const ceiling = measured.reduce((s, [, n]) => s + n, 0) / ceilingSeconds;
// Commands per event over the whole run, at the bench's steady-state event rate (its second half, when
// the windows are full); the wall time above also counts Node start-up and the warm-up half.
const ours = (totalCalls / events) * benchJson.eventsPerSecond;
process.stdout.write(
  `${JSON.stringify({
    events,
    seconds,
    commandsRun: Object.fromEntries(calls),
    commandsPerEvent: totalCalls / events,
    eventsPerSecond: benchJson.eventsPerSecond,
    ourCommandsPerSecond: Math.round(ours),
    // Server time per event over the whole run: in the scripts, and in the commands they ran.
    scriptUsecPerEvent: +(scriptUsec / events).toFixed(2),
    commandUsecPerEventInScripts: +(commandUsec / events).toFixed(2),
    ceilingShapes: { hashFields, fieldBytes, valueBytes, stringBytes, mgetKeys },
    redisBenchmarkPipelinedPerCommand: rps,
    redisBenchmarkCeilingForOurMix: Math.round(ceiling),
    ratio: ours / ceiling,
    featureStoreBench: benchJson,
  })}\n`,
);
