import { field, serviceSchema, type ConfigIssue, type ConfigOf } from '@riskstream/shared';
import { checkSecretKeys, SECRET_KEYS_FORMAT } from './webhook-auth.ts';

export const ALERT_RECEIVER_PORT = 8090;

export const alertReceiverConfigSchema = {
  ...serviceSchema(ALERT_RECEIVER_PORT),
  alertmanagerBearerTokens: field.optionalString({
    env: 'ALERTMANAGER_BEARER_TOKENS',
    description:
      `bearer tokens accepted on POST /alerts/alertmanager, as ${SECRET_KEYS_FORMAT} (a secret; several = rotation). ` +
      'Alertmanager sends one with webhook_configs[].http_config.authorization {type: Bearer, credentials: <token>}. Unset: every request gets 401',
    secret: true,
  }),
  grafanaHmacSecrets: field.optionalString({
    env: 'GRAFANA_WEBHOOK_HMAC_SECRETS',
    description:
      `HMAC-SHA256 secrets accepted on POST /alerts/grafana, as ${SECRET_KEYS_FORMAT} (a secret; several = rotation). ` +
      'The Grafana webhook contact point sets hmacConfig.secret to one of them and hmacConfig.timestampHeader to ALERT_RECEIVER_GRAFANA_TIMESTAMP_HEADER. Unset: every request gets 401',
    secret: true,
  }),
  grafanaSignatureHeader: field.string({
    env: 'ALERT_RECEIVER_GRAFANA_SIGNATURE_HEADER',
    description: "header carrying Grafana's hex HMAC-SHA256 signature (Grafana's hmacConfig.header)",
    default: 'X-Grafana-Alerting-Signature',
    pattern: /^[A-Za-z0-9-]+$/,
  }),
  grafanaTimestampHeader: field.string({
    env: 'ALERT_RECEIVER_GRAFANA_TIMESTAMP_HEADER',
    description: "header carrying the Unix time (seconds) Grafana signed as '<timestamp>:<body>' (Grafana's hmacConfig.timestampHeader; required, it stops replays)",
    default: 'X-Grafana-Alerting-Timestamp',
    pattern: /^[A-Za-z0-9-]+$/,
  }),
  grafanaMaxAgeSeconds: field.int({ env: 'ALERT_RECEIVER_GRAFANA_MAX_AGE_SECONDS', description: 'oldest accepted Grafana signature timestamp, in seconds before now', default: 300, min: 1 }),
  grafanaMaxFutureSeconds: field.int({
    env: 'ALERT_RECEIVER_GRAFANA_MAX_FUTURE_SECONDS',
    description: 'how far a Grafana signature timestamp may be ahead of our clock (skew), in seconds',
    default: 60,
    min: 0,
  }),
  maxBodyBytes: field.int({ env: 'ALERT_RECEIVER_MAX_BODY_BYTES', description: 'largest webhook body, in bytes; larger gets 413', default: 1024 * 1024, min: 1024 }),
  driftMonitorUrl: field.url({
    env: 'DRIFT_MONITOR_URL',
    description: 'drift monitor base URL; GET <url>/v1/drift supplies the evidence of a retrain request',
    protocols: ['http:', 'https:'],
    default: 'http://127.0.0.1:8094',
  }),
  driftTimeoutMs: field.int({
    env: 'ALERT_RECEIVER_DRIFT_TIMEOUT_MS',
    description: 'time allowed for GET /v1/drift, in ms; after it the request is published with the evidence in the alert itself',
    default: 2000,
    min: 50,
  }),
  driftMaxBytes: field.int({ env: 'ALERT_RECEIVER_DRIFT_MAX_BYTES', description: 'largest accepted /v1/drift answer, in bytes (it goes into the Kafka record)', default: 256 * 1024, min: 1024, max: 768 * 1024 }),
  defaultModelName: field.string({
    env: 'ALERT_RECEIVER_DEFAULT_MODEL_NAME',
    description: 'model_name when neither the alert (label model_name) nor the drift monitor names one',
    default: 'fraud',
    pattern: /^[A-Za-z0-9._-]+$/,
  }),
  cooldownSeconds: field.int({
    env: 'ALERT_RECEIVER_COOLDOWN_SECONDS',
    description: 'after a request is published for a model_name+action, further alerts for it are acknowledged but not published for this long, in seconds (0 = no cooldown)',
    default: 1800,
    min: 0,
  }),
  dedupTtlSeconds: field.int({
    env: 'ALERT_RECEIVER_DEDUP_TTL_SECONDS',
    description: "how long an alert (fingerprint + startsAt) is remembered as published, in seconds; longer than an alert keeps firing, since Alertmanager re-sends it every repeat_interval",
    default: 7 * 24 * 3600,
    min: 60,
  }),
  claimTtlSeconds: field.int({
    env: 'ALERT_RECEIVER_CLAIM_TTL_SECONDS',
    description: 'how long a replica holds an alert it is publishing before the claim lapses (a crash mid-publish), in seconds',
    default: 60,
    min: 1,
  }),
  redisKeyPrefix: field.string({
    env: 'ALERT_RECEIVER_REDIS_KEY_PREFIX',
    description: 'Redis key prefix of dedup and cooldown markers (TOPIC_NAMESPACE is appended)',
    default: 'riskstream:alert-receiver:',
  }),
  redisTimeoutMs: field.int({ env: 'ALERT_RECEIVER_REDIS_TIMEOUT_MS', description: 'a Redis command without an answer after this long fails (503), in ms', default: 2000, min: 50 }),
  publishTimeoutMs: field.int({
    env: 'ALERT_RECEIVER_PUBLISH_TIMEOUT_MS',
    description: 'time allowed for Kafka to acknowledge a retrain request before the webhook gets 503, in ms',
    default: 15000,
    min: 100,
  }),
  fallbackRangeMinutes: field.int({
    env: 'ALERT_RECEIVER_FALLBACK_RANGE_MINUTES',
    description: 'without drift-monitor evidence, the event-time range of a request starts this long before the alert started, in minutes',
    default: 60,
    min: 1,
  }),
  retryAfterSeconds: field.int({ env: 'ALERT_RECEIVER_RETRY_AFTER_SECONDS', description: 'Retry-After of a 503 answer, in seconds', default: 5, min: 1 }),
} as const;

