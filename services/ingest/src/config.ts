import { checkSecretKeys, field, serviceSchema, SECRET_KEYS_FORMAT, type ConfigIssue, type ConfigOf } from '@riskstream/shared';
import { CARD_TOKEN_KEYS_PATTERN, checkCardTokenKeys } from './card-token.ts';

export const INGEST_PORT = 8091;

export const ingestConfigSchema = {
  ...serviceSchema(INGEST_PORT),
  cardTokenKeys: field.string({
    env: 'CARD_TOKEN_KEYS',
    description: 'card-token HMAC keys as <id>:<base64 secret>[,<id>:<base64 secret>...] (a secret; riskstream services up passes a dev key)',
    pattern: CARD_TOKEN_KEYS_PATTERN,
    secret: true,
  }),
  cardTokenActiveKey: field.optionalString({
    env: 'CARD_TOKEN_ACTIVE_KEY',
    description: 'id of the key that signs new tokens (required when CARD_TOKEN_KEYS lists several)',
  }),
  groupId: field.string({
    env: 'INGEST_GROUP_ID',
    description: 'consumer group of transactions.raw.v1 (TOPIC_NAMESPACE is prepended)',
    default: 'riskstream-ingest',
    pattern: /^[A-Za-z0-9._-]+$/,
  }),
  sessionTimeoutMs: field.int({ env: 'INGEST_SESSION_TIMEOUT_MS', description: 'consumer group session timeout: how long a dead instance holds its partitions, in ms', default: 30000, min: 6000 }),
  microBatchSize: field.int({ env: 'INGEST_MICRO_BATCH', description: 'records per micro-batch (one Redis round trip; transactions follow COMMIT_INTERVAL_MS / COMMIT_MAX_RECORDS)', default: 500, min: 1, max: 10000 }),
  maxAmount: field.number({ env: 'INGEST_MAX_AMOUNT', description: 'largest accepted amount, in currency units', default: 1_000_000, min: 0 }),
  maxFutureMinutes: field.number({ env: 'INGEST_MAX_FUTURE_MINUTES', description: 'how far event_time may be ahead of the ingest clock, in minutes', default: 10, min: 0 }),
  dedupHorizonSeconds: field.int({ env: 'INGEST_DEDUP_HORIZON_SECONDS', description: 'how long a transaction_id is remembered for dedup, in seconds', default: 86400, min: 1 }),
  dedupKeyPrefix: field.string({
    env: 'INGEST_DEDUP_KEY_PREFIX',
    description: 'Redis key prefix of dedup markers (TOPIC_NAMESPACE is appended)',
    default: 'riskstream:ingest:dedup:',
  }),
  redisTimeoutMs: field.int({ env: 'INGEST_REDIS_TIMEOUT_MS', description: 'a Redis command without an answer after this long fails and is retried, in ms', default: 2000, min: 50 }),
  httpMaxBodyBytes: field.int({ env: 'INGEST_HTTP_MAX_BODY_BYTES', description: 'largest POST /transactions body, in bytes', default: 1024 * 1024, min: 1 }),
  httpMaxRecords: field.int({ env: 'INGEST_HTTP_MAX_RECORDS', description: 'most records in one POST /transactions', default: 1000, min: 1 }),
  httpMaxInFlightRequests: field.int({ env: 'INGEST_HTTP_MAX_IN_FLIGHT_REQUESTS', description: 'POST /transactions requests handled at once; more get 429', default: 64, min: 1 }),
  httpMaxInFlightRecords: field.int({ env: 'INGEST_HTTP_MAX_IN_FLIGHT_RECORDS', description: 'records of POST /transactions handled at once; more get 429', default: 10000, min: 1 }),
  httpApiKeys: field.optionalString({
    env: 'INGEST_HTTP_API_KEYS',
    description: `bearer keys accepted by POST /transactions, as ${SECRET_KEYS_FORMAT} (several for rotation); unset = no authentication`,
    secret: true,
  }),
  httpRetryAfterSeconds: field.int({ env: 'INGEST_HTTP_RETRY_AFTER_SECONDS', description: 'Retry-After of a 429 or 503 answer, in seconds', default: 1, min: 1 }),
} as const;

export type IngestConfig = ConfigOf<typeof ingestConfigSchema>;

/** Rules no single field can check; pass to loadConfig next to checkConnectionConfig. */
export function checkIngestConfig(c: IngestConfig): ConfigIssue[] {
  const issues = [...checkCardTokenKeys(c.cardTokenKeys, c.cardTokenActiveKey), ...checkSecretKeys(c.httpApiKeys, 'INGEST_HTTP_API_KEYS')];
  if (c.httpMaxRecords > c.httpMaxInFlightRecords) {
    issues.push({ field: 'INGEST_HTTP_MAX_IN_FLIGHT_RECORDS', problem: `must be >= INGEST_HTTP_MAX_RECORDS (${c.httpMaxRecords}), or a full request could never be accepted` });
  }
  return issues;
}
