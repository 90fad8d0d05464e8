import { randomBytes } from 'node:crypto';
import type { IntegrationEnv } from './integration.ts';

/**
 * The environment of the pipeline's processes (either topology) in one test: its topic namespace,
 * its own consumer groups, Redis prefixes and card-token key, the test's model registry, and session
 * timeouts short enough that a killed member's partitions move on quickly.
 */
export function pipelineEnv(env: IntegrationEnv, registryDir: string, redisPrefix: string, sessionTimeoutMs = 10_000): Record<string, string> {
  return {
    TOPIC_NAMESPACE: env.namespace,
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    CARD_TOKEN_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    CARD_TOKEN_ACTIVE_KEY: 'k1',
    INGEST_GROUP_ID: env.uniqueGroup('ingest'),
    INGEST_DEDUP_KEY_PREFIX: `${redisPrefix}dedup:`,
    FEATURES_GROUP_ID: env.uniqueGroup('features'),
    FEATURE_KEY_PREFIX: `${redisPrefix}f:`,
    SCORING_GROUP_ID: env.uniqueGroup('scoring'),
    MODEL_SOURCE: registryDir,
    MODEL_NAME: 'fraud',
    INGEST_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
    FEATURES_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
    SCORING_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
  };
}
