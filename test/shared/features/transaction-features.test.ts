import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyEventToBuckets,
  applyLabelToBuckets,
  BUCKET_RETENTION_DAYS,
  computeFeatures,
  dayIndex,
  FEATURE_COUNT,
  FEATURE_DEFINITIONS,
  FEATURE_NAMES,
  featureVectorToRecord,
  isNight,
  isWeekend,
  TERMINAL_DELAY_DAYS,
} from '@riskstream/shared/features';
import type { FeatureName, MutableDailyBucket } from '@riskstream/shared/features';

const HOUR = 3_600_000;
// 2018-04-02 is a Monday.
const D0_MS = Date.UTC(2018, 3, 2);
const D0 = dayIndex(D0_MS);
const at = (day: number, hours: number, minutes = 0, seconds = 0): number =>
  D0_MS + day * 86_400_000 + hours * HOUR + minutes * 60_000 + seconds * 1000;

interface TinyEvent {
  id: string;
  time: number;
  customer: number;
  terminal: number | null;
  amount: number;
  fraud: boolean;
}

/** Runs events through the stream protocol: features from the state before, then event, then label. */
function replay(events: readonly TinyEvent[]): Map<string, Record<FeatureName, number>> {
  const customers = new Map<number, MutableDailyBucket[]>();
  const terminals = new Map<number, MutableDailyBucket[]>();
  const get = (m: Map<number, MutableDailyBucket[]>, k: number): MutableDailyBucket[] => {
    let v = m.get(k);
    if (!v) m.set(k, (v = []));
    return v;
  };
  const rows = new Map<string, Record<FeatureName, number>>();
  for (const e of events) {
    const ev = { eventTimeMs: e.time, amount: e.amount };
    const cb = get(customers, e.customer);
    const tb = e.terminal === null ? null : get(terminals, e.terminal);
    rows.set(e.id, featureVectorToRecord(computeFeatures(ev, cb, tb)));
    applyEventToBuckets(cb, ev, BUCKET_RETENTION_DAYS.customer);
    if (tb) {
      applyEventToBuckets(tb, ev, BUCKET_RETENTION_DAYS.terminal);
      applyLabelToBuckets(tb, { eventTimeMs: e.time, isFraud: e.fraud }, BUCKET_RETENTION_DAYS.terminal);
    }
  }
  return rows;
}

const EVENTS: TinyEvent[] = [
  { id: 'e1', time: at(0, 10), customer: 0, terminal: 0, amount: 10, fraud: true },
  { id: 'e2', time: at(0, 12), customer: 0, terminal: 0, amount: 20, fraud: false },
  { id: 'e3', time: at(1, 3), customer: 0, terminal: 0, amount: 30, fraud: false },
  // Sunday, 6 days and 23:59:59 after e1's day started: still inside the delay, no risk visible yet.
  { id: 'edge', time: at(6, 23, 59, 59), customer: 2, terminal: 0, amount: 5, fraud: false },
  { id: 'e4', time: at(7, 9), customer: 0, terminal: 0, amount: 40, fraud: false },
  { id: 'e5', time: at(8, 0, 30), customer: 1, terminal: 0, amount: 50, fraud: false },
  { id: 'noTerminal', time: at(8, 10), customer: 1, terminal: null, amount: 12.34, fraud: false },
  { id: 'e7', time: at(30, 12), customer: 0, terminal: 1, amount: 100, fraud: false },
  { id: 'e8a', time: at(36, 12), customer: 3, terminal: 0, amount: 1, fraud: false },
  { id: 'e8b', time: at(37, 12), customer: 3, terminal: 0, amount: 2, fraud: false },
];

function expectFeatures(actual: Record<FeatureName, number> | undefined, expected: Partial<Record<FeatureName, number>>): void {
  assert.ok(actual);
  for (const [name, value] of Object.entries(expected)) {
    const got: number = actual[name as FeatureName];
    if (Number.isNaN(value)) assert.ok(Number.isNaN(got), `${name}: expected NaN, got ${got}`);
    else assert.equal(got, Math.fround(value), `${name}`);
  }
}

test('definitions list every feature once, in FEATURE_NAMES (model input) order', () => {
  assert.equal(FEATURE_COUNT, 15);
  assert.deepEqual(
    FEATURE_DEFINITIONS.map((d) => d.name),
    [...FEATURE_NAMES],
  );
  for (const d of FEATURE_DEFINITIONS) {
    assert.ok(d.description.length > 10, d.name);
    if (d.entity === 'terminal') assert.equal(d.delayDays, TERMINAL_DELAY_DAYS);
    if (d.entity === 'customer') assert.equal(d.includesCurrentEvent, true);
  }
  assert.deepEqual({ ...BUCKET_RETENTION_DAYS }, { customer: 30, terminal: 37 });
});

