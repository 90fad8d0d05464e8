import { ValidationError } from '@riskstream/shared';
import { isCardNumber } from './card-number.ts';
import { CURRENCY_CODES } from './currency-codes.ts';
import type { RejectionReason } from './rejection-reasons.ts';

/**
 * The one validator for submitted transactions, used by the Kafka path and by POST /transactions alike.
 *
 * It collects every problem of a record (a client fixing its payload wants them all at once); the first
 * one, in field order, is the record's reason. Problem texts never quote the offending value: the value
 * might be a card number, and these texts end up in DLQ headers, HTTP answers and logs.
 */

export const CHANNELS = ['pos', 'ecom', 'atm'] as const;
export type Channel = (typeof CHANNELS)[number];

export const MAX_ID_LENGTH = 64;

/** Anything earlier is a unit mistake (seconds for milliseconds) or a default date, not a transaction. */
export const MIN_EVENT_TIME_MS = Date.UTC(2000, 0, 1);

export interface ValidationRules {
  /** Largest accepted amount, in currency units. */
  readonly maxAmount: number;
  /** How far event_time may lie ahead of our clock (client clock skew), in milliseconds. */
  readonly maxFutureMs: number;
}

/** A record that passed validation, normalised: event_time in epoch milliseconds, absent optionals null. */
export interface ValidTransaction {
  readonly transaction_id: string;
  readonly card_number: string;
  readonly customer_id: string | null;
  readonly terminal_id: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly channel: Channel | null;
  readonly event_time: number;
}

/** A ValidationError whose `reason` is one of REJECTION_REASONS, with every reason found. */
export class TransactionValidationError extends ValidationError {
  readonly reasons: readonly RejectionReason[];
  constructor(problems: readonly Problem[]) {
    super(problems[0]!.reason, problems.map(({ path, problem }) => ({ path, problem })));
    this.reasons = Object.freeze([...new Set(problems.map((p) => p.reason))]);
  }
}

interface Problem {
  reason: RejectionReason;
  path: string;
  problem: string;
}

// Letters, marks, digits, punctuation, symbols and the plain space: what a person can read and copy.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u;
// ISO 8601 with a zone; a zoneless timestamp would be read in the server's time zone.
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function validateTransaction(value: unknown, rules: ValidationRules, nowMs: number): ValidTransaction {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TransactionValidationError([{ reason: 'TYPE_INVALID', path: '', problem: 'record must be an object' }]);
  }
  const v = value as Record<string, unknown>;
  const problems: Problem[] = [];
  const transactionId = id(v, 'transaction_id', true, problems);
  const cardNumber = card(v, problems);
  const customerId = id(v, 'customer_id', false, problems);
  const terminalId = id(v, 'terminal_id', false, problems);
  const amount = amountOf(v, rules, problems);
  const currency = currencyOf(v, problems);
  const channel = channelOf(v, problems);
  const eventTime = eventTimeOf(v, rules, nowMs, problems);
  if (cardNumber !== undefined) {
    for (const [path, idValue] of [['transaction_id', transactionId], ['customer_id', customerId], ['terminal_id', terminalId]] as const) {
      if (typeof idValue === 'string' && idValue.includes(cardNumber)) {
        problems.push({ reason: 'ID_CONTAINS_CARD_NUMBER', path, problem: 'must not contain the card number' });
      }
    }
  }
  if (problems.length > 0) throw new TransactionValidationError(problems);
  return {
    transaction_id: transactionId!,
    card_number: cardNumber!,
    customer_id: customerId ?? null,
    terminal_id: terminalId ?? null,
    amount: amount!,
    currency: currency!,
    channel: channel ?? null,
    event_time: eventTime!,
  };
}

function missing(v: Record<string, unknown>, path: string): boolean {
  return v[path] === undefined || v[path] === null;
}

/** Ids: required or optional (null, absent or "" is no value), printable, at most 64 characters. */
function id(v: Record<string, unknown>, path: string, required: boolean, problems: Problem[]): string | null | undefined {
  const raw = v[path];
  if (missing(v, path) || (!required && raw === '')) {
    if (required) problems.push({ reason: 'MISSING_FIELD', path, problem: 'is required' });
    return null;
  }
  if (typeof raw !== 'string') {
    problems.push({ reason: 'TYPE_INVALID', path, problem: 'must be a string' });
    return undefined;
  }
  if ([...raw].length > MAX_ID_LENGTH) {
    problems.push({ reason: 'ID_TOO_LONG', path, problem: `must be at most ${MAX_ID_LENGTH} characters` });
    return undefined;
  }
  if (!PRINTABLE.test(raw) || raw.trim() === '') {
    problems.push({ reason: 'ID_INVALID', path, problem: 'must be non-empty printable text' });
    return undefined;
  }
  return raw;
}

