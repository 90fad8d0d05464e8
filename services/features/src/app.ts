import { createRedis, redisReadiness, withoutFusedRecords, type BatchHandler, type ReadinessCheck, type ServiceContext, type ServiceParts, type TopicKey } from '@riskstream/shared';
import { FeatureStore } from '@riskstream/shared/feature-store';
import type { FeaturesConfig } from './config.ts';
import { EventTimeWatermarks } from './event-time-watermark.ts';
import { createFeatureHandler } from './feature-handler.ts';
import { featuresMetrics } from './features-metrics.ts';
import { validateInput, type FeaturesInput } from './input-records.ts';

export { featuresConfigSchema, type FeaturesConfig } from './config.ts';
export type { FeaturesInput } from './input-records.ts';
export { enrichedRecord } from './feature-handler.ts';

/** What the feature stage does, apart from how records reach it: the fused topology chains it in memory. */
export interface FeaturesStage {
  readonly handler: BatchHandler<FeaturesInput>;
  readonly validate: (topic: TopicKey, value: unknown) => FeaturesInput;
  readonly readiness: Record<string, ReadinessCheck>;
  close(): Promise<void>;
}

/**
 * transactions.valid.v1 (+ transactions.labels.v1) -> transactions.enriched.v1, with Redis as the online
 * feature store. One runner consumes both inputs; labels produce no records. Transactional mode: the
 * enriched records and the input offsets commit together, and the store is idempotent per transaction
 * id, so a redelivered batch yields the same records again. Valid records a fused member already
 * enriched are skipped (shared/src/topology.ts).
 */
export async function buildFeatures(ctx: ServiceContext, config: FeaturesConfig): Promise<ServiceParts> {
  const stage = buildFeaturesStage(ctx, config);
  const runner = ctx.runner<FeaturesInput>({
    groupId: config.groupId,
    inputs: ['transactionsValid', 'transactionsLabels'],
    validate: stage.validate,
    handler: withoutFusedRecords(stage.handler),
    mode: 'transactional',
    microBatchSize: config.microBatchSize,
    sessionTimeoutMs: config.sessionTimeoutMs,
  });
  return { runners: [runner], readiness: stage.readiness, close: () => stage.close() };
}

export function buildFeaturesStage(ctx: ServiceContext, config: FeaturesConfig): FeaturesStage {
  const metrics = featuresMetrics(ctx.registry);
  const redis = createRedis(config, { connectionName: ctx.name, commandTimeoutMs: config.redisTimeoutMs, logger: ctx.logger });
  const store = new FeatureStore(redis, config.keyPrefix, config, metrics, ctx.logger);
  return {
    handler: createFeatureHandler({ store, watermarks: new EventTimeWatermarks(config.allowedLatenessMs), metrics }),
    validate: validateInput,
    readiness: { redis: redisReadiness(redis) },
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
