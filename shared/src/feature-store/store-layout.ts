import { BUCKET_RETENTION_DAYS, FEATURE_DEFINITIONS, type DailyBucket } from '../features/transaction-features.ts';

/**
 * How the online feature store lays the shared module's daily buckets out in Redis. Nothing here is a
 * feature definition: the windows, fields and retentions are DERIVED from FEATURE_DEFINITIONS, so a new
 * window in the shared module changes what the script reads without touching this module.
 *
 * Layout v2 (LAYOUT_VERSION; the version is part of the entity key names, so a value of another layout
 * is never read as this one):
 *
 *   <prefix>v2:c:<card_token>     string, the customer's buckets, packed (below)
 *   <prefix>v2:t:<terminal_id>    string, the terminal's buckets, packed
 *   <prefix>pre:<transaction_id>  string, the pre-state an event was scored on (redelivery answer)
 *   <prefix>lbl:<transaction_id>  string, marker of an applied fraud label (label dedup)
 *   <prefix>generation            hash, the store generation: which Redis memory the state lives in
 *                                 (lua/apply-events.lua), so a restart with empty memory is detected
 *
 * A packed entity value (lua/entity-state.lua writes it, decodeEntityValue reads it), little-endian:
 *   the entity's stored fields as ASCII (e.g. "ns"; checked on every read, so a changed field set is
 *   refused loudly instead of misread), the newest day recorded (int32), then one record per day
 *   holding anything, ascending: day (int32), then per field n / f as int32 and s as a float64 (integer
 *   cents, exact up to 2^53). Fields: n events that day, s their amount in integer cents, f labelled frauds.
 *
 * `<day>` is the shared module's dayIndex (UTC days since the epoch). The pre-state strings do not
 * depend on the entity layout (see store-protocol.ts), so they and the label markers keep their v1 names:
 * a redelivery after an upgrade is still answered from the snapshot it was scored on.
 *
 * Layout v1 (hashes <prefix>c:<card_token> / <prefix>t:<terminal_id> with "<day>:n|s|f" fields and
 * "newest") is never read as v2: legacy-layout.ts converts it once, before a store's first batch.
 */

/** The entity layout version, part of every entity key name. */
export const LAYOUT_VERSION = 2;

/** A stored per-day field: event count, amount sum in cents, fraud count. */
export type BucketField = 'n' | 's' | 'f';

/** Ages (days before the event's day) lo..hi, both included. */
export interface AgeSegment {
  readonly lo: number;
  readonly hi: number;
}

export interface EntityLayout {
  /** Youngest and oldest age (days before the event's day) any feature of the entity reads. */
  readonly minAge: number;
  readonly maxAge: number;
  /** Fields stored and read per day, 'n' first; the script returns them in this order. */
  readonly fields: readonly BucketField[];
  /**
   * The ages read, cut at every bound of every window of the entity, youngest first. Every window is a
   * union of whole segments, so the per-segment sums of the fields answer every window exactly (the
   * values are integers): the script returns one sum per segment instead of one value per day.
   */
  readonly segments: readonly AgeSegment[];
  /** Days kept per entity, newest included (the shared module's BUCKET_RETENTION_DAYS). */
  readonly retentionDays: number;
}

export interface StoreLayout {
  readonly customer: EntityLayout;
  readonly terminal: EntityLayout;
}

/** Segments between consecutive window bounds, keeping those some window covers. */
function segmentsOf(windows: readonly AgeSegment[]): AgeSegment[] {
  const cuts = [...new Set(windows.flatMap((w) => [w.lo, w.hi + 1]))].sort((a, b) => a - b);
  const out: AgeSegment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const seg = { lo: cuts[i]!, hi: cuts[i + 1]! - 1 };
    if (windows.some((w) => w.lo <= seg.lo && seg.hi <= w.hi)) out.push(Object.freeze(seg));
  }
  return out;
}

