import { createRedis, redisReadiness, type ServiceContext, type ServiceParts } from '@riskstream/shared';
import type { FeaturesConfig } from './config.ts';
import { EventTimeWatermarks } from './event-time-watermark.ts';
import { createFeatureHandler } from './feature-handler.ts';
import { FeatureStore } from './feature-store.ts';
import { featuresMetrics } from './features-metrics.ts';
import { validateInput, type FeaturesInput } from './input-records.ts';

/**
 * transactions.valid.v1 (+ transactions.labels.v1) -> transactions.enriched.v1, with Redis as the online
 * feature store. One runner consumes both inputs; labels produce no records. Transactional mode: the
 * enriched records and the input offsets commit in one Kafka transaction per input partition, and the
 * store is idempotent per transaction id, so a redelivered batch yields the same records again.
 */
export async function buildFeatures(ctx: ServiceContext, config: FeaturesConfig): Promise<ServiceParts> {
  const metrics = featuresMetrics(ctx.registry);
  const redis = createRedis(config, { connectionName: ctx.name, commandTimeoutMs: config.redisTimeoutMs, logger: ctx.logger });
  const store = new FeatureStore(redis, config.keyPrefix, config, metrics, ctx.logger);
  const runner = ctx.runner<FeaturesInput>({
    groupId: config.groupId,
    inputs: ['transactionsValid', 'transactionsLabels'],
    validate: validateInput,
    handler: createFeatureHandler({ store, watermarks: new EventTimeWatermarks(config.allowedLatenessMs), metrics }),
    mode: 'transactional',
    microBatchSize: config.microBatchSize,
    sessionTimeoutMs: config.sessionTimeoutMs,
  });
  return {
    runners: [runner],
    readiness: { redis: redisReadiness(redis) },
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
