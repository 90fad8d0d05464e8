/**
 * The pipeline under soak: its services' entry points as children on free ports (so their /metrics can
 * be read), on the soak's own topic namespace, consumer groups, Redis (see soak.ts) and key prefix and a
 * copy of the bench model, against the running stack's Kafka and registry. Only the stages that turn a
 * raw transaction into a scored one run: fused, or ingest + features + scoring. Redis is the soak's own
 * redis-server, stopped with all its keys afterwards (soak.ts): nothing is deleted key by key here.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startChild, waitFor, type ChildService } from '../../test/support/child-service.ts';
import type { IntegrationEnv } from '../../test/support/integration.ts';
import { BENCH_REGISTRY } from '../latency/riskstream-cli.ts';
import { inspectorUrl } from './heap-after-gc.ts';
import type { GroupInput } from './soak-meters.ts';
import type { SoakTopology } from './soak-options.ts';

const ENTRIES: Record<SoakTopology, ReadonlyArray<{ readonly name: string; readonly entry: string }>> = {
  fused: [{ name: 'fused', entry: 'services/fused/src/main.ts' }],
  split: [
    { name: 'ingest', entry: 'services/ingest/src/main.ts' },
    { name: 'features', entry: 'services/features/src/main.ts' },
    { name: 'scoring', entry: 'services/scoring/src/main.ts' },
  ],
};

const READY_TIMEOUT_MS = 180_000;

export interface SoakProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly child: ChildService;
  /** Its inspector's WebSocket URL (heap-after-gc.ts), once it has printed it. */
  inspector(): string | undefined;
}

export interface SoakPipeline {
  readonly processes: readonly SoakProcess[];
  /** The consumer groups whose lag the soak samples, with the topic each reads. */
  readonly groups: readonly GroupInput[];
  /** Which processes have exited (name: code or signal), for a failure's message. */
  exited(): string[];
  stop(): Promise<void>;
}

export async function startSoakPipeline(env: IntegrationEnv, topology: SoakTopology, redisUrl: string, keyPrefix: string): Promise<SoakPipeline> {
  const dir = await mkdtemp(join(tmpdir(), 'rs-soak-'));
  await cp(BENCH_REGISTRY, join(dir, 'registry'), { recursive: true });
  const groups = { ingest: env.uniqueGroup('ingest'), features: env.uniqueGroup('features'), scoring: env.uniqueGroup('scoring') };
  const shared = {
    TOPIC_NAMESPACE: env.namespace,
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'warn',
    CARD_TOKEN_KEYS: `s1:${randomBytes(32).toString('base64')}`,
    CARD_TOKEN_ACTIVE_KEY: 's1',
    INGEST_GROUP_ID: groups.ingest,
    INGEST_DEDUP_KEY_PREFIX: `${keyPrefix}dedup:`,
    FEATURES_GROUP_ID: groups.features,
    FEATURE_KEY_PREFIX: `${keyPrefix}f:`,
    SCORING_GROUP_ID: groups.scoring,
    MODEL_SOURCE: join(dir, 'registry'),
    SCORING_MODEL_RECONCILE_MS: '0',
  };
  // Ingest prepends TOPIC_NAMESPACE to INGEST_GROUP_ID (services/ingest/src/config.ts); the others do not.
  const ingestGroup = `${env.namespace}${groups.ingest}`;
  const exits = new Map<string, string>();
  const processes: SoakProcess[] = [];
  for (const { name, entry } of ENTRIES[topology]) {
    const port = await freePort();
    // The inspector on a loopback port of its own, for the heap after a forced collection.
    const child = startChild(entry, { ...shared, HTTP_PORT: String(port), NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim() });
    void child.exited().then(({ code, signal }) => exits.set(name, String(signal ?? code)));
    processes.push({ name, pid: child.child.pid!, port, child, inspector: () => inspectorUrl(child.output()) });
  }
  const stop = async () => {
    for (const p of processes) p.child.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.child.exited()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const p of processes) {
      await waitFor(`${p.name} ready (/readyz)`, async () => {
        if (exits.has(p.name)) throw new Error(`${p.name} exited (${exits.get(p.name)}) before it was ready:\n${p.child.output().slice(-2000)}`);
        return (await fetch(`http://127.0.0.1:${p.port}/readyz`).catch(() => undefined))?.status === 200;
      }, READY_TIMEOUT_MS, 500);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    processes,
    groups: topology === 'fused'
      // The fused process reads the raw topic only, as the ingest stage's group; the other hops are in-process.
      ? [{ groupId: ingestGroup, topic: env.names.transactionsRaw }]
      : [
        { groupId: ingestGroup, topic: env.names.transactionsRaw },
        { groupId: groups.features, topic: env.names.transactionsValid },
        { groupId: groups.scoring, topic: env.names.transactionsEnriched },
      ],
    exited: () => [...exits].map(([name, how]) => `${name}: ${how}`),
    stop,
  };
}
