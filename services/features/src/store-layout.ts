import { BUCKET_RETENTION_DAYS, FEATURE_DEFINITIONS } from '@riskstream/shared/features';

/**
 * How the online feature store lays the shared module's daily buckets out in Redis. Nothing here is a
 * feature definition: the windows, fields and retentions are DERIVED from FEATURE_DEFINITIONS, so a new
 * window in the shared module changes what the script reads without touching this service.
 *
 *   <prefix>c:<card_token>      hash, the customer's buckets
 *   <prefix>t:<terminal_id>     hash, the terminal's buckets
 *       "<day>:n"  events that day          "<day>:s"  their amount in integer cents
 *       "<day>:f"  labelled frauds          "newest"   newest day recorded (drives pruning)
 *   <prefix>pre:<transaction_id>  string, the pre-state an event was scored on (redelivery answer)
 *   <prefix>lbl:<transaction_id>  string, marker of an applied fraud label (label dedup)
 *
 * `<day>` is the shared module's dayIndex (UTC days since the epoch).
 */

/** A per-day hash field: event count, amount sum in cents, fraud count. */
export type BucketField = 'n' | 's' | 'f';

export interface EntityLayout {
  /** Youngest and oldest age (days before the event's day) any feature of the entity reads. */
  readonly minAge: number;
  readonly maxAge: number;
  /** Fields read per day, 'n' first; the script returns them in this order. */
  readonly fields: readonly BucketField[];
  /** Days kept per entity, newest included (the shared module's BUCKET_RETENTION_DAYS). */
  readonly retentionDays: number;
}

export interface StoreLayout {
  readonly customer: EntityLayout;
  readonly terminal: EntityLayout;
}

function entityLayout(entity: 'customer' | 'terminal'): EntityLayout {
  let minAge = Number.POSITIVE_INFINITY;
  let maxAge = Number.NEGATIVE_INFINITY;
  const fields: BucketField[] = ['n'];
  for (const d of FEATURE_DEFINITIONS) {
    if (d.entity !== entity) continue;
    minAge = Math.min(minAge, d.delayDays);
    maxAge = Math.max(maxAge, d.delayDays + d.windowDays - 1);
    if (d.aggregate === 'mean-amount' && !fields.includes('s')) fields.push('s');
    if (d.aggregate === 'fraud-rate' && !fields.includes('f')) fields.push('f');
  }
  if (!Number.isFinite(minAge)) {
    // No feature reads the entity: read nothing but keep counting, so the layout stays well-formed.
    minAge = 0;
    maxAge = -1;
  }
  return Object.freeze({ minAge, maxAge, fields: Object.freeze(fields), retentionDays: BUCKET_RETENTION_DAYS[entity] });
}

/** customer: ages 0..29, n and s; terminal: ages 7..36, n and f (with the handbook-baseline set). */
export const STORE_LAYOUT: StoreLayout = Object.freeze({ customer: entityLayout('customer'), terminal: entityLayout('terminal') });

/** The longest retention of any entity, in days: the floor of the key TTL. */
export const LONGEST_RETENTION_DAYS = Math.max(STORE_LAYOUT.customer.retentionDays, STORE_LAYOUT.terminal.retentionDays);

export function customerKey(prefix: string, cardToken: string): string {
  return `${prefix}c:${cardToken}`;
}

export function terminalKey(prefix: string, terminalId: string): string {
  return `${prefix}t:${terminalId}`;
}

export function snapshotKey(prefix: string, transactionId: string): string {
  return `${prefix}pre:${transactionId}`;
}

export function labelMarkerKey(prefix: string, transactionId: string): string {
  return `${prefix}lbl:${transactionId}`;
}