test('weekend and night use UTC; night is hours 0..6 as in the handbook', () => {
  assert.equal(isWeekend(at(0, 12)), false); // Monday
  assert.equal(isWeekend(at(5, 0)), true); // Saturday
  assert.equal(isWeekend(at(6, 23, 59, 59)), true); // Sunday
  assert.equal(isWeekend(at(7, 0)), false);
  assert.equal(isNight(at(0, 0)), true);
  assert.equal(isNight(at(0, 6, 59, 59)), true);
  assert.equal(isNight(at(0, 7)), false);
  assert.equal(isNight(at(0, 23, 59)), false);
  assert.equal(dayIndex(at(0, 23, 59, 59)), D0);
  assert.equal(dayIndex(at(1, 0)), D0 + 1);
});

test('first event of a customer: counts include the event itself, terminal has no history', () => {
  const rows = replay(EVENTS);
  expectFeatures(rows.get('e1'), {
    TX_AMOUNT: 10,
    TX_DURING_WEEKEND: 0,
    TX_DURING_NIGHT: 0,
    CUSTOMER_ID_NB_TX_1DAY_WINDOW: 1,
    CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW: 10,
    CUSTOMER_ID_NB_TX_30DAY_WINDOW: 1,
    TERMINAL_ID_NB_TX_1DAY_WINDOW: 0,
    TERMINAL_ID_RISK_1DAY_WINDOW: 0,
    TERMINAL_ID_NB_TX_30DAY_WINDOW: 0,
    TERMINAL_ID_RISK_30DAY_WINDOW: 0,
  });
  expectFeatures(rows.get('e2'), { CUSTOMER_ID_NB_TX_1DAY_WINDOW: 2, CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW: 15 });
  // Next day at 03:00: the 1-day window is the calendar day, so e1 and e2 fall out of it.
  expectFeatures(rows.get('e3'), {
    TX_DURING_NIGHT: 1,
    CUSTOMER_ID_NB_TX_1DAY_WINDOW: 1,
    CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW: 30,
    CUSTOMER_ID_NB_TX_7DAY_WINDOW: 3,
    CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW: 20,
    TERMINAL_ID_NB_TX_1DAY_WINDOW: 0,
  });
});

test('delay edge: a fraud on day d is invisible on day d+6 and counted from day d+7', () => {
  const rows = replay(EVENTS);
  expectFeatures(rows.get('edge'), {
    TX_DURING_WEEKEND: 1,
    TX_DURING_NIGHT: 0,
    CUSTOMER_ID_NB_TX_1DAY_WINDOW: 1,
    CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW: 5,
    TERMINAL_ID_NB_TX_1DAY_WINDOW: 0,
    TERMINAL_ID_RISK_1DAY_WINDOW: 0,
    TERMINAL_ID_NB_TX_7DAY_WINDOW: 0,
    TERMINAL_ID_RISK_7DAY_WINDOW: 0,
    TERMINAL_ID_NB_TX_30DAY_WINDOW: 0,
    TERMINAL_ID_RISK_30DAY_WINDOW: 0,
  });
  // Day 7: terminal windows end on day 0, which holds e1 (fraud) and e2.
  expectFeatures(rows.get('e4'), {
    CUSTOMER_ID_NB_TX_1DAY_WINDOW: 1,
    CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW: 40,
    CUSTOMER_ID_NB_TX_7DAY_WINDOW: 2, // days 1..7: e3, e4
    CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW: 35,
    CUSTOMER_ID_NB_TX_30DAY_WINDOW: 4,
    CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW: 25,
    TERMINAL_ID_NB_TX_1DAY_WINDOW: 2,
    TERMINAL_ID_RISK_1DAY_WINDOW: 0.5,
    TERMINAL_ID_NB_TX_7DAY_WINDOW: 2,
    TERMINAL_ID_RISK_7DAY_WINDOW: 0.5,
    TERMINAL_ID_NB_TX_30DAY_WINDOW: 2,
    TERMINAL_ID_RISK_30DAY_WINDOW: 0.5,
  });
  // Day 8: the 1-day terminal window is day 1 (e3 only); the 7-day one is days -5..1.
  expectFeatures(rows.get('e5'), {
    TX_DURING_NIGHT: 1,
    TERMINAL_ID_NB_TX_1DAY_WINDOW: 1,
    TERMINAL_ID_RISK_1DAY_WINDOW: 0,
    TERMINAL_ID_NB_TX_7DAY_WINDOW: 3,
    TERMINAL_ID_RISK_7DAY_WINDOW: 1 / 3,
  });
});

