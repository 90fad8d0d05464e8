/**
 * The fields of each input record the monitor reads, checked once at the runner's validation step: a
 * record that lacks them goes to the DLQ (with its coordinates) instead of poisoning a window with
 * undefined values. Avro already guarantees the types of the enriched and scored topics; labels may
 * arrive as JSON typed by hand, so for them the checks matter.
 */
import { ValidationError, type EnrichedTransaction, type ScoredTransaction, type TopicKey, type TransactionLabel, type ValidationIssue } from '@riskstream/shared';

export type MonitorInput = EnrichedTransaction | ScoredTransaction | TransactionLabel;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function validateMonitorInput(topic: TopicKey, value: unknown): MonitorInput {
  const issues: ValidationIssue[] = [];
  if (!isObject(value)) throw new ValidationError('MONITOR_INPUT_INVALID', [{ path: '$', problem: 'must be an object' }]);
  const need = (path: string, ok: boolean, problem: string): void => {
    if (!ok) issues.push({ path, problem });
  };
  need('transaction_id', typeof value['transaction_id'] === 'string' && value['transaction_id'] !== '', 'must be a non-empty string');
  need('event_time', typeof value['event_time'] === 'number' && Number.isFinite(value['event_time']), 'must be epoch ms');
  if (topic === 'transactionsEnriched') {
    need('features', isObject(value['features']), 'must be a map of feature values');
  } else if (topic === 'transactionsScored') {
    const s = value['score'];
    need('score', typeof s === 'number' && s >= 0 && s <= 1, 'must be a probability in [0, 1]');
    need('model_version', Number.isSafeInteger(value['model_version']), 'must be an integer');
    need('model_name', typeof value['model_name'] === 'string', 'must be a string');
  } else if (topic === 'transactionsLabels') {
    need('is_fraud', typeof value['is_fraud'] === 'boolean', 'must be true or false');
  } else {
    issues.push({ path: '$', problem: `topic ${topic} is not an input of the drift monitor` });
  }
  if (issues.length > 0) throw new ValidationError('MONITOR_INPUT_INVALID', issues);
  return value as unknown as MonitorInput;
}
