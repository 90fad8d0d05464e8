/**
 * The ONE definition of the model's input features, shared by the offline featuriser (training) and the
 * streaming feature service (serving) so the two cannot disagree. Both call `computeFeaturesInto` on the
 * same bucket state; only where the buckets live differs (JS arrays offline, Redis hashes online).
 *
 * The features are the baseline set of the Fraud Detection Handbook ("Baseline feature transformation"),
 * in the handbook's model input order. Window semantics are adapted to DAILY BUCKETS so that the stream
 * can keep a small, bounded state per entity; the choice is deliberate and applies to training too:
 *
 * - Days are UTC days: `day = floor(event_time_ms / 86_400_000)`. Weekend and night use UTC as well.
 * - Customer window of N days (delay 0) = every earlier event of the customer on days [d-N+1, d] plus the
 *   current event. "Earlier" means processed before it (event-time order; ties by arrival order). The
 *   handbook uses a sliding (t - N*24h, t] window instead; ours is whole calendar days ending with the
 *   current event, so the 1-day window is "today so far" rather than "the last 24 hours".
 * - Terminal window of N days with delay D = 7 covers the terminal's events on days [d-D-N+1, d-D]. The
 *   current event and the most recent D days are never included: labels are assumed to be known D days
 *   after the transaction's day, so only days <= d-D can be read. (The handbook's window is
 *   (t-(D+N)*24h, t-D*24h]; ours takes whole days, so all of day d-D counts.)
 * - TERMINAL_ID_RISK = fraud_count / count over the terminal window, 0 when the window has no events
 *   (the handbook's fillna(0)); TERMINAL_ID_NB_TX is the count over the same delayed window.
 * - Amount sums are kept in integer cents, so a window sum is exact and independent of summation order
 *   or of where it is stored (Redis HINCRBY is exact on integers; HINCRBYFLOAT would not be). Averages
 *   are `sum_cents / count / 100`, computed in double precision, then stored as float32.
 * - An event without a terminal (terminal_id null) gets NaN for every terminal feature: the models route
 *   NaN by a learned missing direction, which is better than pretending the terminal is new (0).
 *
 * State contract: `computeFeaturesInto` takes the entity histories as they were BEFORE the event; the
 * caller then applies the event with `applyEventToBuckets` (both entities) and, when a label arrives,
 * `applyLabelToBuckets` (terminal only: no customer feature reads fraud counts).
 */

export const FEATURE_SET_VERSION = 'handbook-baseline-v1';

export const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;

/** Days between a transaction and the moment its label may be used (the handbook's delay period). */
export const TERMINAL_DELAY_DAYS = 7;

/** The handbook's night: hours 0..6 inclusive (`hour <= 6`). */
export const NIGHT_LAST_HOUR = 6;

