import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkConnectionConfig, connectionSchema, field, loadConfig, type ConfigOf } from '@riskstream/shared';
import { alertReceiversSchema, checkAlertReceivers } from './alert-receivers.ts';

/** cli/src/stack -> repository root; the default stack dir sits beside the code so `git clean` finds it. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

/**
 * The local stack reads the same connection variables as the services (so `stack up` starts exactly what
 * the services will connect to) plus where it keeps state and downloads.
 */
export const stackConfigSchema = {
  ...connectionSchema,
  prometheusUrl: field.url({
    env: 'PROMETHEUS_URL',
    description: 'Prometheus base URL',
    protocols: ['http:', 'https:'],
    default: 'http://127.0.0.1:9090',
  }),
  alertmanagerUrl: field.url({
    env: 'ALERTMANAGER_URL',
    description: 'Alertmanager base URL',
    protocols: ['http:', 'https:'],
    default: 'http://127.0.0.1:9093',
  }),
  alertWebhookUrl: field.url({
    env: 'ALERT_WEBHOOK_URL',
    description: 'where the local Alertmanager posts alerts (the riskstream alert receiver)',
    protocols: ['http:', 'https:'],
    default: 'http://127.0.0.1:8090/alerts/alertmanager',
  }),
  // Not 9093: that is Alertmanager's port.
  kafkaControllerPort: field.int({
    env: 'KAFKA_CONTROLLER_PORT',
    description: 'port of the local KRaft controller listener',
    min: 1,
    max: 65535,
    default: 9094,
  }),
  stackDir: field.string({
    env: 'RISKSTREAM_STACK_DIR',
    description: 'where the local stack keeps pid files, logs, configs and data',
    default: join(REPO_ROOT, '.stack'),
  }),
  cacheDir: field.string({
    env: 'RISKSTREAM_CACHE_DIR',
    description: 'download cache for Kafka jars and the Apicurio registry',
    default: join(homedir(), '.cache', 'riskstream'),
  }),
  startTimeoutSeconds: field.int({
    env: 'RISKSTREAM_STACK_TIMEOUT',
    description: 'seconds `stack up` waits for each component to become healthy',
    min: 1,
    default: 180,
  }),
  javaHome: field.optionalString({ env: 'JAVA_HOME', description: 'JDK used for Kafka and the registry (else java on PATH)' }),
  // Slack, PagerDuty, e-mail and a generic webhook in the local Alertmanager, each off until configured.
  ...alertReceiversSchema,
} as const;

export type StackConfig = ConfigOf<typeof stackConfigSchema>;

export function loadStackConfig(env: Readonly<Record<string, string | undefined>>): StackConfig {
  return loadConfig(stackConfigSchema, env, (c) => [...checkConnectionConfig(c), ...checkAlertReceivers(c)]);
}
