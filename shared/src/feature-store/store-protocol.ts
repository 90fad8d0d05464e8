import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { DailyBucket } from '../features/transaction-features.ts';
import {
  customerKey,
  generationKey,
  labelMarkerKey,
  LAYOUT_VERSION,
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
 * Entity keys are deduplicated and the events refer to them by index: a hot terminal appears once
 * however many events of the batch hit it, and every key the script touches is still declared in KEYS
 * (what ACL key patterns and a future cluster check see).
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

/**
 * The entity histories an event saw BEFORE it, as bucket views for the shared module: one bucket per
 * segment of ages holding anything (store-layout.ts), dated at the segment's youngest age, rather than
 * one per day. Every window the features take is a union of whole segments, so they are the same.
 */
export interface PreState {
  readonly status: EventStatus;
  /**
   * true when the store lost its state (a Redis restarted empty) and the event's windows reach back
   * before the loss: its features are computed on incomplete history (see StoreGeneration). Absent
   * means false (in-memory stores of tests never lose their state).
   */
  readonly degraded?: boolean;
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

/**
 * The store's generation as the apply-events script answers it (lua/apply-events.lua explains the rule):
 * an id that changes when Redis lost the state, and the last event day whose features read days before
 * the loss (-1 when no loss is known).
 */
export interface StoreGeneration {
  readonly id: string;
  readonly degradedThroughDay: number;
}

export interface ScriptCall {
  readonly keys: string[];
  readonly args: (string | number | Buffer)[];
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

/** Distinct keys in first-seen order, referred to by 1-based index. */
class KeyTable {
  readonly keys: string[] = [];
  readonly #index = new Map<string, number>();
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

function segmentsArg(e: EntityLayout): string {
  return e.segments.map((s) => `${s.lo}-${s.hi}`).join(',');
}

function layoutArgs(e: EntityLayout, slackDays: number): (string | number)[] {
  return [e.retentionDays + slackDays, e.fields.join(''), segmentsArg(e)];
}

/** Per event in the packed events argument: customer, terminal, day (int32), cents (float64), apply (uint8). */
const EVENT_BYTES = 4 + 4 + 4 + 8 + 1;

/** Days back an event's features read at most: after a loss, events this close to it are degraded. */
export function degradedSpanDays(layout: StoreLayout = STORE_LAYOUT): number {
  return Math.max(layout.customer.maxAge, layout.terminal.maxAge);
}

/**
 * KEYS: the distinct customer keys, the distinct terminal keys, then one snapshot key per event (the
 * script reads all entities with one MGET of the first C + T keys, all snapshots with one of the rest),
 * then the generation key. The events go packed in one binary argument (lua/apply-events.lua documents
 * the layout); `knownGeneration` is the generation id the caller saw last ('' before its first call).
 */
export function encodeEventBatch(
  events: readonly StoreEvent[],
  prefix: string,
  settings: StoreSettings,
  layout: StoreLayout = STORE_LAYOUT,
  knownGeneration = '',
): ScriptCall {
  const customers = new KeyTable();
  const terminals = new KeyTable();
  const packed = Buffer.allocUnsafe(events.length * EVENT_BYTES);
  const snapshots: string[] = new Array(events.length);
  events.forEach((e, i) => {
    let at = i * EVENT_BYTES;
    at = packed.writeInt32LE(customers.indexOf(customerKey(prefix, e.cardToken)), at);
    at = packed.writeInt32LE(e.terminalId === null ? 0 : terminals.indexOf(terminalKey(prefix, e.terminalId)), at);
    at = packed.writeInt32LE(e.day, at);
    at = packed.writeDoubleLE(e.cents, at);
    packed.writeUInt8(e.apply ? 1 : 0, at);
    snapshots[i] = snapshotKey(prefix, e.transactionId);
  });
  const args: (string | number | Buffer)[] = [
    settings.featureTtlSeconds,
    settings.snapshotTtlSeconds,
    preStateCodec(layout).tag,
    ...layoutArgs(layout.customer, settings.retentionSlackDays),
    ...layoutArgs(layout.terminal, settings.retentionSlackDays),
    customers.keys.length,
    terminals.keys.length,
    events.length,
    packed,
    knownGeneration,
    degradedSpanDays(layout),
  ];
  return { keys: [...customers.keys, ...terminals.keys, ...snapshots, generationKey(prefix)], args };
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

/**
 * Pre-states, layout v2 (apply-events.lua writes them, the reply and the snapshot carry the same
 * bytes): the tag, then for the customer and then the terminal (zeros when the event has none), per
 * segment of ages the entity's features read (youngest first), the sums of its stored fields in field
 * order, little-endian, n and f as int32 and s as float64. Fixed-size binary because packing a dozen
 * numbers is one C call in the script, where formatting them as text was its costliest step, and the
 * reply is read here without parsing text.
 *
 * The tag names the format and fingerprints the layout (fields and segments of both entities), so a
 * snapshot written under other feature definitions is refused, not misread. Every segment holding a
 * day holds a non-zero count or fraud count, so the buckets are exactly the non-zero segments, each
 * placed at its youngest age: every window sum the shared module takes is the same as over the days.
 */
interface EntityCodec {
  readonly layout: EntityLayout;
  /** Byte offset of each field within a segment, and the segment's size. */
  readonly offsets: readonly number[];
  readonly segmentSize: number;
}

interface PreStateCodec {
  readonly tag: string;
  readonly size: number;
  readonly customer: EntityCodec;
  readonly terminal: EntityCodec;
}

const codecs = new WeakMap<StoreLayout, PreStateCodec>();

function entityCodec(e: EntityLayout): EntityCodec {
  const offsets: number[] = [];
  let size = 0;
  for (const f of e.fields) {
    offsets.push(size);
    size += f === 's' ? 8 : 4;
  }
  return { layout: e, offsets, segmentSize: size };
}

function preStateCodec(layout: StoreLayout): PreStateCodec {
  let codec = codecs.get(layout);
  if (codec === undefined) {
    const shape = JSON.stringify([layout.customer, layout.terminal].map((e) => [e.fields, e.segments]));
    const tag = `p${LAYOUT_VERSION}${createHash('sha1').update(shape).digest('hex').slice(0, 6)}`;
    const customer = entityCodec(layout.customer);
    const terminal = entityCodec(layout.terminal);
    const size = tag.length + customer.segmentSize * layout.customer.segments.length + terminal.segmentSize * layout.terminal.segments.length;
    codec = { tag, size, customer, terminal };
    codecs.set(layout, codec);
  }
  return codec;
}

function readSegments(value: Buffer, at: number, day: number, c: EntityCodec): DailyBucket[] {
  const buckets: DailyBucket[] = [];
  const fields = c.layout.fields;
  for (const seg of c.layout.segments) {
    let count = 0;
    let sumAmountCents = 0;
    let fraudCount = 0;
    for (let j = 0; j < fields.length; j++) {
      const f = fields[j];
      const pos = at + c.offsets[j]!;
      if (f === 'n') count = value.readInt32LE(pos);
      else if (f === 's') sumAmountCents = value.readDoubleLE(pos);
      else fraudCount = value.readInt32LE(pos);
    }
    if (count !== 0 || sumAmountCents !== 0 || fraudCount !== 0) buckets.push({ day: day - seg.lo, count, sumAmountCents, fraudCount });
    at += c.segmentSize;
  }
  return buckets;
}

/** One pre-state as the script answers it: layout v2 binary, or a layout v1 text snapshot. */
export function decodePreState(value: Buffer, event: StoreEvent, status: EventStatus, layout: StoreLayout = STORE_LAYOUT): PreState {
  // A v1 text snapshot starts with a digit; a v2 one with its tag.
  if (value.length > 0 && value[0]! >= 0x30 && value[0]! <= 0x39) return parsePreStateText(value.toString('latin1'), event, status, layout);
  const codec = preStateCodec(layout);
  if (value.length !== codec.size || value.toString('latin1', 0, codec.tag.length) !== codec.tag) {
    throw malformed(`a pre-state of ${value.length} bytes tagged "${value.toString('latin1', 0, Math.min(8, value.length))}" is not one of this layout (${codec.size} bytes, "${codec.tag}")`);
  }
  const customer = readSegments(value, codec.tag.length, event.day, codec.customer);
  const terminal = event.terminalId === null ? null : readSegments(value, codec.tag.length + codec.customer.segmentSize * layout.customer.segments.length, event.day, codec.terminal);
  return { status, customer, terminal };
}

/** Reads one v1 window: k, then k x (age, fields) -> buckets with absolute days. */
function readTextWindow(values: readonly number[], at: number, day: number, e: EntityLayout): { buckets: DailyBucket[]; next: number } {
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
 * A snapshot stored by layout v1, still answered to a redelivery after an upgrade: the customer window,
 * then the terminal window, comma-separated integers, each as k, then k x (age, field values) for the
 * k days holding anything.
 */
function parsePreStateText(text: string, event: StoreEvent, status: EventStatus, layout: StoreLayout): PreState {
  const values = text.split(',').map((v) => (v === '' ? Number.NaN : Number(v)));
  const customer = readTextWindow(values, 0, event.day, layout.customer);
  const terminal = readTextWindow(values, customer.next, event.day, layout.terminal);
  if (terminal.next !== values.length) throw malformed(`${values.length - terminal.next} values left over in "${text.slice(0, 80)}"`);
  return { status, customer: customer.buckets, terminal: event.terminalId === null ? null : terminal.buckets };
}

/** Reply (read with Buffer bulk strings): per event, status then pre-state. */
export function decodeEventReply(reply: unknown, events: readonly StoreEvent[], layout: StoreLayout = STORE_LAYOUT): PreState[] {
  const { degradedThroughDay } = decodeGeneration(reply, events);
  return events.map((e, i) => {
    const status = EVENT_STATUS[integerAt(reply as unknown[], 2 * i)];
    if (status === undefined) throw malformed(`unknown event status ${String((reply as unknown[])[2 * i])}`);
    const value: unknown = (reply as unknown[])[2 * i + 1];
    if (!Buffer.isBuffer(value)) throw malformed(`expected a pre-state buffer at ${2 * i + 1}, got ${typeof value}`);
    return { ...decodePreState(value, e, status, layout), degraded: e.day <= degradedThroughDay };
  });
}

/** The generation the reply ends with (its last two values). */
export function decodeGeneration(reply: unknown, events: readonly StoreEvent[]): StoreGeneration {
  if (!Array.isArray(reply) || reply.length !== 2 * events.length + 2) {
    throw malformed(`expected ${2 * events.length + 2} values for ${events.length} events, got ${Array.isArray(reply) ? reply.length : typeof reply}`);
  }
  const id: unknown = reply[2 * events.length];
  if (!Buffer.isBuffer(id) && typeof id !== 'string') throw malformed(`expected a generation id, got ${typeof id}`);
  return { id: String(id), degradedThroughDay: integerAt(reply, 2 * events.length + 1) };
}

/** KEYS: the distinct terminal keys, then one marker key per label. */
export function encodeLabelBatch(labels: readonly StoreLabel[], prefix: string, settings: StoreSettings, layout: StoreLayout = STORE_LAYOUT): ScriptCall {
  const terminals = new KeyTable();
  const perLabel: number[] = [];
  for (const l of labels) perLabel.push(terminals.indexOf(terminalKey(prefix, l.terminalId)), l.day);
  const args: (string | number | Buffer)[] = [
    settings.featureTtlSeconds,
    settings.labelMarkerTtlSeconds,
    layout.terminal.retentionDays + settings.retentionSlackDays,
    layout.terminal.fields.join(''),
    terminals.keys.length,
    labels.length,
    ...perLabel,
  ];
  return { keys: [...terminals.keys, ...labels.map((l) => labelMarkerKey(prefix, l.transactionId))], args };
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