export const FEATURE_NAMES = [
  'TX_AMOUNT',
  'TX_DURING_WEEKEND',
  'TX_DURING_NIGHT',
  'CUSTOMER_ID_NB_TX_1DAY_WINDOW',
  'CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW',
  'CUSTOMER_ID_NB_TX_7DAY_WINDOW',
  'CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW',
  'CUSTOMER_ID_NB_TX_30DAY_WINDOW',
  'CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW',
  'TERMINAL_ID_NB_TX_1DAY_WINDOW',
  'TERMINAL_ID_RISK_1DAY_WINDOW',
  'TERMINAL_ID_NB_TX_7DAY_WINDOW',
  'TERMINAL_ID_RISK_7DAY_WINDOW',
  'TERMINAL_ID_NB_TX_30DAY_WINDOW',
  'TERMINAL_ID_RISK_30DAY_WINDOW',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export type FeatureEntity = 'none' | 'customer' | 'terminal';

/**
 * - `amount`: the event's amount; `weekend` / `night`: 0/1 flags from the UTC event time;
 * - `count`: events in the window; `mean-amount`: their average amount; `fraud-rate`: labelled frauds /
 *   events in the window.
 */
export type FeatureAggregate = 'amount' | 'weekend' | 'night' | 'count' | 'mean-amount' | 'fraud-rate';

export interface MissingValuePolicy {
  /** The event has no key for the entity (e.g. terminal_id is null). */
  readonly entityAbsent: 'not-applicable' | 'nan';
  /** The entity is known but the window holds no event. */
  readonly emptyWindow: 'not-applicable' | 'zero';
}

export interface FeatureDefinition {
  readonly name: FeatureName;
  readonly entity: FeatureEntity;
  readonly aggregate: FeatureAggregate;
  /** Number of whole UTC days in the window; 0 for per-event features. */
  readonly windowDays: number;
  /** Days between the event's day and the newest day of the window. */
  readonly delayDays: number;
  /** Whether the event being scored is part of its own window (customer features, as in the handbook). */
  readonly includesCurrentEvent: boolean;
  readonly missing: MissingValuePolicy;
  readonly description: string;
}

const PER_EVENT: MissingValuePolicy = { entityAbsent: 'not-applicable', emptyWindow: 'not-applicable' };
// The current event is always in a customer window, so it is never empty.
const CUSTOMER_WINDOW: MissingValuePolicy = { entityAbsent: 'not-applicable', emptyWindow: 'not-applicable' };
const TERMINAL_WINDOW: MissingValuePolicy = { entityAbsent: 'nan', emptyWindow: 'zero' };

const WINDOWS_DAYS = [1, 7, 30] as const;

function buildDefinitions(): readonly FeatureDefinition[] {
  const defs: FeatureDefinition[] = [
    {
      name: 'TX_AMOUNT',
      entity: 'none',
      aggregate: 'amount',
      windowDays: 0,
      delayDays: 0,
      includesCurrentEvent: true,
      missing: PER_EVENT,
      description: 'transaction amount in currency units',
    },
    {
      name: 'TX_DURING_WEEKEND',
      entity: 'none',
      aggregate: 'weekend',
      windowDays: 0,
      delayDays: 0,
      includesCurrentEvent: true,
      missing: PER_EVENT,
      description: '1 when the UTC event day is a Saturday or Sunday, else 0',
    },
    {
      name: 'TX_DURING_NIGHT',
      entity: 'none',
      aggregate: 'night',
      windowDays: 0,
      delayDays: 0,
      includesCurrentEvent: true,
      missing: PER_EVENT,
      description: `1 when the UTC hour is <= ${NIGHT_LAST_HOUR} (00:00-06:59), else 0`,
    },
  ];
  for (const n of WINDOWS_DAYS) {
    defs.push(
      {
        name: `CUSTOMER_ID_NB_TX_${n}DAY_WINDOW` as FeatureName,
        entity: 'customer',
        aggregate: 'count',
        windowDays: n,
        delayDays: 0,
        includesCurrentEvent: true,
        missing: CUSTOMER_WINDOW,
        description: `customer's transactions on UTC days [d-${n - 1}, d] up to and including this one`,
      },
      {
        name: `CUSTOMER_ID_AVG_AMOUNT_${n}DAY_WINDOW` as FeatureName,
        entity: 'customer',
        aggregate: 'mean-amount',
        windowDays: n,
        delayDays: 0,
        includesCurrentEvent: true,
        missing: CUSTOMER_WINDOW,
        description: `mean amount of the customer's transactions on UTC days [d-${n - 1}, d] including this one`,
      },
    );
  }
  for (const n of WINDOWS_DAYS) {
    const lo = TERMINAL_DELAY_DAYS + n - 1;
    defs.push(
      {
        name: `TERMINAL_ID_NB_TX_${n}DAY_WINDOW` as FeatureName,
        entity: 'terminal',
        aggregate: 'count',
        windowDays: n,
        delayDays: TERMINAL_DELAY_DAYS,
        includesCurrentEvent: false,
        missing: TERMINAL_WINDOW,
        description: `terminal's transactions on UTC days [d-${lo}, d-${TERMINAL_DELAY_DAYS}]`,
      },
      {
        name: `TERMINAL_ID_RISK_${n}DAY_WINDOW` as FeatureName,
        entity: 'terminal',
        aggregate: 'fraud-rate',
        windowDays: n,
        delayDays: TERMINAL_DELAY_DAYS,
        includesCurrentEvent: false,
        missing: TERMINAL_WINDOW,
        description: `share of the terminal's transactions on UTC days [d-${lo}, d-${TERMINAL_DELAY_DAYS}] labelled fraud; 0 when none`,
      },
    );
  }
  // Definitions are generated per window, but the model order is FEATURE_NAMES: sort into it.
  const order = new Map<string, number>(FEATURE_NAMES.map((name, i) => [name, i]));
  defs.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  return Object.freeze(defs.map((d) => Object.freeze(d)));
}

export const FEATURE_DEFINITIONS: readonly FeatureDefinition[] = buildDefinitions();

export const FEATURE_COUNT = FEATURE_NAMES.length;

/**
 * How many days of buckets each entity must keep (newest day included) so that every window can be
 * answered: max over its features of delay + window. Also the Redis key TTL in days.
 */
export const BUCKET_RETENTION_DAYS: Readonly<Record<'customer' | 'terminal', number>> = Object.freeze({
  customer: retentionFor('customer'),
  terminal: retentionFor('terminal'),
});

function retentionFor(entity: 'customer' | 'terminal'): number {
  let days = 1;
  for (const d of FEATURE_DEFINITIONS) if (d.entity === entity) days = Math.max(days, d.delayDays + d.windowDays);
  return days;
}

/** One entity's aggregate for one UTC day. */
export interface DailyBucket {
  readonly day: number;
  readonly count: number;
  readonly sumAmountCents: number;
  readonly fraudCount: number;
}

export interface MutableDailyBucket {
  day: number;
  count: number;
  sumAmountCents: number;
  fraudCount: number;
}

/**
 * An entity's retained buckets, in any order, at most one per day. Buckets outside a window are ignored,
 * so a store may return more days than needed.
 */
export type BucketHistory = readonly DailyBucket[];

/** The part of an event the features read; the entity keys select the histories. */
export interface FeatureEvent {
  readonly eventTimeMs: number;
  readonly amount: number;
}

/** UTC day number of an epoch-millisecond time. */
export function dayIndex(eventTimeMs: number): number {
  return Math.floor(eventTimeMs / MS_PER_DAY);
}

/** Exact integer cents of an amount; sums of cents are exact in doubles up to 2^53. */
export function amountToCents(amount: number): number {
  return Math.round(amount * 100);
}

export function isWeekend(eventTimeMs: number): boolean {
  // Day 0 (1970-01-01) was a Thursday; with Sunday = 0 its weekday is 4.
  const weekday = (((dayIndex(eventTimeMs) + 4) % 7) + 7) % 7;
  return weekday === 0 || weekday === 6;
}

export function isNight(eventTimeMs: number): boolean {
  const msOfDay = eventTimeMs - dayIndex(eventTimeMs) * MS_PER_DAY;
  return Math.floor(msOfDay / MS_PER_HOUR) <= NIGHT_LAST_HOUR;
}

// ---------------------------------------------------------------------------------------------------
// Compiled plan: the definitions are interpreted once at load time into flat typed arrays. Per event,
// each entity's buckets are scattered by age (days before the event's day) and turned into prefix sums,
// so every window is one subtraction: one pass over the buckets whatever the number of windows, and no
// per-bucket branching on windows (several times faster than testing each bucket against each window,
// which matters at 1.75M events offline and on the stream's hot path).

const AGG_AMOUNT = 0;
const AGG_WEEKEND = 1;
const AGG_NIGHT = 2;
const AGG_COUNT = 3;
const AGG_MEAN = 4;
const AGG_RATE = 5;
const AGGREGATE_CODES: Readonly<Record<FeatureAggregate, number>> = {
  amount: AGG_AMOUNT,
  weekend: AGG_WEEKEND,
  night: AGG_NIGHT,
  count: AGG_COUNT,
  'mean-amount': AGG_MEAN,
  'fraud-rate': AGG_RATE,
};

const ENTITY_NONE = 0;
const ENTITY_CUSTOMER = 1;
const ENTITY_TERMINAL = 2;
const ENTITY_CODES: Readonly<Record<FeatureEntity, number>> = {
  none: ENTITY_NONE,
  customer: ENTITY_CUSTOMER,
  terminal: ENTITY_TERMINAL,
};

const FEATURE_AGGREGATE = Int32Array.from(FEATURE_DEFINITIONS, (d) => AGGREGATE_CODES[d.aggregate]);
const FEATURE_ENTITY = Int32Array.from(FEATURE_DEFINITIONS, (d) => ENTITY_CODES[d.entity]);
/** Window covers ages [FEATURE_NEWEST_AGE, FEATURE_OLDEST_AGE] in days. */
const FEATURE_NEWEST_AGE = Int32Array.from(FEATURE_DEFINITIONS, (d) => d.delayDays);
const FEATURE_OLDEST_AGE = Int32Array.from(FEATURE_DEFINITIONS, (d) => d.delayDays + d.windowDays - 1);
const FEATURE_WITH_CURRENT = Uint8Array.from(FEATURE_DEFINITIONS, (d) => (d.entity !== 'none' && d.includesCurrentEvent ? 1 : 0));
const FEATURE_NAN_WHEN_ABSENT = Uint8Array.from(FEATURE_DEFINITIONS, (d) => (d.missing.entityAbsent === 'nan' ? 1 : 0));

// Per-age prefix sums, one row per entity code: cum[a] = total over ages < a, so a window [lo, hi] is
// cum[hi + 1] - cum[lo], exact because every total is an integer below 2^53. JS is single-threaded and
// the function never re-enters, so reusing the scratch keeps the hot path allocation-free; the result
// depends on the arguments only.
const MAX_AGE = Math.max(BUCKET_RETENTION_DAYS.customer, BUCKET_RETENTION_DAYS.terminal);
const cumCount = [new Float64Array(0), new Float64Array(MAX_AGE + 1), new Float64Array(MAX_AGE + 1)] as const;
const cumCents = [new Float64Array(0), new Float64Array(MAX_AGE + 1), new Float64Array(MAX_AGE + 1)] as const;
const cumFraud = [new Float64Array(0), new Float64Array(MAX_AGE + 1), new Float64Array(MAX_AGE + 1)] as const;

function prefixSumsByAge(buckets: BucketHistory, day: number, entity: number): void {
  const count = cumCount[entity]!;
  const cents = cumCents[entity]!;
  const fraud = cumFraud[entity]!;
  count.fill(0);
  cents.fill(0);
  fraud.fill(0);
  // Scatter each bucket to slot age + 1, then accumulate left to right.
  for (let b = 0; b < buckets.length; b++) {
    const bucket = buckets[b]!;
    const age = day - bucket.day;
    if (age < 0 || age >= MAX_AGE) continue;
    count[age + 1]! += bucket.count;
    cents[age + 1]! += bucket.sumAmountCents;
    fraud[age + 1]! += bucket.fraudCount;
  }
  for (let a = 1; a <= MAX_AGE; a++) {
    count[a]! += count[a - 1]!;
    cents[a]! += cents[a - 1]!;
    fraud[a]! += fraud[a - 1]!;
  }
}

/**
 * Writes the feature vector of `event` (FEATURE_NAMES order) into `out` at `offset`.
 * `customerBuckets` / `terminalBuckets` are the histories BEFORE this event; `terminalBuckets` is null
 * when the event has no terminal.
 */
export function computeFeaturesInto(
  event: FeatureEvent,
  customerBuckets: BucketHistory,
  terminalBuckets: BucketHistory | null,
  out: { [i: number]: number },
  offset = 0,
): void {
  const t = event.eventTimeMs;
  const day = dayIndex(t);
  const cents = amountToCents(event.amount);
  prefixSumsByAge(customerBuckets, day, ENTITY_CUSTOMER);
  if (terminalBuckets !== null) prefixSumsByAge(terminalBuckets, day, ENTITY_TERMINAL);
  for (let i = 0; i < FEATURE_COUNT; i++) {
    const entity = FEATURE_ENTITY[i]!;
    const aggregate = FEATURE_AGGREGATE[i]!;
    let v: number;
    if (entity === ENTITY_NONE) {
      if (aggregate === AGG_AMOUNT) v = event.amount;
      else if (aggregate === AGG_WEEKEND) v = isWeekend(t) ? 1 : 0;
      else v = isNight(t) ? 1 : 0;
    } else if (entity === ENTITY_TERMINAL && terminalBuckets === null) {
      v = FEATURE_NAN_WHEN_ABSENT[i] === 1 ? Number.NaN : 0;
    } else {
      const lo = FEATURE_NEWEST_AGE[i]!;
      const hi = FEATURE_OLDEST_AGE[i]! + 1;
      const count = cumCount[entity]!;
      let n = count[hi]! - count[lo]!;
      if (FEATURE_WITH_CURRENT[i] === 1) n += 1;
      if (aggregate === AGG_COUNT) {
        v = n;
      } else if (aggregate === AGG_MEAN) {
        const sumCents = cumCents[entity]!;
        let sum = sumCents[hi]! - sumCents[lo]!;
        if (FEATURE_WITH_CURRENT[i] === 1) sum += cents;
        v = n > 0 ? sum / n / 100 : 0;
      } else {
        const fraud = cumFraud[entity]!;
        v = n > 0 ? (fraud[hi]! - fraud[lo]!) / n : 0;
      }
    }
    out[offset + i] = v;
  }
}

/** The feature vector of one event as float32, the precision the models compare at. */
export function computeFeatures(
  event: FeatureEvent,
  customerBuckets: BucketHistory,
  terminalBuckets: BucketHistory | null,
): Float32Array {
  const out = new Float32Array(FEATURE_COUNT);
  computeFeaturesInto(event, customerBuckets, terminalBuckets, out, 0);
  return out;
}

/** Name -> value, e.g. for the `features` map of transactions.enriched. */
export function featureVectorToRecord(vector: ArrayLike<number>, offset = 0): Record<FeatureName, number> {
  const out = {} as Record<FeatureName, number>;
  for (let i = 0; i < FEATURE_COUNT; i++) out[FEATURE_NAMES[i]!] = vector[offset + i]!;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Bucket update rules. Offline they run on arrays; the stream performs the same increments on Redis
// (HINCRBY count / sum_amount_cents / fraud_count on the hash of the event's day) and drops days older
// than the retention.

/**
 * Finds or creates the bucket of `day`, keeping `buckets` sorted by day and dropping days that no window
 * can read any more (older than `retentionDays` before the newest day). Returns null when `day` itself is
 * already past the retention (a very late event), in which case nothing is recorded.
 */
function bucketFor(buckets: MutableDailyBucket[], day: number, retentionDays: number): MutableDailyBucket | null {
  let i = buckets.length - 1;
  // Events arrive mostly in time order, so the day is nearly always the last bucket or a new one.
  while (i >= 0 && buckets[i]!.day > day) i--;
  if (i >= 0 && buckets[i]!.day === day) return buckets[i]!;
  const newest = buckets.length > 0 ? Math.max(buckets[buckets.length - 1]!.day, day) : day;
  const oldestKept = newest - retentionDays + 1;
  if (day < oldestKept) return null;
  const bucket: MutableDailyBucket = { day, count: 0, sumAmountCents: 0, fraudCount: 0 };
  buckets.splice(i + 1, 0, bucket);
  let drop = 0;
  while (drop < buckets.length && buckets[drop]!.day < oldestKept) drop++;
  if (drop > 0) buckets.splice(0, drop);
  return bucket;
}

/** Records a scored event in an entity's buckets (call for the customer and, if any, the terminal). */
export function applyEventToBuckets(
  buckets: MutableDailyBucket[],
  event: FeatureEvent,
  retentionDays: number,
): void {
  const bucket = bucketFor(buckets, dayIndex(event.eventTimeMs), retentionDays);
  if (bucket === null) return;
  bucket.count += 1;
  bucket.sumAmountCents += amountToCents(event.amount);
}

/** A label for an earlier transaction: its event time (not the label's) and the verdict. */
export interface FeatureLabel {
  readonly eventTimeMs: number;
  readonly isFraud: boolean;
}

/**
 * Records a label in the labelled transaction's terminal buckets, on the transaction's day. Genuine
 * labels change nothing: the transaction was already counted when it was scored.
 */
export function applyLabelToBuckets(buckets: MutableDailyBucket[], label: FeatureLabel, retentionDays: number): void {
  if (!label.isFraud) return;
  const bucket = bucketFor(buckets, dayIndex(label.eventTimeMs), retentionDays);
  if (bucket === null) return;
  bucket.fraudCount += 1;
}
