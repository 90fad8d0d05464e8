/**
 * The drift monitor against the real stack for the integration tests: records produced to a test
 * namespace's topics, the service in-process on a free port, its /metrics and /v1/drift read over HTTP.
 */
import type { TestContext } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdempotentProducer, loadConfig, runService, sendRecords, type OutputRecord, type RunningService } from '@riskstream/shared';
import { ModelRegistry } from '@riskstream/training';
import { buildDriftMonitor } from '../../../services/drift-monitor/src/app.ts';
import { checkDriftMonitorConfig, driftMonitorConfigSchema } from '../../../services/drift-monitor/src/config.ts';
import type { IntegrationEnv } from '../../support/integration.ts';

export const HOUR = 3_600_000;

export async function produce(env: IntegrationEnv, records: readonly OutputRecord[]): Promise<void> {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 500) await sendRecords(producer, env.codec, records.slice(i, i + 500));
  } finally {
    await producer.disconnect();
  }
}

export interface Monitor {
  readonly running: RunningService;
  readonly url: string;
  drift(): Promise<any>;
  metrics(): Promise<string>;
  /** Sum of a series' samples whose labels include `labels` (from the /metrics text). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

export async function startMonitor(t: TestContext, env: IntegrationEnv, root: string, extraEnv: Record<string, string> = {}): Promise<Monitor> {
  const config = loadConfig(
    driftMonitorConfigSchema,
    {
      ...process.env,
      TOPIC_NAMESPACE: env.namespace,
      MODEL_SOURCE: root,
      HTTP_PORT: '0',
      DRIFT_GROUP_ID: env.uniqueGroup('drift'),
      DRIFT_FROM_BEGINNING: 'true',
      DRIFT_COUNT_WINDOW_EVENTS: '2000',
      DRIFT_MIN_EVENTS: '1000',
      // Every event of this test has one card token, so one partition: nothing to mix.
      DRIFT_EXPECTED_PARTITIONS: '1',
      DRIFT_TIME_WINDOW_MS: String(4 * HOUR),
      DRIFT_ALLOWED_LATENESS_MS: String(HOUR / 6),
      DRIFT_MIN_PERFORMANCE_EVENTS: '500',
      DRIFT_RECOMPUTE_INTERVAL_MS: '200',
      DRIFT_MODEL_POLL_MS: '300',
      DRIFT_MODEL_RECONCILE_MS: '0',
      LOG_LEVEL: 'silent',
      ...extraEnv,
    },
    checkDriftMonitorConfig,
  );
  const running = await runService('drift-monitor', config, (ctx) => buildDriftMonitor(ctx, config), { installSignalHandlers: false });
  t.after(() => running.stop());
  const url = `http://127.0.0.1:${running.port}`;
  const metrics = async (): Promise<string> => (await fetch(`${url}/metrics`)).text();
  return {
    running,
    url,
    drift: async () => (await fetch(`${url}/v1/drift`)).json(),
    metrics,
    async metric(name, want = {}) {
      let sum = 0;
      for (const line of (await metrics()).split('\n')) {
        const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
        if (Object.entries(want).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
      }
      return sum;
    },
  };
}

export async function tempRegistry(t: TestContext): Promise<{ root: string; registry: ModelRegistry }> {
  const root = await mkdtemp(join(tmpdir(), 'drift-registry-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return { root, registry: await ModelRegistry.open(root) };
}