function entityLayout(entity: 'customer' | 'terminal'): EntityLayout {
  let minAge = Number.POSITIVE_INFINITY;
  let maxAge = Number.NEGATIVE_INFINITY;
  const fields: BucketField[] = ['n'];
  const windows: AgeSegment[] = [];
  for (const d of FEATURE_DEFINITIONS) {
    if (d.entity !== entity) continue;
    minAge = Math.min(minAge, d.delayDays);
    maxAge = Math.max(maxAge, d.delayDays + d.windowDays - 1);
    windows.push({ lo: d.delayDays, hi: d.delayDays + d.windowDays - 1 });
    if (d.aggregate === 'mean-amount' && !fields.includes('s')) fields.push('s');
    if (d.aggregate === 'fraud-rate' && !fields.includes('f')) fields.push('f');
  }
  if (!Number.isFinite(minAge)) {
    // No feature reads the entity: read nothing but keep counting, so the layout stays well-formed.
    minAge = 0;
    maxAge = -1;
  }
  return Object.freeze({
    minAge,
    maxAge,
    fields: Object.freeze(fields),
    segments: Object.freeze(segmentsOf(windows)),
    retentionDays: BUCKET_RETENTION_DAYS[entity],
  });
}

/**
 * With the handbook-baseline set: customer ages 0..29 in segments 0, 1-6, 7-29, fields n and s;
 * terminal ages 7..36 in segments 7, 8-13, 14-36, fields n and f.
 */
export const STORE_LAYOUT: StoreLayout = Object.freeze({ customer: entityLayout('customer'), terminal: entityLayout('terminal') });

/** The longest retention of any entity, in days: the floor of the key TTL. */
export const LONGEST_RETENTION_DAYS = Math.max(STORE_LAYOUT.customer.retentionDays, STORE_LAYOUT.terminal.retentionDays);

export function customerKey(prefix: string, cardToken: string): string {
  return `${prefix}v${LAYOUT_VERSION}:c:${cardToken}`;
}

export function terminalKey(prefix: string, terminalId: string): string {
  return `${prefix}v${LAYOUT_VERSION}:t:${terminalId}`;
}

export function snapshotKey(prefix: string, transactionId: string): string {
  return `${prefix}pre:${transactionId}`;
}

export function generationKey(prefix: string): string {
  return `${prefix}generation`;
}

export function labelMarkerKey(prefix: string, transactionId: string): string {
  return `${prefix}lbl:${transactionId}`;
}

/** An entity value read back: what the shared module's buckets hold for it. */
export interface EntityState {
  readonly newest: number;
  /** Ascending by day; a day holding anything, its fields not stored are 0. */
  readonly buckets: DailyBucket[];
}

/**
 * Reads a packed entity value (the format above). For tests and tools; the scripts do the same in Lua.
 * Throws on a value that is not a v2 state with exactly the layout's fields.
 */
export function decodeEntityValue(value: Buffer, e: EntityLayout): EntityState {
  const fields = e.fields.join('');
  const recordSize = 4 + e.fields.reduce((n, f) => n + (f === 's' ? 8 : 4), 0);
  const headerSize = fields.length + 4;
  const k = (value.length - headerSize) / recordSize;
  if (!Number.isInteger(k) || k < 0 || value.toString('latin1', 0, fields.length) !== fields) {
    throw new Error(`not a layout v${LAYOUT_VERSION} "${fields}" entity value (${value.length} bytes)`);
  }
  const newest = value.readInt32LE(fields.length);
  const buckets: DailyBucket[] = [];
  let pos = headerSize;
  for (let r = 0; r < k; r++) {
    const b = { day: value.readInt32LE(pos), count: 0, sumAmountCents: 0, fraudCount: 0 };
    pos += 4;
    for (const f of e.fields) {
      if (f === 's') {
        b.sumAmountCents = value.readDoubleLE(pos);
        pos += 8;
      } else {
        const v = value.readInt32LE(pos);
        pos += 4;
        if (f === 'n') b.count = v;
        else b.fraudCount = v;
      }
    }
    buckets.push(b);
  }
  return { newest, buckets };
}
