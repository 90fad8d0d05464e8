import { checkSecretKeys, field, serviceSchema, SECRET_KEYS_FORMAT, stageConfig, stageFields, type ConfigIssue, type ConfigOf } from '@riskstream/shared';
import { checkIngestConfig, ingestConfigSchema, type IngestConfig } from '@riskstream/ingest';
import { featuresConfigSchema, type FeaturesConfig } from '@riskstream/features';
import { checkScoringConfig, scoringConfigSchema, type ScoringConfig } from '@riskstream/scoring';

export const DECISIONS_PORT = 8098;

export const REDIS_POLICIES = ['fail-closed', 'fail-open'] as const;
export type RedisPolicy = (typeof REDIS_POLICIES)[number];

const hostSchema = serviceSchema(DECISIONS_PORT);

const ownSchema = {
  apiKeys: field.optionalString({
    env: 'DECISIONS_API_KEYS',
    description: `bearer keys accepted by POST /v1/decisions and the model-serving routes, as ${SECRET_KEYS_FORMAT} (several for rotation); unset = no authentication`,
    secret: true,
  }),
  redisPolicy: field.oneOf({
    env: 'DECISIONS_REDIS_POLICY',
    description: 'Redis unavailable: fail-closed answers 503 with Retry-After; fail-open decides on default features (features_degraded: true)',
    values: REDIS_POLICIES,
    default: 'fail-closed',
  }),
  redisTimeoutMs: field.int({ env: 'DECISIONS_REDIS_TIMEOUT_MS', description: 'a Redis call of the decision path without an answer after this long counts as Redis unavailable, in ms', default: 200, min: 10 }),
  recordTimeoutMs: field.int({
    env: 'DECISIONS_RECORD_TIMEOUT_MS',
    description: 'longest wait for Kafka to acknowledge a decision\'s record before answering 503 (the decision is not given), in ms',
    default: 3000,
    min: 100,
  }),
  maxBatch: field.int({ env: 'DECISIONS_MAX_BATCH', description: 'concurrent requests decided together (one Redis round trip, one model run)', default: 64, min: 1, max: 1024 }),
  maxInFlight: field.int({ env: 'DECISIONS_MAX_IN_FLIGHT', description: 'requests being decided at once; more get 429 with Retry-After', default: 512, min: 1 }),
  maxBodyBytes: field.int({ env: 'DECISIONS_MAX_BODY_BYTES', description: 'largest request body of POST /v1/decisions and the model-serving routes, in bytes', default: 64 * 1024, min: 256 }),
  retryAfterSeconds: field.int({ env: 'DECISIONS_RETRY_AFTER_SECONDS', description: 'Retry-After of a 429 or 503 answer, in seconds', default: 1, min: 1 }),
  keyPrefix: field.string({
    env: 'DECISIONS_KEY_PREFIX',
    description: 'Redis key prefix of stored answers and relay markers (TOPIC_NAMESPACE is appended)',
    default: 'riskstream:decisions:',
  }),
  answerTtlSeconds: field.int({
    env: 'DECISIONS_ANSWER_TTL_SECONDS',
    description: 'how long an answer is kept for retries with the same transaction_id, in seconds (later retries are decided again from the same, idempotent features)',
    default: 3600,
    min: 60,
  }),
  relayCommitIntervalMs: field.int({
    env: 'DECISIONS_RELAY_COMMIT_INTERVAL_MS',
    description: 'the relay commits what it copied from the outbox this often, in ms: off the answer path, so longer than COMMIT_INTERVAL_MS to spare the broker',
    default: 100,
    min: 1,
  }),
  relayGroupId: field.string({
    env: 'DECISIONS_RELAY_GROUP_ID',
    description: 'consumer group copying transactions.decisions.v1 to valid, enriched and scored (TOPIC_NAMESPACE is prepended)',
    default: 'riskstream-decisions-relay',
    pattern: /^[A-Za-z0-9._-]+$/,
  }),
} as const;

/**
 * The decisions process reads each stage's own variables (INGEST_*, FEATURE_*, SCORING_*, ...) exactly as
 * the streaming services do, so a transaction is validated, tokenised, featurised and scored the same way
 * whichever way it enters.
 */
export const decisionsConfigSchema = {
  ...hostSchema,
  ...ownSchema,
  ...stageFields('ingest', ingestConfigSchema, hostSchema),
  ...stageFields('features', featuresConfigSchema, hostSchema),
  ...stageFields('scoring', scoringConfigSchema, hostSchema),
};

export type DecisionsConfig = ConfigOf<typeof decisionsConfigSchema>;

export interface DecisionStageConfigs {
  readonly ingest: IngestConfig;
  readonly features: FeaturesConfig;
  readonly scoring: ScoringConfig;
}

/** The stages' configurations; the decision path's Redis calls get its own (short) timeout. */
export function decisionStageConfigs(config: DecisionsConfig): DecisionStageConfigs {
  return {
    ingest: { ...stageConfig<IngestConfig>(config, hostSchema, 'ingest'), redisTimeoutMs: config.redisTimeoutMs },
    features: { ...stageConfig<FeaturesConfig>(config, hostSchema, 'features'), redisTimeoutMs: config.redisTimeoutMs },
    scoring: stageConfig<ScoringConfig>(config, hostSchema, 'scoring'),
  };
}

export function checkDecisionsConfig(config: DecisionsConfig): ConfigIssue[] {
  const s = decisionStageConfigs(config);
  return [...checkSecretKeys(config.apiKeys, 'DECISIONS_API_KEYS'), ...checkIngestConfig(s.ingest), ...checkScoringConfig(s.scoring)];
}
