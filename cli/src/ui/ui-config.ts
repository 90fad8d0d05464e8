/**
 * `riskstream ui`'s settings, validated once at start: where to listen, which registry, the optional
 * API keys that unlock promote and rollback, and the neighbours it links to or asks (Grafana, the drift
 * monitor, Kafka for the lifecycle feed). The drift-report form uses the drift monitor's own DRIFT_*
 * settings, loaded from the same environment.
 */
import { join } from 'node:path';
import { checkDriftMonitorConfig, driftMonitorConfigSchema, type DriftMonitorConfig } from '@riskstream/drift-monitor';
import { ConfigError, checkConnectionConfig, checkSecretKeys, connectionSchema, field, loadConfig, type ConfigIssue, type ConfigOf } from '@riskstream/shared';
import { REPO_ROOT } from '../stack/stack-config.ts';

export const UI_PORT = 8089;

export const uiConfigSchema = {
  ...connectionSchema,
  topicNamespace: field.string({ env: 'TOPIC_NAMESPACE', description: 'prefix of every topic name', default: '', pattern: /^[A-Za-z0-9._-]*$/ }),
  uiPort: field.optionalInt({ env: 'UI_PORT', description: `port of the web UI (0 = any free port); default HTTP_PORT, else ${UI_PORT}`, min: 0, max: 65535 }),
  // What `riskstream services up` sets for every process it starts (its replica's port).
  httpPort: field.int({ env: 'HTTP_PORT', description: 'port of the web UI when UI_PORT is unset (services up sets it)', default: UI_PORT, min: 0, max: 65535 }),
  uiHost: field.string({ env: 'HTTP_HOST', description: 'address the web UI binds', default: '127.0.0.1' }),
  registryDir: field.string({ env: 'MODEL_REGISTRY_DIR', description: 'model registry directory (runs.duckdb lives in it)', default: join(REPO_ROOT, '.riskstream', 'registry') }),
  offlineStoreDir: field.string({ env: 'OFFLINE_STORE_DIR', description: 'offline store root, for drift reports', default: join(REPO_ROOT, '.riskstream', 'offline') }),
  apiKeys: field.optionalString({ env: 'UI_API_KEYS', description: 'bearer keys <id>:<secret>[,...] that unlock promote and rollback; unset: read-only', secret: true }),
  grafanaUrl: field.url({ env: 'GRAFANA_URL', description: 'Grafana base URL for dashboard links', protocols: ['http:', 'https:'], default: 'http://127.0.0.1:3000' }),
  driftMonitorUrl: field.url({ env: 'DRIFT_MONITOR_URL', description: 'the drift monitor, for live experiment statistics', protocols: ['http:', 'https:'], default: 'http://127.0.0.1:8094' }),
  lifecycleRefreshMs: field.int({ env: 'UI_LIFECYCLE_REFRESH_MS', description: 'how often the lifecycle feed re-reads models.lifecycle.v1 (ms)', default: 10_000, min: 500 }),
  lifecycleKeep: field.int({ env: 'UI_LIFECYCLE_KEEP', description: 'lifecycle events kept in memory (the most recent)', default: 200, min: 1, max: 10_000 }),
} as const;

export type UiSettings = ConfigOf<typeof uiConfigSchema>;

/** UI_PORT, else HTTP_PORT, else 8089. */
export function uiPortOf(c: Pick<UiSettings, 'uiPort' | 'httpPort'>): number {
  return c.uiPort ?? c.httpPort ?? UI_PORT;
}

export function checkUiConfig(c: UiSettings): ConfigIssue[] {
  return [...checkConnectionConfig(c), ...checkSecretKeys(c.apiKeys, 'UI_API_KEYS')];
}

/** The drift monitor's DRIFT_* settings from the same environment (the drift-report form judges with them). */
export function loadDriftSettings(env: Readonly<Record<string, string | undefined>>): DriftMonitorConfig {
  return loadConfig(driftMonitorConfigSchema, env, checkDriftMonitorConfig);
}

/** The problems of the DRIFT_* settings, to report with the UI's own. */
export function driftSettingsIssues(env: Readonly<Record<string, string | undefined>>): ConfigIssue[] {
  try {
    loadDriftSettings(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
}
