import { ValidationError, type TopicKey, type ValidTransaction, type ValidationIssue } from '@riskstream/shared';

export type { ValidTransaction } from '@riskstream/shared';

/** The part of transactions.labels.v1 the store needs; event_time is the LABELLED transaction's. */
export interface FraudLabel {
  readonly transaction_id: string;
  readonly terminal_id: string | null;
  readonly event_time: number;
  readonly is_fraud: boolean;
}

export type FeaturesInput = ValidTransaction | FraudLabel;

/** Epoch ms from a number, a Date (Avro logical type) or, for JSON labels, an ISO-8601 string. */
function epochMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const ms = /^-?\d+$/.test(v.trim()) ? Number(v) : Date.parse(v);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

function validateTransaction(v: Record<string, unknown>): ValidTransaction {
  const issues: ValidationIssue[] = [];
  if (typeof v['transaction_id'] !== 'string' || v['transaction_id'] === '') issues.push({ path: 'transaction_id', problem: 'must be a non-empty string' });
  if (typeof v['card_token'] !== 'string' || v['card_token'] === '') issues.push({ path: 'card_token', problem: 'must be a non-empty string' });
  if (typeof v['amount'] !== 'number' || !Number.isFinite(v['amount'])) issues.push({ path: 'amount', problem: 'must be a finite number' });
  const eventTime = epochMs(v['event_time']);
  if (eventTime === undefined) issues.push({ path: 'event_time', problem: 'must be an epoch-millisecond time' });
  if (issues.length > 0) throw new ValidationError('TRANSACTION_INVALID', issues);
  return { ...(v as unknown as ValidTransaction), event_time: eventTime!, ingest_time: epochMs(v['ingest_time']) ?? 0 };
}

function validateLabel(v: Record<string, unknown>): FraudLabel {
  const issues: ValidationIssue[] = [];
  const id = v['transaction_id'];
  if (typeof id !== 'string' || id === '') issues.push({ path: 'transaction_id', problem: 'must be a non-empty string' });
  const terminal = v['terminal_id'] ?? null;
  if (terminal !== null && (typeof terminal !== 'string' || terminal === '')) issues.push({ path: 'terminal_id', problem: 'must be a non-empty string or null' });
  const eventTime = epochMs(v['event_time']);
  if (eventTime === undefined) issues.push({ path: 'event_time', problem: 'must be an epoch-millisecond time or ISO-8601 string' });
  const isFraud = v['is_fraud'];
  if (typeof isFraud !== 'boolean') issues.push({ path: 'is_fraud', problem: 'must be a boolean' });
  if (issues.length > 0) throw new ValidationError('LABEL_INVALID', issues);
  return { transaction_id: id as string, terminal_id: terminal as string | null, event_time: eventTime!, is_fraud: isFraud as boolean };
}

/** The runner's `validate`: a record that fails goes to the DLQ, its neighbours carry on. */
export function validateInput(topic: TopicKey, value: unknown): FeaturesInput {
  if (typeof value !== 'object' || value === null) throw new ValidationError('NOT_A_RECORD', [{ path: '', problem: 'must be an object' }]);
  const v = value as Record<string, unknown>;
  return topic === 'transactionsLabels' ? validateLabel(v) : validateTransaction(v);
}
