import type { DailyBucket } from '@riskstream/shared/features';
import { AppError } from '@riskstream/shared';
import {
  customerKey,
  labelMarkerKey,
  snapshotKey,
  STORE_LAYOUT,
  terminalKey,
  type EntityLayout,
  type StoreLayout,
} from './store-layout.ts';

/**
 * The wire protocol of the two store scripts (lua/apply-events.lua, lua/apply-labels.lua): how a
 * micro-batch becomes KEYS/ARGV and how the flat reply becomes bucket views for the shared
 * feature module. Pure functions, so the encoding is unit-tested without Redis.
 *
 * Keys are deduplicated and ARGV refers to them by index: a hot terminal appears once however many
 * events of the batch hit it, and every key the script touches is still declared in KEYS (what ACL key
 * patterns and a future cluster check see).
 */

export interface StoreEvent {
  readonly transactionId: string;
  readonly cardToken: string;
  readonly terminalId: string | null;
  /** dayIndex(event_time) */
  readonly day: number;
  /** amountToCents(amount) */
  readonly cents: number;
  /** false for an event late beyond the allowed lateness: scored, never recorded. */
  readonly apply: boolean;
}

export type EventStatus = 'applied' | 'redelivered' | 'late';

/** The entity histories an event saw BEFORE it, as the shared module's bucket views. */
export interface PreState {
  readonly status: EventStatus;
  readonly customer: DailyBucket[];
  /** null when the event has no terminal. */
  readonly terminal: DailyBucket[] | null;
}

export interface StoreLabel {
  readonly transactionId: string;
  readonly terminalId: string;
  /** dayIndex of the labelled transaction's event time. */
  readonly day: number;
}

export type LabelOutcome = 'applied' | 'duplicate' | 'too-old';

export interface ScriptCall {
  readonly keys: string[];
  readonly args: (string | number)[];
}

export interface StoreSettings {
  readonly featureTtlSeconds: number;
  readonly snapshotTtlSeconds: number;
  readonly labelMarkerTtlSeconds: number;
  /**
   * Days kept beyond an entity's retention. The shared module prunes by the entity's newest day, which
   * offline is the newest day of the whole stream; online, a partition running ahead would prune days a
   * lagging partition's events still read. Keeping this many more days makes the windows exact for a
   * skew up to it; features never read the extra days.
   */
  readonly retentionSlackDays: number;
}

const EVENT_STATUS: readonly EventStatus[] = ['applied', 'redelivered', 'late'];
const LABEL_OUTCOME: readonly LabelOutcome[] = ['duplicate', 'applied', 'too-old'];

class KeyTable {
  readonly keys: string[] = [];
  readonly #index = new Map<string, number>();
  /** 1-based, as Lua's KEYS. */
  indexOf(key: string): number {
    let i = this.#index.get(key);
    if (i === undefined) {
      this.keys.push(key);
      i = this.keys.length;
      this.#index.set(key, i);
    }
    return i;
  }
}

function layoutArgs(e: EntityLayout, slackDays: number): (string | number)[] {
  return [e.minAge, e.maxAge, e.retentionDays + slackDays, e.fields.join('')];
}

export function encodeEventBatch(events: readonly StoreEvent[], prefix: string, settings: StoreSettings, layout: StoreLayout = STORE_LAYOUT): ScriptCall {
  const table = new KeyTable();
  const args: (string | number)[] = [
    settings.featureTtlSeconds,
    settings.snapshotTtlSeconds,
    ...layoutArgs(layout.customer, settings.retentionSlackDays),
    ...layoutArgs(layout.terminal, settings.retentionSlackDays),
    events.length,
  ];
  for (const e of events) {
    args.push(
      table.indexOf(customerKey(prefix, e.cardToken)),
      e.terminalId === null ? 0 : table.indexOf(terminalKey(prefix, e.terminalId)),
      table.indexOf(snapshotKey(prefix, e.transactionId)),
      e.day,
      e.cents,
      e.apply ? 1 : 0,
    );
  }
  return { keys: table.keys, args };
}