test('an event without a terminal gets NaN terminal features and normal customer features', () => {
  const rows = replay(EVENTS);
  const r = rows.get('noTerminal')!;
  expectFeatures(r, { TX_AMOUNT: 12.34, CUSTOMER_ID_NB_TX_1DAY_WINDOW: 2, CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW: 31.17 });
  for (const name of FEATURE_NAMES.filter((n) => n.startsWith('TERMINAL_'))) assert.ok(Number.isNaN(r[name]), name);
});

test('30-day windows: customer days [d-29, d], terminal days [d-36, d-7]', () => {
  const rows = replay(EVENTS);
  // Day 30: days 1..30 hold e3, e4 and the event itself; e1, e2 (day 0) are out.
  expectFeatures(rows.get('e7'), {
    CUSTOMER_ID_NB_TX_30DAY_WINDOW: 3,
    CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW: (30 + 40 + 100) / 3,
    TERMINAL_ID_NB_TX_30DAY_WINDOW: 0,
  });
  // Day 36: terminal 0's window is days 0..29: e1, e2, e3, edge, e4, e5 with one fraud.
  expectFeatures(rows.get('e8a'), { TERMINAL_ID_NB_TX_30DAY_WINDOW: 6, TERMINAL_ID_RISK_30DAY_WINDOW: 1 / 6 });
  // Day 37: days 1..30 — day 0 (and its fraud) has left the window.
  expectFeatures(rows.get('e8b'), { TERMINAL_ID_NB_TX_30DAY_WINDOW: 4, TERMINAL_ID_RISK_30DAY_WINDOW: 0 });
});

test('buckets keep one sorted bucket per day, drop expired days and ignore too-late events', () => {
  const b: MutableDailyBucket[] = [];
  applyEventToBuckets(b, { eventTimeMs: at(0, 1), amount: 1.1 }, 30);
  applyEventToBuckets(b, { eventTimeMs: at(2, 1), amount: 2.2 }, 30);
  applyEventToBuckets(b, { eventTimeMs: at(1, 1), amount: 3.3 }, 30); // late, inserted in order
  applyEventToBuckets(b, { eventTimeMs: at(1, 2), amount: 0.01 }, 30);
  assert.deepEqual(
    b.map((x) => [x.day - D0, x.count, x.sumAmountCents]),
    [
      [0, 1, 110],
      [1, 2, 331],
      [2, 1, 220],
    ],
  );
  applyEventToBuckets(b, { eventTimeMs: at(30, 1), amount: 1 }, 30);
  assert.deepEqual(b.map((x) => x.day - D0), [1, 2, 30]);
  applyEventToBuckets(b, { eventTimeMs: at(0, 5), amount: 1 }, 30); // older than the retention
  assert.deepEqual(b.map((x) => x.day - D0), [1, 2, 30]);
  applyLabelToBuckets(b, { eventTimeMs: at(2, 9), isFraud: true }, 30);
  applyLabelToBuckets(b, { eventTimeMs: at(2, 9), isFraud: false }, 30);
  assert.equal(b[1]!.fraudCount, 1);
});

test('bucket order and extra out-of-window days do not change the features', () => {
  const ev = { eventTimeMs: at(40, 12), amount: 7 };
  const customer = [
    { day: D0 + 40, count: 1, sumAmountCents: 100, fraudCount: 0 },
    { day: D0 + 5, count: 9, sumAmountCents: 999, fraudCount: 0 }, // older than 30 days: ignored
    { day: D0 + 39, count: 2, sumAmountCents: 300, fraudCount: 0 },
  ];
  const terminal = [
    { day: D0 + 33, count: 4, sumAmountCents: 0, fraudCount: 1 },
    { day: D0 + 34, count: 9, sumAmountCents: 0, fraudCount: 9 }, // within the delay: ignored
    { day: D0 + 3, count: 4, sumAmountCents: 0, fraudCount: 3 }, // day 40-37: ignored
  ];
  const a = computeFeatures(ev, customer, terminal);
  const b = computeFeatures(ev, [...customer].reverse(), [...terminal].reverse());
  assert.deepEqual(a, b);
  const r = featureVectorToRecord(a);
  assert.equal(r.CUSTOMER_ID_NB_TX_7DAY_WINDOW, 4);
  assert.equal(r.CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW, 2.75);
  assert.equal(r.TERMINAL_ID_NB_TX_1DAY_WINDOW, 4);
  assert.equal(r.TERMINAL_ID_RISK_1DAY_WINDOW, 0.25);
  assert.equal(r.TERMINAL_ID_NB_TX_30DAY_WINDOW, 4);
});
