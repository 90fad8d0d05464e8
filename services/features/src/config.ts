import { field, serviceSchema, TOPICS, type ConfigOf } from '@riskstream/shared';
import { LONGEST_RETENTION_DAYS } from '@riskstream/shared/feature-store';
import { TERMINAL_DELAY_DAYS } from '@riskstream/shared/features';

const SECONDS_PER_DAY = 86_400;

/** A redelivery can only replay what the topic still holds, so a marker never needs to outlive that. */
function retentionSeconds(topic: keyof typeof TOPICS): number {
  return Math.ceil(Number(TOPICS[topic].config['retention.ms']) / 1000);
}

export const featuresConfigSchema = {
  ...serviceSchema(8092),
  groupId: field.string({ env: 'FEATURES_GROUP_ID', description: 'consumer group of the feature service (shared by its replicas)', default: 'riskstream-features' }),
  microBatchSize: field.int({ env: 'FEATURES_MICRO_BATCH_SIZE', description: 'records per micro-batch: one Redis round trip each (transactions follow COMMIT_INTERVAL_MS / COMMIT_MAX_RECORDS)', default: 500, min: 1, max: 10_000 }),
  sessionTimeoutMs: field.int({
    env: 'FEATURES_SESSION_TIMEOUT_MS',
    description: 'consumer group session timeout: how long a crashed replica holds its partitions',
    default: 30_000,
    min: 6_000,
  }),
  keyPrefix: field.string({
    env: 'FEATURE_KEY_PREFIX',
    description: 'prefix of every Redis key of the feature store',
    default: 'rs:f:',
    pattern: /^[A-Za-z0-9:._{}-]*$/,
  }),
  featureTtlSeconds: field.int({
    env: 'FEATURE_TTL_SECONDS',
    description: `TTL of an entity's bucket hash, refreshed on write; at least the longest window (${LONGEST_RETENTION_DAYS} days)`,
    default: (LONGEST_RETENTION_DAYS + 1) * SECONDS_PER_DAY,
    min: LONGEST_RETENTION_DAYS * SECONDS_PER_DAY,
  }),
  retentionSlackDays: field.int({
    env: 'FEATURE_RETENTION_SLACK_DAYS',
    description:
      'days kept beyond the longest window, so a partition lagging this far behind another still finds its windows complete ' +
      `(terminal windows are exact only for a lag below the ${TERMINAL_DELAY_DAYS}-day label delay anyway)`,
    default: TERMINAL_DELAY_DAYS,
    min: 0,
    max: 365,
  }),
  snapshotTtlSeconds: field.int({
    env: 'FEATURE_SNAPSHOT_TTL_SECONDS',
    description: 'how long the pre-state of a scored transaction is kept to answer its redelivery (default: transactions.valid retention)',
    default: retentionSeconds('transactionsValid'),
    min: 60,
  }),
  labelMarkerTtlSeconds: field.int({
    env: 'FEATURE_LABEL_MARKER_TTL_SECONDS',
    description: 'how long a recorded fraud label is remembered to drop its duplicates (default: transactions.labels retention)',
    default: retentionSeconds('transactionsLabels'),
    min: 60,
  }),
  allowedLatenessMs: field.int({
    env: 'FEATURE_ALLOWED_LATENESS_MS',
    description: 'a transaction older than its partition watermark minus this is scored but not recorded',
    default: 3_600_000,
    min: 0,
  }),
  redisTimeoutMs: field.int({ env: 'FEATURE_REDIS_TIMEOUT_MS', description: 'a Redis call without an answer within this fails and is retried', default: 2000, min: 50 }),
} as const;

export type FeaturesConfig = ConfigOf<typeof featuresConfigSchema>;
