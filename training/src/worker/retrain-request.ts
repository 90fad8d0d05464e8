import { ValidationError, type RetrainRequested, type TopicKey, type ValidationIssue } from '@riskstream/shared';

/** The registry's rule for model names (they become directory names). */
const MODEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** Epoch ms from a number or a Date (an Avro timestamp-millis decoded with logical types). */
function epochMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : undefined;
  return undefined;
}

/**
 * The runner's validate step for models.retrain.v1: a request the worker cannot act on (no event id to
 * deduplicate by, a model name that is not a registry name) is dead-lettered instead of half-processed.
 */
export function validateRetrainRequest(_topic: TopicKey, value: unknown): RetrainRequested {
  const issues: ValidationIssue[] = [];
  if (typeof value !== 'object' || value === null) throw new ValidationError('RETRAIN_REQUEST_INVALID', [{ path: '', problem: 'must be a record' }]);
  const v = value as Record<string, unknown>;
  if (typeof v['event_id'] !== 'string' || v['event_id'].trim() === '') issues.push({ path: 'event_id', problem: 'must be a non-empty string' });
  if (typeof v['model_name'] !== 'string' || !MODEL_NAME.test(v['model_name'])) issues.push({ path: 'model_name', problem: `must match ${MODEL_NAME}` });
  if (v['action'] !== 'RETRAIN' && v['action'] !== 'ROLLBACK') issues.push({ path: 'action', problem: 'must be RETRAIN or ROLLBACK' });
  if (!Number.isSafeInteger(v['model_version']) || (v['model_version'] as number) < 0) issues.push({ path: 'model_version', problem: 'must be an integer >= 0 (0: unknown)' });
  const times: Record<string, number> = {};
  for (const key of ['starts_at', 'range_start', 'range_end', 'created_at']) {
    const ms = epochMs(v[key]);
    if (ms === undefined) issues.push({ path: key, problem: 'must be epoch milliseconds' });
    else times[key] = ms;
  }
  if (issues.length > 0) throw new ValidationError('RETRAIN_REQUEST_INVALID', issues);
  return {
    ...(v as unknown as RetrainRequested),
    alert_name: typeof v['alert_name'] === 'string' ? v['alert_name'] : 'unnamed',
    drifted_features: Array.isArray(v['drifted_features']) ? (v['drifted_features'] as string[]) : [],
    evidence_json: typeof v['evidence_json'] === 'string' ? v['evidence_json'] : '',
    starts_at: times['starts_at']!,
    range_start: times['range_start']!,
    range_end: times['range_end']!,
    created_at: times['created_at']!,
  };
}