function malformed(detail: string): AppError {
  // A reply we cannot read is a bug in the script or its caller, not a transient condition.
  return new AppError('HANDLER_FAILED', `feature store reply is malformed: ${detail}`);
}

function integerAt(values: readonly unknown[], at: number): number {
  const v = values[at];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw malformed(`expected an integer at ${at}, got ${String(v)}`);
  return v;
}

/** Reads one window: k, then k x (age, fields) -> buckets with absolute days. */
function readWindow(values: readonly number[], at: number, day: number, e: EntityLayout): { buckets: DailyBucket[]; next: number } {
  const k = integerAt(values, at);
  let pos = at + 1;
  const buckets: DailyBucket[] = new Array(k);
  for (let b = 0; b < k; b++) {
    const age = integerAt(values, pos);
    let count = 0;
    let sumAmountCents = 0;
    let fraudCount = 0;
    for (let j = 0; j < e.fields.length; j++) {
      const v = integerAt(values, pos + 1 + j);
      const f = e.fields[j];
      if (f === 'n') count = v;
      else if (f === 's') sumAmountCents = v;
      else fraudCount = v;
    }
    buckets[b] = { day: day - age, count, sumAmountCents, fraudCount };
    pos += 1 + e.fields.length;
  }
  return { buckets, next: pos };
}

/**
 * One pre-state string: the customer window, then the terminal window, comma-separated integers. A
 * string per event rather than integers in the reply because the script keeps the same string as the
 * snapshot, so building it once serves both (number formatting is the costly part of the script).
 */
export function parsePreState(text: string, event: StoreEvent, status: EventStatus, layout: StoreLayout = STORE_LAYOUT): PreState {
  const values = text.split(',').map((v) => (v === '' ? Number.NaN : Number(v)));
  const customer = readWindow(values, 0, event.day, layout.customer);
  const terminal = readWindow(values, customer.next, event.day, layout.terminal);
  if (terminal.next !== values.length) throw malformed(`${values.length - terminal.next} values left over in "${text.slice(0, 80)}"`);
  return { status, customer: customer.buckets, terminal: event.terminalId === null ? null : terminal.buckets };
}

/** Reply: per event, status then pre-state string. */
export function decodeEventReply(reply: unknown, events: readonly StoreEvent[], layout: StoreLayout = STORE_LAYOUT): PreState[] {
  if (!Array.isArray(reply) || reply.length !== 2 * events.length) {
    throw malformed(`expected ${2 * events.length} values for ${events.length} events, got ${Array.isArray(reply) ? reply.length : typeof reply}`);
  }
  return events.map((e, i) => {
    const status = EVENT_STATUS[integerAt(reply, 2 * i)];
    if (status === undefined) throw malformed(`unknown event status ${String(reply[2 * i])}`);
    const text = reply[2 * i + 1];
    if (typeof text !== 'string') throw malformed(`expected a pre-state string at ${2 * i + 1}, got ${typeof text}`);
    return parsePreState(text, e, status, layout);
  });
}

export function encodeLabelBatch(labels: readonly StoreLabel[], prefix: string, settings: StoreSettings, layout: StoreLayout = STORE_LAYOUT): ScriptCall {
  const table = new KeyTable();
  const args: (string | number)[] = [settings.featureTtlSeconds, settings.labelMarkerTtlSeconds, layout.terminal.retentionDays + settings.retentionSlackDays, labels.length];
  for (const l of labels) {
    args.push(table.indexOf(labelMarkerKey(prefix, l.transactionId)), table.indexOf(terminalKey(prefix, l.terminalId)), l.day);
  }
  return { keys: table.keys, args };
}

export function decodeLabelReply(reply: unknown, labels: readonly StoreLabel[]): LabelOutcome[] {
  if (!Array.isArray(reply) || reply.length !== labels.length) {
    throw malformed(`expected ${labels.length} label outcomes, got ${Array.isArray(reply) ? reply.length : typeof reply}`);
  }
  return reply.map((_, i) => {
    const outcome = LABEL_OUTCOME[integerAt(reply, i)];
    if (outcome === undefined) throw malformed(`unknown label outcome ${String(reply[i])}`);
    return outcome;
  });
}
