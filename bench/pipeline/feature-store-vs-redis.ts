/**
 * The feature stage's Redis work against redis-benchmark with pipelining on the same commands.
 * Our side: the feature store bench (one Lua call per 500-event micro-batch); INFO commandstats before
 * and after counts the commands the scripts ran (HGETALL, HSET, MGET, SET, EXPIRE, ...). Their side:
 * redis-benchmark -P 16 for each of those commands on a hash of the same size; the ceiling for our mix
 * is sum(calls) / sum(calls_i / rps_i). Prints one JSON object.
 *   node bench/pipeline/feature-store-vs-redis.ts [events=40000]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const ROOT = join(import.meta.dirname, '..', '..');
const events = Number(process.argv[2] ?? 40000);
const url = new URL(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const redis = new Redis(url.toString());

async function commandStats(): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([a-z|_]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

const before = await commandStats();
const t0 = performance.now();
const run = spawnSync(process.execPath, [join(ROOT, 'services/features/bench/feature-store-bench.ts'), String(events), '500'], { cwd: ROOT, encoding: 'utf8' });
const seconds = (performance.now() - t0) / 1000;
if (run.status !== 0) throw new Error(`feature-store bench failed: ${run.stderr.slice(-1000)}`);
const after = await commandStats();
// Commands the scripts ran; the script calls themselves and our own INFO are not Redis work to compare.
const ignore = new Set(['evalsha', 'eval', 'info', 'script|load', 'script', 'client|setname', 'client|setinfo', 'hello', 'ping', 'select', 'scan', 'del', 'keys', 'unlink']);
const calls = new Map<string, number>();
for (const [cmd, n] of after) {
  const d = n - (before.get(cmd) ?? 0);
  if (d > 0 && !ignore.has(cmd)) calls.set(cmd, d);
}
const totalCalls = [...calls.values()].reduce((a, b) => a + b, 0);

// redis-benchmark on the same commands, pipelined 16 deep, against a hash shaped like ours (~80 fields).
const key = `bench:fs-hash:${process.pid}`;
const fields: string[] = [];
for (let d = 0; d < 40; d++) fields.push(`${17700 + d}:n`, '3', `${17700 + d}:s`, '12345');
await redis.hset(key, ...fields);
await redis.set(`${key}:s`, 'x'.repeat(200));
const argsFor: Record<string, string[]> = {
  hgetall: ['HGETALL', key],
  hset: ['HSET', key, '17750:n', '4'],
  hdel: ['HDEL', key, '17001:n'],
  expire: ['EXPIRE', key, '3600'],
  mget: ['MGET', `${key}:s`, `${key}:s`, `${key}:s`, `${key}:s`],
  set: ['SET', `${key}:s2`, 'x'.repeat(200), 'EX', '3600'],
  get: ['GET', `${key}:s`],
  hincrby: ['HINCRBY', key, '17750:n', '1'],
};
const rps: Record<string, number> = {};
for (const cmd of calls.keys()) {
  const args = argsFor[cmd];
  if (!args) continue;
  const out = execFileSync('redis-benchmark', ['-h', url.hostname, '-p', url.port || '6379', '-P', '16', '-n', '100000', '-q', '--csv', ...args], { encoding: 'utf8' });
  const line = out.trim().split('\n').at(-1)!;
  rps[cmd] = Number(line.split(',')[1]!.replace(/"/g, ''));
}
await redis.del(key, `${key}:s`, `${key}:s2`);
await redis.quit();
const measured = [...calls].filter(([c]) => rps[c] !== undefined);
const ceilingSeconds = measured.reduce((s, [c, n]) => s + n / rps[c]!, 0);
const ceiling = measured.reduce((s, [, n]) => s + n, 0) / ceilingSeconds;
const benchJson = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { eventsPerSecond: number };
// Commands per event over the whole run, at the bench's steady-state event rate (its second half, when
// the windows are full); the wall time above also counts Node start-up and the warm-up half.
const ours = (totalCalls / events) * benchJson.eventsPerSecond;
process.stdout.write(
  `${JSON.stringify({
    events,
    seconds,
    commandsRun: Object.fromEntries(calls),
    commandsPerEvent: totalCalls / events,
    ourCommandsPerSecond: Math.round(ours),
    redisBenchmarkPipelinedPerCommand: rps,
    redisBenchmarkCeilingForOurMix: Math.round(ceiling),
    ratio: ours / ceiling,
    featureStoreBench: benchJson,
  })}\n`,
);
