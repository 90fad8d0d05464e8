import type { Redis } from 'ioredis';
import {
  BearerKeys,
  ConfigError,
  createIdempotentProducer,
  createRedis,
  pipelineMetrics,
  parseSecretKeys,
  redisReadiness,
  requireBearer,
  sendRecords,
  type BatchHandler,
  type ReadinessCheck,
  type RouteHandler,
  type ServiceContext,
  type ServiceParts,
} from '@riskstream/shared';
import { maskDlqContent } from './card-number-masking.ts';
import { CardTokenizer, parseCardTokenKeys } from './card-token.ts';
import { checkIngestConfig, type IngestConfig } from './config.ts';
import { createIngestHandler } from './ingest-handler.ts';
import { ingestMetrics } from './ingest-metrics.ts';
import { RawRecordCodec, type RawInput } from './raw-record-codec.ts';
import { createTransactionEndpoint } from './transaction-endpoint.ts';
import { redisMarkerStore, TransactionDedup } from './transaction-dedup.ts';
import type { ValidationRules } from './transaction-validation.ts';

export { ingestConfigSchema, checkIngestConfig, INGEST_PORT, type IngestConfig } from './config.ts';
export { REJECTION_REASONS, type RejectionReason } from './rejection-reasons.ts';
export { maskCardNumbers, maskPayload, maskKey } from './card-number-masking.ts';
export { CardTokenizer, parseCardTokenKeys, checkCardTokenKeys, type CardToken, type CardTokenKey } from './card-token.ts';
export { validateTransaction, TransactionValidationError, type ValidTransaction, type ValidationRules } from './transaction-validation.ts';
export { toValidRecord, type ValidRecord } from './ingest-handler.ts';
export { TransactionDedup, redisMarkerStore, recordCoordinates, type DedupVerdict } from './transaction-dedup.ts';
export type { RawInput } from './raw-record-codec.ts';

export interface IngestDeps {
  /** The clock for event_time checks and ingest_time; tests pin it. */
  readonly now?: () => number;
  /** A Redis client to use instead of one built from config (the caller then closes it). */
  readonly redis?: Redis;
}

/** What ingest does, apart from how records reach it: the fused topology chains it in memory. */
export interface IngestStage {
  readonly groupId: string;
  /** Hands decode failures to the handler (masked), instead of to the runner. */
  readonly codec: RawRecordCodec;
  readonly handler: BatchHandler<RawInput>;
  readonly maskDlq: typeof maskDlqContent;
  readonly routes: Record<string, RouteHandler>;
  readonly readiness: Record<string, ReadinessCheck>;
  close(): Promise<void>;
}

/**
 * Ingest: transactions.raw.v1 -> transactions.valid.v1 (validated, deduplicated, card number replaced by
 * a keyed token), bad input -> transactions.dlq.v1 (masked), plus POST /transactions. Transactional
 * delivery: the valid records, the DLQ records and the consumed offsets commit together.
 */
export async function buildIngest(ctx: ServiceContext, config: IngestConfig, deps: IngestDeps = {}): Promise<ServiceParts> {
  const stage = await buildIngestStage(ctx, config, deps);
  const runner = ctx.runner<RawInput>({
    codec: stage.codec,
    groupId: stage.groupId,
    inputs: ['transactionsRaw'],
    mode: 'transactional',
    microBatchSize: config.microBatchSize,
    sessionTimeoutMs: config.sessionTimeoutMs,
    handler: stage.handler,
    maskDlq: stage.maskDlq,
  });
  ctx.logger.info({ groupId: runner.groupId }, 'ingest built');
  return { runners: [runner], routes: stage.routes, readiness: stage.readiness, close: () => stage.close() };
}

export async function buildIngestStage(ctx: ServiceContext, config: IngestConfig, deps: IngestDeps = {}): Promise<IngestStage> {
  const issues = checkIngestConfig(config);
  if (issues.length > 0) throw new ConfigError(issues);
  const now = deps.now ?? Date.now;
  const tokenizer = new CardTokenizer(parseCardTokenKeys(config.cardTokenKeys), config.cardTokenActiveKey);
  const rules: ValidationRules = { maxAmount: config.maxAmount, maxFutureMs: config.maxFutureMinutes * 60_000 };
  const metrics = ingestMetrics(ctx.registry);
  const redis = deps.redis ?? createRedis(config, { connectionName: ctx.name, commandTimeoutMs: config.redisTimeoutMs, logger: ctx.logger });
  const dedup = new TransactionDedup({
    store: redisMarkerStore(redis),
    // Two namespaces on one Redis must not see each other's transaction ids as duplicates.
    keyPrefix: config.dedupKeyPrefix + config.topicNamespace,
    horizonSeconds: config.dedupHorizonSeconds,
  });
  const codec = new RawRecordCodec(ctx.codec.registry, ctx.names);
  // Every topic's schema: in the fused topology this codec also encodes enriched, scored and DLQ records.
  await codec.register();
  const handler = createIngestHandler({ service: ctx.name, rules, tokenizer, dedup, metrics, dlqCounter: pipelineMetrics(ctx.registry).dlq, logger: ctx.logger, now });

  const producer = createIdempotentProducer(ctx.kafka);
  await producer.connect();
  const endpoint = createTransactionEndpoint({
    maxBodyBytes: config.httpMaxBodyBytes,
    maxRecords: config.httpMaxRecords,
    maxInFlightRequests: config.httpMaxInFlightRequests,
    maxInFlightRecords: config.httpMaxInFlightRecords,
    retryAfterSeconds: config.httpRetryAfterSeconds,
    rules,
    tokenizer,
    now,
    publish: (records) => sendRecords(producer, codec, records),
    metrics,
    logger: ctx.logger,
  });

  ctx.logger.info({ activeKey: tokenizer.activeKeyId, keys: tokenizer.keyIds }, 'ingest stage built');
  return {
    groupId: config.topicNamespace + config.groupId,
    codec,
    handler,
    // The handler dead-letters bad input itself; the runner's own DLQ records (a non-retriable handler
    // failure, a record too large) would otherwise carry the raw key: a card number.
    maskDlq: maskDlqContent,
    routes: { 'POST /transactions': requireBearer(new BearerKeys(parseSecretKeys(config.httpApiKeys)), endpoint.handle, () => metrics.httpRequests.inc({ status: '401' })) },
    readiness: { redis: redisReadiness(redis) },
    async close() {
      await endpoint.drain();
      await producer.disconnect();
      if (!deps.redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
