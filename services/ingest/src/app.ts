import type { Redis } from 'ioredis';
import {
  ConfigError,
  createIdempotentProducer,
  createRedis,
  pipelineMetrics,
  redisReadiness,
  sendRecords,
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
export type { ValidRecord } from './ingest-handler.ts';

export interface IngestDeps {
  /** The clock for event_time checks and ingest_time; tests pin it. */
  readonly now?: () => number;
  /** A Redis client to use instead of one built from config (the caller then closes it). */
  readonly redis?: Redis;
}

/**
 * Ingest: transactions.raw.v1 -> transactions.valid.v1 (validated, deduplicated, card number replaced by
 * a keyed token), bad input -> transactions.dlq.v1 (masked), plus POST /transactions. Transactional
 * delivery: the valid records, the DLQ records and the consumed offsets of a micro-batch commit together.
 */
export async function buildIngest(ctx: ServiceContext, config: IngestConfig, deps: IngestDeps = {}): Promise<ServiceParts> {
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

  // A codec of our own (same registry client and topics) hands decode failures to the handler, which
  // dead-letters them masked and counts them by reason; see raw-record-codec.ts.
  const codec = new RawRecordCodec(ctx.codec.registry, ctx.names);
  await codec.register(['transactionsRaw', 'transactionsValid']);
  const runner = ctx.runner<RawInput>({
    codec,
    groupId: config.topicNamespace + config.groupId,
    inputs: ['transactionsRaw'],
    mode: 'transactional',
    microBatchSize: config.microBatchSize,
    sessionTimeoutMs: config.sessionTimeoutMs,
    handler: createIngestHandler({
      service: ctx.name,
      rules,
      tokenizer,
      dedup,
      metrics,
      dlqCounter: pipelineMetrics(ctx.registry).dlq,
      logger: ctx.logger,
      now,
    }),
    // The handler dead-letters bad input itself; the runner's own DLQ records (a non-retriable handler
    // failure, a record too large) would otherwise carry the raw key: a card number.
    maskDlq: maskDlqContent,
  });

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

  ctx.logger.info({ activeKey: tokenizer.activeKeyId, keys: tokenizer.keyIds, groupId: runner.groupId }, 'ingest built');
  return {
    runners: [runner],
    routes: { 'POST /transactions': endpoint.handle },
    readiness: { redis: redisReadiness(redis) },
    async close() {
      await endpoint.drain();
      await producer.disconnect();
      if (!deps.redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
