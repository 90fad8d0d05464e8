/**
 * A UI server over a registry and run store of the test's own: model "fraud" with v1 (champion, with a
 * training report), v2 (a challenger whose recorded gate passed against v1, so it can be promoted) and v3
 * (gated against v1 too),
 * and four tracked runs, one of them with a report artifact. Kafka for the lifecycle feed is whatever
 * `kafkaBrokers` says (an unreachable one by default: the feed must then say so).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BearerKeys, createLogger, createMetricsRegistry, listen, loadConfig, parseSecretKeys } from '@riskstream/shared';
import { ModelRegistry, RunStore, type TrackedRun } from '@riskstream/training';
import { LifecycleFeed } from '../../../cli/src/ui/lifecycle-feed.ts';
import { loadDriftSettings, uiConfigSchema } from '../../../cli/src/ui/ui-config.ts';
import { createLifecycleFeed, DASHBOARDS_DIR } from '../../../cli/src/ui/ui-main.ts';
import { createUiServer } from '../../../cli/src/ui/ui-server.ts';
import { loadStaticAssets } from '../../../cli/src/ui/ui-static.ts';
import { draft, onnxBytes, passingGate } from '../../training/registry/registry-fixtures.ts';
import { trackedRunFixture as run } from '../../support/tracked-run-fixture.ts';

/** UI_API_KEYS of the fixture, and what a browser sends: the secret of the key. */
export const API_KEYS = 'ui-test:0123456789abcdef0123';
export const API_KEY = '0123456789abcdef0123';
export const REPORT_MARKER = 'training report of fraud v1';
export const RUN_REPORT_MARKER = 'the report of run aaa111';

export interface UiFixture {
  readonly dir: string;
  readonly registryDir: string;
  readonly registry: ModelRegistry;
  readonly runs: RunStore;
  readonly url: string;
  readonly feed: LifecycleFeed;
  /** A file outside every recorded artifact, which no route may serve. */
  readonly secretFile: string;
  close(): Promise<void>;
}

export interface UiFixtureOptions {
  readonly apiKeys?: string;
  readonly kafkaBrokers?: string;
  readonly topicNamespace?: string;
  /** Promote and rollback announce on Kafka (KAFKA_BROKERS and TOPIC_NAMESPACE of the fixture); default: they do not. */
  readonly publish?: boolean;
  /** Where drift reports are built from; default: the fixture's registry and an empty offline store. */
  readonly driftReports?: { readonly registryDir: string; readonly offlineStoreDir: string };
}


async function seedRegistry(registry: ModelRegistry): Promise<void> {
  await registry.register('fraud', { onnx: onnxBytes(), manifest: draft({ metrics: { roc_auc: 0.81, average_precision: 0.42 } }), reportHtml: `<!doctype html><title>v1</title><p>${REPORT_MARKER}</p>` });
  await registry.promote('fraud', 1, passingGate(), 'first model');
  await registry.register('fraud', { onnx: onnxBytes(-1.5), manifest: draft({ parentVersion: 1, metrics: { roc_auc: 0.84, average_precision: 0.47 }, trainingConfig: { gateResult: JSON.parse(JSON.stringify(passingGate())) } }) });
  await registry.setAlias('fraud', 'challenger', 2, 'shadow');
  await registry.register('fraud', { onnx: onnxBytes(-1.2), manifest: draft({ parentVersion: 1, metrics: { roc_auc: 0.83 }, trainingConfig: { gateResult: JSON.parse(JSON.stringify(passingGate())) } }) });
}

async function seedRuns(runs: RunStore, dir: string): Promise<void> {
  const report = join(dir, 'artifacts', 'report.html');
  await mkdir(join(dir, 'artifacts'), { recursive: true });
  await writeFile(report, `<!doctype html><title>run</title><p>${RUN_REPORT_MARKER}</p>`);
  await writeFile(join(dir, 'artifacts', 'metrics.json'), '{"ap":0.61}');
  await runs.save(run('aaa111', { metrics: { ap: 0.61, auc: 0.78 }, startedAt: '2026-12-07T09:00:00.000Z', artifacts: { 'report.html': report, 'metrics.json': join(dir, 'artifacts', 'metrics.json') }, outcome: { status: 'promoted', version: 1, reasons: ['first model'] } }));
  await runs.save(run('aaa222', { metrics: { ap: 0.55, auc: 0.8 }, params: { algorithm: 'rf', 'rf.nEstimators': 100, seed: 42 } }));
  await runs.save(run('bbb333', { kind: 'trial', parentId: 'aaa222', metrics: { ap: 0.7, auc: 0.75 }, outcome: { status: 'not-registered', reasons: [] }, startedAt: '2026-12-07T11:00:00.000Z' }));
  await runs.save(run('ccc444', { metrics: { ap: 0.4, auc: 0.66, ece: 0.02 }, params: { algorithm: 'gbdt', 'gbdt.maxLeaves': 16, seed: 7 }, startedAt: '2026-12-07T12:00:00.000Z', artifacts: { 'gone.html': join(dir, 'artifacts', 'missing.html') } }));
}

export async function startUiFixture(o: UiFixtureOptions = {}): Promise<UiFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'rs-ui-'));
  const registryDir = join(dir, 'registry');
  const registry = await ModelRegistry.open(registryDir);
  const runs = await RunStore.open(registryDir);
  await seedRegistry(registry);
  await seedRuns(runs, dir);
  const secretFile = join(dir, 'secret.txt');
  await writeFile(secretFile, 'not for the browser');
  const env = {
    KAFKA_BROKERS: o.kafkaBrokers ?? '127.0.0.1:1',
    TOPIC_NAMESPACE: o.topicNamespace ?? `t-ui-${process.pid}-${Date.now().toString(36)}.`,
    UI_LIFECYCLE_REFRESH_MS: '500',
    LOG_LEVEL: 'silent',
    ...(o.apiKeys ? { UI_API_KEYS: o.apiKeys } : {}),
  };
  const config = loadConfig(uiConfigSchema, env);
  const logger = createLogger('ui-test', { level: 'silent' });
  const feed = createLifecycleFeed(config, logger);
  const offline = join(dir, 'offline');
  await mkdir(offline);
  const server: Server = createUiServer({
    registry,
    runs,
    keys: new BearerKeys(parseSecretKeys(config.apiKeys)),
    assets: await loadStaticAssets(),
    lifecycle: feed,
    dashboardsDir: DASHBOARDS_DIR,
    grafanaUrl: 'http://grafana.test:3000',
    driftMonitorUrl: 'http://127.0.0.1:1',
    driftReports: { registryDir, offlineStoreDir: offline, ...o.driftReports, monitor: loadDriftSettings({}) },
    commandEnv: o.publish ? { KAFKA_BROKERS: env.KAFKA_BROKERS, TOPIC_NAMESPACE: env.TOPIC_NAMESPACE } : { RISKSTREAM_NO_PUBLISH: '1' },
    metrics: createMetricsRegistry('ui-test', { defaultMetrics: false }),
    logger,
  });
  const port = await listen(server, 0);
  feed.start();
  return {
    dir,
    registryDir,
    registry,
    runs,
    url: `http://127.0.0.1:${port}`,
    feed,
    secretFile,
    async close() {
      await feed.stop();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