function card(v: Record<string, unknown>, problems: Problem[]): string | undefined {
  const path = 'card_number';
  if (missing(v, path)) {
    problems.push({ reason: 'MISSING_FIELD', path, problem: 'is required' });
    return undefined;
  }
  // A JSON number loses digits beyond 2^53, so a PAN must come as a string.
  if (typeof v[path] !== 'string') {
    problems.push({ reason: 'TYPE_INVALID', path, problem: 'must be a string of digits' });
    return undefined;
  }
  if (!isCardNumber(v[path] as string)) {
    problems.push({ reason: 'CARD_NUMBER_INVALID', path, problem: 'must be 12-19 digits with a valid Luhn check digit' });
    return undefined;
  }
  return v[path] as string;
}

function amountOf(v: Record<string, unknown>, rules: ValidationRules, problems: Problem[]): number | undefined {
  const path = 'amount';
  if (missing(v, path)) {
    problems.push({ reason: 'MISSING_FIELD', path, problem: 'is required' });
    return undefined;
  }
  const a = v[path];
  if (typeof a !== 'number') {
    problems.push({ reason: 'TYPE_INVALID', path, problem: 'must be a number' });
    return undefined;
  }
  if (!Number.isFinite(a) || a < 0 || a > rules.maxAmount) {
    problems.push({ reason: 'AMOUNT_OUT_OF_RANGE', path, problem: `must be between 0 and ${rules.maxAmount}` });
    return undefined;
  }
  return a;
}

function currencyOf(v: Record<string, unknown>, problems: Problem[]): string | undefined {
  const path = 'currency';
  if (missing(v, path)) {
    problems.push({ reason: 'MISSING_FIELD', path, problem: 'is required' });
    return undefined;
  }
  if (typeof v[path] !== 'string') {
    problems.push({ reason: 'TYPE_INVALID', path, problem: 'must be a string' });
    return undefined;
  }
  if (!CURRENCY_CODES.has(v[path] as string)) {
    problems.push({ reason: 'CURRENCY_INVALID', path, problem: 'must be an active ISO 4217 alphabetic code, upper case' });
    return undefined;
  }
  return v[path] as string;
}

function channelOf(v: Record<string, unknown>, problems: Problem[]): Channel | null | undefined {
  const path = 'channel';
  const c = v[path];
  if (c === undefined || c === null || c === '') return null;
  if (typeof c !== 'string') {
    problems.push({ reason: 'TYPE_INVALID', path, problem: 'must be a string or null' });
    return undefined;
  }
  if (!(CHANNELS as readonly string[]).includes(c)) {
    problems.push({ reason: 'CHANNEL_INVALID', path, problem: `must be one of ${CHANNELS.join(', ')} or null` });
    return undefined;
  }
  return c as Channel;
}

/** Epoch milliseconds (what Avro timestamp-millis decodes to), an ISO 8601 string with a zone, or a Date. */
function eventTimeOf(v: Record<string, unknown>, rules: ValidationRules, nowMs: number, problems: Problem[]): number | undefined {
  const path = 'event_time';
  if (missing(v, path)) {
    problems.push({ reason: 'MISSING_FIELD', path, problem: 'is required' });
    return undefined;
  }
  const t = v[path];
  let ms: number;
  if (typeof t === 'number') {
    if (!Number.isSafeInteger(t)) {
      problems.push({ reason: 'EVENT_TIME_INVALID', path, problem: 'must be whole epoch milliseconds' });
      return undefined;
    }
    ms = t;
  } else if (typeof t === 'string') {
    ms = ISO_TIMESTAMP.test(t) ? Date.parse(t) : Number.NaN;
    if (Number.isNaN(ms)) {
      problems.push({ reason: 'EVENT_TIME_INVALID', path, problem: 'must be an ISO 8601 timestamp with a zone (Z or +hh:mm)' });
      return undefined;
    }
  } else if (t instanceof Date && !Number.isNaN(t.getTime())) {
    ms = t.getTime();
  } else {
    problems.push({ reason: 'TYPE_INVALID', path, problem: 'must be epoch milliseconds or an ISO 8601 string' });
    return undefined;
  }
  if (ms < MIN_EVENT_TIME_MS) {
    problems.push({ reason: 'EVENT_TIME_TOO_OLD', path, problem: 'must not be before 2000-01-01T00:00:00Z' });
    return undefined;
  }
  if (ms > nowMs + rules.maxFutureMs) {
    problems.push({ reason: 'EVENT_TIME_IN_FUTURE', path, problem: `must not be more than ${Math.round(rules.maxFutureMs / 60000)} min ahead of ingest's clock` });
    return undefined;
  }
  return ms;
}