export type AlertReceiverConfig = ConfigOf<typeof alertReceiverConfigSchema>;

/** Rules no single field can check; pass to loadConfig next to checkConnectionConfig. */
export function checkAlertReceiverConfig(c: AlertReceiverConfig): ConfigIssue[] {
  const issues = [
    ...checkSecretKeys(c.alertmanagerBearerTokens, 'ALERTMANAGER_BEARER_TOKENS'),
    ...checkSecretKeys(c.grafanaHmacSecrets, 'GRAFANA_WEBHOOK_HMAC_SECRETS'),
  ];
  if (c.grafanaSignatureHeader.toLowerCase() === c.grafanaTimestampHeader.toLowerCase()) {
    issues.push({ field: 'ALERT_RECEIVER_GRAFANA_TIMESTAMP_HEADER', problem: 'must differ from ALERT_RECEIVER_GRAFANA_SIGNATURE_HEADER' });
  }
  // A claim that lapses while its holder is still publishing lets a second replica publish the same alert.
  if (c.claimTtlSeconds * 1000 <= c.driftTimeoutMs + c.publishTimeoutMs) {
    issues.push({
      field: 'ALERT_RECEIVER_CLAIM_TTL_SECONDS',
      problem: `must exceed ALERT_RECEIVER_DRIFT_TIMEOUT_MS + ALERT_RECEIVER_PUBLISH_TIMEOUT_MS (${c.driftTimeoutMs + c.publishTimeoutMs} ms)`,
    });
  }
  return issues;
}
