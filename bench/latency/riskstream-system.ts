/**
 * riskstream as `npm start` runs it: every service process, started by `riskstream services up` on a
 * topic namespace, consumer groups, Redis key prefixes, offline store and model registry of its own, so a
 * running demo's data is never touched. Its pid files and logs go to a stack directory of its own too
 * (RISKSTREAM_STACK_DIR), so `services down` stops only what the bench started. `services up` has no
 * option to move the services' fixed ports: when they are taken (a demo or a test is up), the same entry
 * points run as children on free ports instead, as pipeline-bench runs them, with the registry read from
 * disk rather than through the model server. Either way Prometheus does not scrape them.
 */
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { TOPOLOGIES, type Topology } from '@riskstream/shared';
import { endOffsetSum, integrationEnv, uniqueId, type IntegrationEnv } from '../../test/support/integration.ts';
import { startChild, waitFor } from '../../test/support/child-service.ts';
import { servicesOf } from '../../cli/src/services/service-processes.ts';
import { alertReceiverDevEnv, devSecret } from '../../cli/src/stack/dev-secrets.ts';
import { StackDir } from '../../cli/src/stack/stack-dir.ts';
import { BENCH_REGISTRY, runCli, runCliOrThrow, servicePortsFree } from './riskstream-cli.ts';
import { once, type RunningSystem, type SystemUnderTest } from './system-under-test.ts';

/** Scoring waits for its champion from the model server before it reports ready. */
const READY_TIMEOUT_MS = 120_000;

export interface RiskstreamPlan {
  readonly topology: string;
  /** Whether `services up` takes --topology (else it runs its only topology, split). */
  readonly topologyFlag: boolean;
}

const isTopology = (t: string): t is Topology => (TOPOLOGIES as readonly string[]).includes(t);

function serviceEnv(env: IntegrationEnv, dir: string, keyPrefix: string): Record<string, string> {
  const group = (s: string) => env.uniqueGroup(s);
  return {
    RISKSTREAM_STACK_DIR: join(dir, 'stack'),
    TOPIC_NAMESPACE: env.namespace,
    MODEL_REGISTRY_DIR: join(dir, 'registry'),
    OFFLINE_STORE_DIR: join(dir, 'offline'),
    INGEST_GROUP_ID: group('ingest'),
    FEATURES_GROUP_ID: group('features'),
    SCORING_GROUP_ID: group('scoring'),
    DRIFT_GROUP_ID: group('drift-monitor'),
    ARCHIVER_GROUP_ID: group('archiver'),
    TRAINER_GROUP_ID: group('trainer'),
    INGEST_DEDUP_KEY_PREFIX: `${keyPrefix}dedup:`,
    FEATURE_KEY_PREFIX: `${keyPrefix}f:`,
    ALERT_RECEIVER_REDIS_KEY_PREFIX: `${keyPrefix}alerts:`,
  };
}

/** Whatever `services up` started, by name and pid (services status --json). */
async function servicePids(env: Record<string, string>): Promise<Map<string, number>> {
  const rows = JSON.parse((await runCli(['services', 'status', '--json'], env)).stdout) as Array<{ name: string; pid?: number }>;
  return new Map(rows.filter((r) => r.pid !== undefined).map((r) => [r.name, r.pid!]));
}

async function startViaCli(plan: RiskstreamPlan, env: Record<string, string>): Promise<RunningSystem> {
  const stop = once(async () => void (await runCli(['services', 'down'], env)));
  try {
    await runCliOrThrow(['services', 'up', ...(plan.topologyFlag ? ['--topology', plan.topology] : [])], env);
    await waitFor('every service ready (services status)', async () => (await runCli(['services', 'status'], env)).code === 0, READY_TIMEOUT_MS, 1000);
    return { pids: await servicePids(env), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The fallback: each service's entry point as a child on a free port; the model server is not needed. */
function startAsChildren(topology: Topology, env: Record<string, string>): RunningSystem {
  const dir = new StackDir(env['RISKSTREAM_STACK_DIR']!);
  const cardTokenKeys = devSecret(dir, 'cardTokenKeys');
  const secrets = { CARD_TOKEN_KEYS: cardTokenKeys, CARD_TOKEN_ACTIVE_KEY: cardTokenKeys.split(':')[0]!, ...alertReceiverDevEnv(dir) };
  const specs = servicesOf(topology).filter((s) => s.args === undefined);
  const children = specs.map((s) => startChild(s.entry, { ...env, ...secrets, HTTP_PORT: '0', MODEL_SOURCE: env['MODEL_REGISTRY_DIR']!, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' }));
  const stop = once(async () => {
    for (const c of children) c.child.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited()));
  });
  return { pids: new Map(children.map((c, i) => [specs[i]!.name, c.child.pid!])), stop };
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Each service's last logged error (its message), from the logs services up writes. */
async function lastLoggedErrors(logDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const file of (await readdir(logDir).catch(() => [])).filter((f) => f.endsWith('.log'))) {
    const line = (await readFile(join(logDir, file), 'utf8')).split('\n').findLast((l) => l.includes('"err":{'));
    const err = line ? (JSON.parse(line) as { err?: { message?: string } }).err : undefined;
    if (err?.message) out.push(`${file.slice(0, -4)}: ${err.message}`);
  }
  return out;
}

export async function riskstreamSystem(plan: RiskstreamPlan, redis: Redis, log: (m: string) => void): Promise<SystemUnderTest> {
  const env = await integrationEnv(`lat-${plan.topology}`);
  const dir = await mkdtemp(join(tmpdir(), 'rs-latency-'));
  // A copy, so the trainer's journal and any promotion stay out of the registry other benches share.
  await cp(BENCH_REGISTRY, join(dir, 'registry'), { recursive: true });
  const keyPrefix = `lat-${uniqueId()}:`;
  const childEnv = serviceEnv(env, dir, keyPrefix);
  let running: RunningSystem | undefined;
  return {
    name: `riskstream-${plan.topology}`,
    input: env.names.transactionsRaw,
    output: env.names.transactionsScored,
    idOf: async (value) => ((await env.codec.decode('transactionsScored', value)) as { transaction_id: string }).transaction_id,
    async start() {
      if (await servicePortsFree()) running = await startViaCli(plan, childEnv);
      else if (isTopology(plan.topology)) {
        log('the services ports are taken (a demo running?) and services up cannot move them: running the entry points as children');
        running = startAsChildren(plan.topology, childEnv);
      } else throw new Error(`the services ports are taken and ${plan.topology} is not a topology this checkout knows`);
      return running;
    },
    async diagnose() {
      const deadLettered = await endOffsetSum(env.kafka, env.names.transactionsDlq);
      return [`${deadLettered} records dead-lettered`, ...(await lastLoggedErrors(join(dir, 'stack', 'logs')))].join('; ');
    },
    dispose: once(async () => {
      await running?.stop();
      // Also when services up was interrupted half-way (Ctrl-C) and so never returned what it started.
      await runCli(['services', 'down'], childEnv);
      await env.cleanup();
      await deleteKeys(redis, keyPrefix);
      await rm(dir, { recursive: true, force: true });
    }),
  };
}
