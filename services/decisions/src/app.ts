import type { Redis } from 'ioredis';
import {
  BearerKeys,
  createIdempotentProducer,
  createRedis,
  parseSecretKeys,
  redisReadiness,
  requireBearer,
  sendRecords,
  type RouteHandler,
  type ServiceContext,
  type ServiceParts,
} from '@riskstream/shared';
import { createModelSource } from '@riskstream/shared/model';
import { CardTokenizer, parseCardTokenKeys, redisMarkerStore, TransactionDedup } from '@riskstream/ingest';
import { buildFeaturesStage } from '@riskstream/features';
import { buildScoringStage, loadScoringModel, type ScoringDeps } from '@riskstream/scoring';
import { AnswerStore } from './answer-store.ts';
import { decisionStageConfigs, type DecisionsConfig } from './config.ts';
import { createDecisionEndpoint } from './decision-endpoint.ts';
import { DecisionPipeline } from './decision-pipeline.ts';
import { DecisionQueue } from './decision-queue.ts';
import { decisionsMetrics, type DecisionsMetrics } from './decisions-metrics.ts';
import { mlflowRoutes } from './mlflow-invocations.ts';
import { openInferenceRoutes } from './open-inference.ts';
import { createRelayHandler, parseOutboxEnvelope, type OutboxEnvelope } from './outbox.ts';
import { OutboxPublisher } from './outbox-publisher.ts';
import { ServingCatalog } from './serving-catalog.ts';

export { decisionsConfigSchema, checkDecisionsConfig, DECISIONS_PORT, type DecisionsConfig } from './config.ts';
export type { DecisionAnswer } from './decision-answer.ts';

export interface DecisionsDeps {
  readonly scoring?: ScoringDeps;
  /** Wall clock for event_time checks and ingest_time; tests pin it. */
  readonly now?: () => number;
}

const RELAY_FETCH_MIN_BYTES = 256 * 1024;

/** Probes and version answers anyone may ask for; everything that scores needs a key when keys are set. */
const OPEN_ROUTES = new Set(['GET /v2/health/live', 'GET /v2/health/ready', 'GET /ping', 'GET /health', 'GET /version']);

/**
 * The decisions process: POST /v1/decisions answers a transaction's decision inline (the authorisation
 * path), with the stream's validation, tokenisation, feature store, champion, thresholds, reasons and
 * shadow challenger, and records every answer through the outbox (outbox.ts) so it appears once on
 * transactions.valid.v1, transactions.enriched.v1 and transactions.scored.v1. It also serves the model
 * alone over the Open Inference Protocol v2 and MLflow's /invocations.
 */
