import type { Redis } from 'ioredis';
import {
  ConfigError,
  createIdempotentProducer,
  createRedis,
  pipelineMetrics,
  redisReadiness,
  sendRecords,
  type RetrainRequested,
  type ServiceContext,
  type ServiceParts,
} from '@riskstream/shared';
import { createAlertEndpoint } from './alert-endpoint.ts';
import { AlertGate, redisMarkerStore } from './alert-gate.ts';
import { createAlertIntake } from './alert-intake.ts';
import { alertReceiverMetrics } from './alert-receiver-metrics.ts';
import { checkAlertReceiverConfig, type AlertReceiverConfig } from './config.ts';
import { driftEvidenceSource } from './drift-evidence.ts';
import { BearerTokenAuthenticator, GrafanaSignatureAuthenticator, parseSecretKeys } from './webhook-auth.ts';

export { alertReceiverConfigSchema, checkAlertReceiverConfig, ALERT_RECEIVER_PORT, type AlertReceiverConfig } from './config.ts';
export { grafanaSignature, parseSecretKeys, checkSecretKeys, WebhookAuthError, type AuthFailureReason, type SecretKey } from './webhook-auth.ts';
export { parseNotification, type AlertNotification, type ReceivedAlert, type AlertSource } from './webhook-payload.ts';
export { retrainEventId } from './retrain-request.ts';

export interface AlertReceiverDeps {
  /** The clock for signature ages and created_at; tests pin it. */
  readonly now?: () => number;
  /** A Redis client to use instead of one built from config (the caller then closes it). */
  readonly redis?: Redis;
  /** Replaces the Kafka publish (unit tests); resolves once the record is acknowledged. */
  readonly publish?: (record: RetrainRequested) => Promise<void>;
  readonly fetch?: typeof fetch;
}

/**
 * Alert receiver: Alertmanager and Grafana webhooks in, RetrainRequested (models.retrain.v1) out, with
 * the drift monitor's evidence. No consumer: the HTTP routes are the input.
 */
export async function buildAlertReceiver(ctx: ServiceContext, config: AlertReceiverConfig, deps: AlertReceiverDeps = {}): Promise<ServiceParts> {
  const issues = checkAlertReceiverConfig(config);
  if (issues.length > 0) throw new ConfigError(issues);
  const now = deps.now ?? Date.now;
  const metrics = alertReceiverMetrics(ctx.registry);
  const redis = deps.redis ?? createRedis(config, { connectionName: ctx.name, commandTimeoutMs: config.redisTimeoutMs, logger: ctx.logger });
  const gate = new AlertGate({
    store: redisMarkerStore(redis),
    // Two namespaces on one Redis must not dedup or cool down each other's alerts.
    keyPrefix: config.redisKeyPrefix + config.topicNamespace,
    dedupTtlMs: config.dedupTtlSeconds * 1000,
    cooldownMs: config.cooldownSeconds * 1000,
    claimTtlMs: config.claimTtlSeconds * 1000,
  });

  let publish = deps.publish;
  let disconnect = async () => {};
  if (!publish) {
    const producer = createIdempotentProducer(ctx.kafka);
    await producer.connect();
    const pm = pipelineMetrics(ctx.registry);
    publish = (record) => sendRecords(producer, ctx.codec, [{ topic: 'modelsRetrain', key: record.model_name, value: record }], pm);
    disconnect = () => producer.disconnect();
  }

  const intake = createAlertIntake({
    gate,
    evidence: driftEvidenceSource({
      baseUrl: config.driftMonitorUrl,
      timeoutMs: config.driftTimeoutMs,
      maxBytes: config.driftMaxBytes,
      now,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    }),
    publish,
    publishTimeoutMs: config.publishTimeoutMs,
    defaultModelName: config.defaultModelName,
    fallbackRangeMs: config.fallbackRangeMinutes * 60_000,
    now,
    metrics,
    logger: ctx.logger,
  });
  const bearerKeys = parseSecretKeys(config.alertmanagerBearerTokens);
  const hmacKeys = parseSecretKeys(config.grafanaHmacSecrets);
  const common = { intake, maxBodyBytes: config.maxBodyBytes, retryAfterSeconds: config.retryAfterSeconds, metrics, logger: ctx.logger };
  const alertmanager = createAlertEndpoint({ ...common, authenticator: new BearerTokenAuthenticator('alertmanager', bearerKeys) });
  const grafana = createAlertEndpoint({
    ...common,
    authenticator: new GrafanaSignatureAuthenticator({
      keys: hmacKeys,
      signatureHeader: config.grafanaSignatureHeader,
      timestampHeader: config.grafanaTimestampHeader,
      maxAgeSeconds: config.grafanaMaxAgeSeconds,
      maxFutureSeconds: config.grafanaMaxFutureSeconds,
      now,
    }),
  });

  if (bearerKeys.length === 0) ctx.logger.warn('ALERTMANAGER_BEARER_TOKENS is not set: POST /alerts/alertmanager refuses every request');
  if (hmacKeys.length === 0) ctx.logger.warn('GRAFANA_WEBHOOK_HMAC_SECRETS is not set: POST /alerts/grafana refuses every request');
  ctx.logger.info(
    { bearerKeys: bearerKeys.map((k) => k.id), hmacKeys: hmacKeys.map((k) => k.id), driftMonitor: config.driftMonitorUrl, cooldownSeconds: config.cooldownSeconds },
    'alert receiver built',
  );
  return {
    runners: [],
    routes: { 'POST /alerts/alertmanager': alertmanager.handle, 'POST /alerts/grafana': grafana.handle },
    readiness: { redis: redisReadiness(redis) },
    async close() {
      await Promise.all([alertmanager.drain(), grafana.drain()]);
      await disconnect();
      if (!deps.redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
