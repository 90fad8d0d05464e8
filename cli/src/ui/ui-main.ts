/**
 * The `riskstream ui` process: opens the registry and the run store, starts the lifecycle feed, listens,
 * prints the URL. Run through serviceMain like every process (help, config errors, exit codes, the
 * drain on SIGINT/SIGTERM).
 */
import { join, resolve } from 'node:path';
import {
  BearerKeys,
  createKafka,
  createLogger,
  createMetricsRegistry,
  createSchemaRegistryClient,
  listen,
  parseSecretKeys,
  TopicCodec,
  topicNames,
  type Logger,
  type ServiceMainSpec,
} from '@riskstream/shared';
import { ModelRegistry, RunStore } from '@riskstream/training';
import type { CommandIo } from '../command.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';
import { LifecycleFeed } from './lifecycle-feed.ts';
import { checkUiConfig, driftSettingsIssues, loadDriftSettings, uiConfigSchema, uiPortOf, type UiSettings } from './ui-config.ts';
import { createUiServer } from './ui-server.ts';
import { loadStaticAssets } from './ui-static.ts';

export const DASHBOARDS_DIR = join(REPO_ROOT, 'grafana', 'dashboards');

/** Kafka answers within these or the feed reports it unavailable (the page must not wait on it). */
const FEED_KAFKA = { connectionTimeout: 2000, requestTimeout: 10_000, retry: { initialRetryTime: 200, retries: 2, maxRetryTime: 1000 } };

export function uiMain(io: CommandIo): ServiceMainSpec<typeof uiConfigSchema> {
  return {
    name: 'ui',
    summary: 'a web UI of runs, models, experiments, lifecycle events and dashboards (read-only unless UI_API_KEYS is set)',
    schema: uiConfigSchema,
    check: (c) => [...checkUiConfig(c), ...driftSettingsIssues(io.env)],
    async start(config) {
      const logger = createLogger('ui', { level: config.logLevel });
      const registryDir = resolve(config.registryDir);
      const feed = createLifecycleFeed(config, logger);
      const server = createUiServer({
        registry: await ModelRegistry.open(registryDir),
        runs: await RunStore.open(registryDir),
        keys: new BearerKeys(parseSecretKeys(config.apiKeys)),
        assets: await loadStaticAssets(),
        lifecycle: feed,
        dashboardsDir: DASHBOARDS_DIR,
        grafanaUrl: config.grafanaUrl,
        driftMonitorUrl: config.driftMonitorUrl,
        driftReports: { registryDir, offlineStoreDir: resolve(config.offlineStoreDir), monitor: loadDriftSettings(io.env) },
        commandEnv: io.env,
        metrics: createMetricsRegistry('ui'),
        logger,
      });
      const port = await listen(server, uiPortOf(config), config.uiHost);
      feed.start();
      io.stdout.write(`riskstream ui: http://${urlHost(config.uiHost)}:${port}/ (registry ${registryDir}${config.apiKeys ? '' : ', read-only'})\n`);
      return {
        async stop() {
          await feed.stop();
          await new Promise<void>((done) => server.close(() => done()));
        },
      };
    },
  };
}

export function createLifecycleFeed(config: UiSettings, logger: Logger): LifecycleFeed {
  const names = topicNames(config.topicNamespace);
  return new LifecycleFeed({
    kafka: createKafka(config, 'ui', logger, FEED_KAFKA),
    codec: new TopicCodec(createSchemaRegistryClient(config), names),
    topic: names.modelsLifecycle,
    keep: config.lifecycleKeep,
    refreshMs: config.lifecycleRefreshMs,
    logger,
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