export async function buildDecisions(ctx: ServiceContext, config: DecisionsConfig, deps: DecisionsDeps = {}): Promise<ServiceParts> {
  const stages = decisionStageConfigs(config);
  const now = deps.now ?? Date.now;
  const metrics = decisionsMetrics(ctx.registry);
  const source = deps.scoring?.source ?? createModelSource(stages.scoring.modelSource, { timeoutMs: stages.scoring.modelFetchTimeoutMs });
  const features = buildFeaturesStage(ctx, stages.features);
  const scoring = buildScoringStage(ctx, stages.scoring, { ...deps.scoring, source, now });
  const redis = createRedis(config, { connectionName: ctx.name, commandTimeoutMs: config.redisTimeoutMs, logger: ctx.logger });
  const producer = createIdempotentProducer(ctx.kafka);
  await producer.connect();
  const publisher = new OutboxPublisher((records) => sendRecords(producer, ctx.codec, records), config.recordTimeoutMs);

  const pipeline = new DecisionPipeline({
    tokenizer: new CardTokenizer(parseCardTokenKeys(stages.ingest.cardTokenKeys), stages.ingest.cardTokenActiveKey),
    dedup: new TransactionDedup({ store: redisMarkerStore(redis), keyPrefix: stages.ingest.dedupKeyPrefix + config.topicNamespace, horizonSeconds: stages.ingest.dedupHorizonSeconds }),
    answers: new AnswerStore(redis, `${config.keyPrefix}${config.topicNamespace}:`, config.answerTtlSeconds),
    features: features.handler,
    validateValid: features.validate,
    scoring: scoring.handler,
    publisher,
    names: ctx.names,
    policy: config.redisPolicy,
    metrics,
    logger: ctx.logger,
    now,
  });
  const queue = new DecisionQueue(pipeline, config.maxBatch, metrics);
  const endpoint = createDecisionEndpoint({
    maxBodyBytes: config.maxBodyBytes,
    maxInFlight: config.maxInFlight,
    retryAfterSeconds: config.retryAfterSeconds,
    rules: { maxAmount: stages.ingest.maxAmount, maxFutureMs: stages.ingest.maxFutureMinutes * 60_000 },
    queue,
    metrics,
    logger: ctx.logger,
    now,
  });
  const relay = ctx.runner<OutboxEnvelope>({
    groupId: config.topicNamespace + config.relayGroupId,
    inputs: ['transactionsDecisions'],
    validate: parseOutboxEnvelope,
    handler: createRelayHandler(relayDedup(redis, config, stages.ingest.dedupHorizonSeconds), metrics),
    mode: 'transactional',
    cadence: { intervalMs: config.relayCommitIntervalMs },
    // Off the answer path: let the broker gather outbox records for a commit interval rather than answer
    // a fetch per record (each fetch costs the broker as much CPU as the records in it).
    minBytes: RELAY_FETCH_MIN_BYTES,
    maxWaitMs: config.relayCommitIntervalMs,
  });
  const catalog = new ServingCatalog(stages.scoring.modelName, scoring.serving, async (version) =>
    loadScoringModel(await source.fetch(stages.scoring.modelName, version), { intraOpNumThreads: stages.scoring.intraOpThreads }),
  );
  const guard = authentication(config, metrics);
  const routes: Record<string, RouteHandler> = {
    ...scoring.routes,
    ...openInferenceRoutes(catalog, { maxBodyBytes: config.maxBodyBytes, serverName: 'riskstream-decisions', logger: ctx.logger }),
    ...mlflowRoutes(catalog, { maxBodyBytes: config.maxBodyBytes, version: 'riskstream 0.1.0', logger: ctx.logger }),
    'POST /v1/decisions': endpoint.handle,
  };

  ctx.logger.info({ relayGroupId: relay.groupId, redisPolicy: config.redisPolicy, auth: config.apiKeys !== undefined }, 'decisions built');
  return {
    // The scoring gate loads the champion before the relay joins its group; the relay itself needs no
    // model, but nothing reaches the outbox before a champion answers anyway.
    runners: [scoring.lifecycle, scoring.gate(relay)],
    routes: Object.fromEntries(Object.entries(routes).map(([key, route]) => [key, OPEN_ROUTES.has(key) ? route : guard(route)])),
    readiness: config.redisPolicy === 'fail-closed' ? { redis: redisReadiness(redis), ...scoring.readiness } : scoring.readiness,
    async close() {
      await endpoint.drain();
      await queue.drain();
      await publisher.drain();
      await producer.disconnect();
      await catalog.close();
      await features.close();
      await scoring.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * The relay's claims on transaction ids (outbox.ts), kept as long as ingest's dedup markers: a retry can
 * put a transaction in the outbox again for as long as those say it was ours (after the answer expired it
 * is decided again, from the same idempotent features), so its second copy is dropped for that long too.
 */
function relayDedup(redis: Redis, config: DecisionsConfig, horizonSeconds: number): TransactionDedup {
  return new TransactionDedup({ store: redisMarkerStore(redis), keyPrefix: `${config.keyPrefix}${config.topicNamespace}:relayed:`, horizonSeconds });
}

function authentication(config: DecisionsConfig, metrics: DecisionsMetrics): (route: RouteHandler) => RouteHandler {
  const keys = new BearerKeys(parseSecretKeys(config.apiKeys));
  return (route) => requireBearer(keys, route, (reason) => metrics.authFailures.inc({ reason }));
}
