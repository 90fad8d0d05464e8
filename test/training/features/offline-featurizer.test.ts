import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyEventToBuckets,
  applyLabelToBuckets,
  BUCKET_RETENTION_DAYS,
  computeFeatures,
  dayIndex,
  FEATURE_COUNT,
  FEATURE_NAMES,
} from '@riskstream/shared/features';
import type { MutableDailyBucket } from '@riskstream/shared/features';
import { featurizeOffline } from '../../../training/src/features/offline-featurizer.ts';
import type { FeaturizableTransactions } from '../../../training/src/features/offline-featurizer.ts';
import { simulate } from '../../../training/src/simulator/simulate.ts';
import { applyDrift } from '../../../training/src/simulator/drift-scenarios.ts';

const SIM = applyDrift(simulate({ nCustomers: 150, nTerminals: 300, nbDays: 50, radius: 10, seed: 21 }), [
  { kind: 'missing-field-surge', from: { day: 40 }, field: 'terminal_id', share: 0.2 },
]);
const TX = SIM.transactions;
const col = (name: string): number => FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number]);

/** The stream's protocol with keyed state, as the feature service runs it (labels as separate calls). */
function streamReplay(tx: FeaturizableTransactions): Float32Array {
  const customers = new Map<number, MutableDailyBucket[]>();
  const terminals = new Map<number, MutableDailyBucket[]>();
  const out = new Float32Array(tx.length * FEATURE_COUNT);
  for (let i = 0; i < tx.length; i++) {
    const ev = { eventTimeMs: tx.eventTimeMs[i]!, amount: tx.amount[i]! };
    const c = customers.get(tx.customer[i]!) ?? [];
    customers.set(tx.customer[i]!, c);
    const t = tx.terminal[i]! < 0 ? null : (terminals.get(tx.terminal[i]!) ?? []);
    if (t) terminals.set(tx.terminal[i]!, t);
    out.set(computeFeatures(ev, c, t), i * FEATURE_COUNT);
    applyEventToBuckets(c, ev, BUCKET_RETENTION_DAYS.customer);
    if (t) {
      applyEventToBuckets(t, ev, BUCKET_RETENTION_DAYS.terminal);
      applyLabelToBuckets(t, { eventTimeMs: ev.eventTimeMs, isFraud: tx.isFraud[i] === 1 }, BUCKET_RETENTION_DAYS.terminal);
    }
  }
  return out;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

test('the offline featuriser equals computeFeatures called event by event with the bucket updates', () => {
  const ds = featurizeOffline(TX);
  assert.deepEqual(ds.featureNames, [...FEATURE_NAMES]);
  assert.equal(ds.rows, TX.length);
  assert.ok(sameBits(ds.x, streamReplay(TX)), 'bit-for-bit equal, NaNs included');
  assert.deepEqual(ds.y, TX.isFraud);
  assert.deepEqual(ds.group, TX.customer);
  const missingTerminal = TX.terminal.findIndex((t) => t < 0);
  assert.ok(missingTerminal >= 0 && Number.isNaN(ds.x[missingTerminal * FEATURE_COUNT + col('TERMINAL_ID_RISK_7DAY_WINDOW')]!));
});

test('features match a brute-force scan of the raw rows (whole-day windows, 7-day label delay)', () => {
  const ds = featurizeOffline(TX);
  const day = (i: number): number => dayIndex(TX.eventTimeMs[i]!);
  for (let r = 0; r < TX.length; r += 97) {
    const d = day(r);
    for (const n of [1, 7, 30]) {
      let count = 0;
      let sum = 0;
      // Customer: rows up to and including r on days [d - n + 1, d].
      for (let i = 0; i <= r; i++) {
        if (TX.customer[i] === TX.customer[r] && day(i) >= d - n + 1) {
          count++;
          sum += TX.amount[i]!;
        }
      }
      assert.equal(ds.x[r * FEATURE_COUNT + col(`CUSTOMER_ID_NB_TX_${n}DAY_WINDOW`)], count);
      const avg = ds.x[r * FEATURE_COUNT + col(`CUSTOMER_ID_AVG_AMOUNT_${n}DAY_WINDOW`)]!;
      assert.ok(Math.abs(avg - sum / count) < 1e-4 * Math.max(1, sum / count), `row ${r} avg ${n}d`);
      if (TX.terminal[r]! < 0) continue;
      let tc = 0;
      let tf = 0;
      // Terminal: rows before r on days [d - 7 - n + 1, d - 7].
      for (let i = 0; i < r; i++) {
        if (TX.terminal[i] === TX.terminal[r] && day(i) >= d - 7 - n + 1 && day(i) <= d - 7) {
          tc++;
          tf += TX.isFraud[i]!;
        }
      }
      assert.equal(ds.x[r * FEATURE_COUNT + col(`TERMINAL_ID_NB_TX_${n}DAY_WINDOW`)], tc);
      assert.equal(ds.x[r * FEATURE_COUNT + col(`TERMINAL_ID_RISK_${n}DAY_WINDOW`)], Math.fround(tc > 0 ? tf / tc : 0));
    }
  }
});

test('point in time: later rows and labels newer than the delay do not change a row', () => {
  const full = featurizeOffline(TX);
  const cut = 5_000;
  const prefix = featurizeOffline({
    length: cut,
    eventTimeMs: TX.eventTimeMs.subarray(0, cut),
    customer: TX.customer.subarray(0, cut),
    terminal: TX.terminal.subarray(0, cut),
    amount: TX.amount.subarray(0, cut),
    isFraud: TX.isFraud.subarray(0, cut),
  });
  assert.ok(sameBits(prefix.x, full.x.subarray(0, cut * FEATURE_COUNT)));

  // Rows of day 30 cannot see labels of days 24..30: clearing them changes nothing there.
  const d30 = dayIndex(SIM.startTimeMs) + 30;
  const cleared = TX.isFraud.slice();
  let clearedAny = false;
  for (let i = 0; i < TX.length; i++) {
    const d = dayIndex(TX.eventTimeMs[i]!);
    if (d > d30 - 7 && cleared[i] === 1) {
      cleared[i] = 0;
      clearedAny = true;
    }
  }
  assert.ok(clearedAny);
  const relabelled = featurizeOffline({ ...TX, isFraud: cleared });
  let compared = 0;
  for (let i = 0; i < TX.length; i++) {
    if (dayIndex(TX.eventTimeMs[i]!) !== d30) continue;
    compared++;
    const a = full.x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
    const b = relabelled.x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
    assert.ok(sameBits(a, b), `row ${i}`);
  }
  assert.ok(compared > 100);
});

test('unsorted input is featurised in time order and written back at its own rows', () => {
  const n = 3_000;
  const perm = Array.from({ length: n }, (_, i) => n - 1 - i);
  const pick = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (k: number) => T): T => {
    const out = make(n);
    perm.forEach((src, k) => (out[k] = a[src]!));
    return out;
  };
  const reversed = featurizeOffline({
    length: n,
    eventTimeMs: pick(TX.eventTimeMs, (k) => new Float64Array(k)),
    customer: pick(TX.customer, (k) => new Int32Array(k)),
    terminal: pick(TX.terminal, (k) => new Int32Array(k)),
    amount: pick(TX.amount, (k) => new Float64Array(k)),
    isFraud: pick(TX.isFraud, (k) => new Uint8Array(k)),
  });
  const sorted = featurizeOffline({ ...TX, length: n });
  // Rows sharing a timestamp may swap their processing order, so compare the unique-time rows.
  const times = new Map<number, number>();
  for (let i = 0; i < n; i++) times.set(TX.eventTimeMs[i]!, (times.get(TX.eventTimeMs[i]!) ?? 0) + 1);
  for (let k = 0; k < n; k++) {
    const i = perm[k]!;
    if (times.get(TX.eventTimeMs[i]!) !== 1) continue;
    assert.ok(
      sameBits(reversed.x.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT), sorted.x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)),
      `row ${i}`,
    );
  }
});
