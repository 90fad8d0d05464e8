import {
  featureNameIssues,
  ValidationError,
  type EnrichedTransaction,
  type OfflineTableName,
  type ScoredTransaction,
  type TopicKey,
  type TransactionLabel,
  type ValidationIssue,
} from '@riskstream/shared';

/**
 * The runner's `validate` for the three archived topics. Avro already guarantees the shapes of the
 * enriched and scored records; labels may also arrive as user JSON (ISO times, no labelled_at). What
 * fails here is dead-lettered; everything that passes can be written.
 */

/** A label as validated: labelled_at is null when the producer left it out (the record time stands in). */
export interface ArchivedLabel extends Omit<TransactionLabel, 'labelled_at'> {
  readonly labelled_at: number | null;
}

export type ArchiveInput =
  | { readonly table: 'transactions'; readonly record: EnrichedTransaction }
  | { readonly table: 'labels'; readonly record: ArchivedLabel }
  | { readonly table: 'scores'; readonly record: ScoredTransaction };

export const ARCHIVED_TOPICS: Readonly<Record<OfflineTableName, TopicKey>> = Object.freeze({
  transactions: 'transactionsEnriched',
  labels: 'transactionsLabels',
  scores: 'transactionsScored',
});

export function tableOfTopic(topic: TopicKey): OfflineTableName | undefined {
  for (const [table, key] of Object.entries(ARCHIVED_TOPICS)) if (key === topic) return table as OfflineTableName;
  return undefined;
}

/** Epoch ms from a number, a Date (Avro logical type) or, for JSON labels, an ISO-8601 or digit string. */
function epochMs(v: unknown): number | undefined {
  let ms: number | undefined;
  if (typeof v === 'number') ms = v;
  else if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'string' && v.trim() !== '') ms = /^-?\d+$/.test(v.trim()) ? Number(v) : Date.parse(v);
  // Years 0000-9999: anything else is a unit bug upstream and has no partition date.
  return ms !== undefined && Number.isSafeInteger(ms) && ms >= -62_167_219_200_000 && ms < 253_402_300_800_000 ? ms : undefined;
}

class Checker {
  readonly issues: ValidationIssue[] = [];
  readonly v: Record<string, unknown>;
  constructor(v: Record<string, unknown>) {
    this.v = v;
  }
  text(key: string): string {
    const x = this.v[key];
    if (typeof x !== 'string' || x === '') this.issues.push({ path: key, problem: 'must be a non-empty string' });
    return x as string;
  }
  optText(key: string): string | null {
    const x = this.v[key] ?? null;
    if (x !== null && typeof x !== 'string') this.issues.push({ path: key, problem: 'must be a string or null' });
    return x as string | null;
  }
  finite(key: string): number {
    const x = this.v[key];
    if (typeof x !== 'number' || !Number.isFinite(x)) this.issues.push({ path: key, problem: 'must be a finite number' });
    return x as number;
  }
  time(key: string): number {
    const ms = epochMs(this.v[key]);
    if (ms === undefined) this.issues.push({ path: key, problem: 'must be an epoch-millisecond time (or ISO-8601 string) in years 0000-9999' });
    return ms!;
  }
  done<T>(reason: string, value: T): T {
    if (this.issues.length > 0) throw new ValidationError(reason, this.issues);
    return value;
  }
}

function validateEnriched(v: Record<string, unknown>): EnrichedTransaction {
  const c = new Checker(v);
  const features = v['features'];
  const out: Record<string, number> = {};
  if (typeof features !== 'object' || features === null || Array.isArray(features)) {
    c.issues.push({ path: 'features', problem: 'must be a map of feature name -> number' });
  } else {
    for (const [name, value] of Object.entries(features)) {
      if (typeof value !== 'number') c.issues.push({ path: `features.${name}`, problem: 'must be a number (NaN = missing)' });
      out[name] = value as number;
    }
    c.issues.push(...featureNameIssues(Object.keys(out)));
  }
  return c.done('ENRICHED_RECORD_INVALID', {
    transaction_id: c.text('transaction_id'),
    card_token: c.text('card_token'),
    terminal_id: c.optText('terminal_id'),
    amount: c.finite('amount'),
    currency: c.text('currency'),
    channel: c.optText('channel'),
    event_time: c.time('event_time'),
    ingest_time: c.time('ingest_time'),
    feature_set: c.text('feature_set'),
    features: out,
  });
}

function validateLabel(v: Record<string, unknown>): ArchivedLabel {
  const c = new Checker(v);
  const isFraud = v['is_fraud'];
  if (typeof isFraud !== 'boolean') c.issues.push({ path: 'is_fraud', problem: 'must be a boolean' });
  const labelledAt = v['labelled_at'] === undefined || v['labelled_at'] === null ? null : c.time('labelled_at');
  return c.done('LABEL_INVALID', {
    transaction_id: c.text('transaction_id'),
    terminal_id: c.optText('terminal_id'),
    event_time: c.time('event_time'),
    is_fraud: isFraud as boolean,
    labelled_at: labelledAt,
  });
}

const DECISIONS = new Set(['APPROVE', 'REVIEW', 'DECLINE']);

function validateScored(v: Record<string, unknown>): ScoredTransaction {
  const c = new Checker(v);
  const reasons = v['reasons'];
  if (!Array.isArray(reasons)) c.issues.push({ path: 'reasons', problem: 'must be an array' });
  const decision = c.text('decision');
  if (typeof decision === 'string' && !DECISIONS.has(decision)) c.issues.push({ path: 'decision', problem: 'must be APPROVE, REVIEW or DECLINE' });
  const optNumber = (key: string): number | null => {
    const x = v[key] ?? null;
    if (x !== null && (typeof x !== 'number' || !Number.isFinite(x))) c.issues.push({ path: key, problem: 'must be a finite number or null' });
    return x as number | null;
  };
  return c.done('SCORED_RECORD_INVALID', {
    transaction_id: c.text('transaction_id'),
    event_time: c.time('event_time'),
    card_token: c.text('card_token'),
    terminal_id: c.optText('terminal_id'),
    amount: c.finite('amount'),
    score: c.finite('score'),
    decision: decision as ScoredTransaction['decision'],
    model_name: c.text('model_name'),
    model_version: c.finite('model_version'),
    reasons: (Array.isArray(reasons) ? reasons : []) as ScoredTransaction['reasons'],
    latency_ms: c.finite('latency_ms'),
    challenger_score: optNumber('challenger_score'),
    challenger_version: optNumber('challenger_version'),
  });
}

export function validateArchiveInput(topic: TopicKey, value: unknown): ArchiveInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError('NOT_A_RECORD', [{ path: '', problem: 'must be an object' }]);
  const v = value as Record<string, unknown>;
  switch (tableOfTopic(topic)) {
    case 'transactions':
      return { table: 'transactions', record: validateEnriched(v) };
    case 'labels':
      return { table: 'labels', record: validateLabel(v) };
    case 'scores':
      return { table: 'scores', record: validateScored(v) };
    default:
      throw new ValidationError('TOPIC_NOT_ARCHIVED', [{ path: 'topic', problem: `${topic} is not archived` }]);
  }
}
