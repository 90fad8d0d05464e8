import { join } from 'node:path';
import { field, serviceSchema, type ConfigIssue, type ConfigOf } from '@riskstream/shared';
import { REASON_POLICIES } from './transaction-scorer.ts';

/** <repo>/.riskstream/registry, where `riskstream train` registers models (services/scoring/src -> repo). */
export const DEFAULT_MODEL_SOURCE = join(import.meta.dirname, '..', '..', '..', '.riskstream', 'registry');

export const scoringConfigSchema = {
  ...serviceSchema(8093),
  modelSource: field.string({
    env: 'MODEL_SOURCE',
    description: 'model registry directory, or http(s) URL of `riskstream models serve` for hosts without it',
    default: DEFAULT_MODEL_SOURCE,
  }),
  modelName: field.string({ env: 'MODEL_NAME', description: 'registered model to serve', default: 'fraud', pattern: /^[a-z0-9][a-z0-9_-]{0,63}$/i }),
  microBatch: field.int({
    env: 'SCORING_MICRO_BATCH',
    description: 'events per onnxruntime call (larger amortises the call, smaller cuts latency)',
    default: 256,
    min: 1,
    max: 10_000,
  }),
  groupId: field.string({ env: 'SCORING_GROUP_ID', description: 'consumer group of transactions.enriched.v1', default: 'riskstream-scoring', pattern: /^[A-Za-z0-9._-]+$/ }),
  sessionTimeoutMs: field.int({
    env: 'SCORING_SESSION_TIMEOUT_MS',
    description: 'consumer group session timeout: how long a crashed replica holds its partitions',
    default: 30_000,
    min: 6_000,
  }),
  modelPollMs: field.int({
    env: 'SCORING_MODEL_POLL_MS',
    description: 'while no model serves, how often to look for a champion (ms)',
    default: 5000,
    min: 100,
  }),
  modelReconcileMs: field.int({
    env: 'SCORING_MODEL_RECONCILE_MS',
    description: 'how often to compare the serving models with the registry aliases, catching up on missed lifecycle events (ms, 0 = never)',
    default: 30_000,
    min: 0,
  }),
  modelFetchTimeoutMs: field.int({ env: 'SCORING_MODEL_FETCH_TIMEOUT_MS', description: 'per-request timeout against a model server (ms)', default: 30_000, min: 100 }),
  reasons: field.oneOf({
    env: 'SCORING_REASONS',
    description: 'which events get top-3 reasons: all, or flagged (REVIEW/DECLINE only; APPROVE gets none; saves little since onnxruntime computes the contributions)',
    values: REASON_POLICIES,
    default: 'all',
  }),
  intraOpThreads: field.int({
    env: 'SCORING_INTRA_OP_THREADS',
    description: 'onnxruntime intra-op threads per session (1 measured fastest on 2 cores)',
    default: 1,
    min: 1,
    max: 64,
  }),
} as const;

export type ScoringConfig = ConfigOf<typeof scoringConfigSchema>;

/** MODEL_SOURCE is a path or an http(s) URL; any other scheme (s3://, file://) is a mistake, not a path. */
export function checkScoringConfig(c: ScoringConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(c.modelSource)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    issues.push({ field: 'MODEL_SOURCE', problem: `must be a directory or an http(s) URL, got a ${scheme}:// URL` });
  } else if (scheme !== undefined) {
    try {
      new URL(c.modelSource);
    } catch {
      issues.push({ field: 'MODEL_SOURCE', problem: `"${c.modelSource}" is not a valid URL` });
    }
  }
  return issues;
}
