import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { simulate, fraudRate } from '../../../training/src/simulator/simulate.ts';
import type { SimulationResult } from '../../../training/src/simulator/simulate.ts';
import {
  countByScenario,
  FRAUD_SCENARIO,
  TERMINAL_COMPROMISE_DAYS,
} from '../../../training/src/simulator/fraud-scenarios.ts';
import { CHANNEL_CODE, SECONDS_PER_DAY } from '../../../training/src/simulator/transactions.ts';
import type { TransactionColumns } from '../../../training/src/simulator/transactions.ts';

const SMALL = { nCustomers: 300, nTerminals: 600, nbDays: 60, radius: 10, seed: 7 } as const;

function columnsEqual(a: TransactionColumns, b: TransactionColumns): boolean {
  if (a.length !== b.length) return false;
  const keys = ['txNumber', 'timeSeconds', 'day', 'eventTimeMs', 'customer', 'terminal', 'amount', 'channel', 'isFraud', 'fraudScenario'] as const;
  return keys.every((k) => Buffer.from(a[k].buffer, a[k].byteOffset, a[k].byteLength).equals(Buffer.from(b[k].buffer, b[k].byteOffset, b[k].byteLength)));
}

test('same seed gives identical output; another seed gives different output', () => {
  const a = simulate(SMALL);
  const b = simulate(SMALL);
  assert.ok(columnsEqual(a.transactions, b.transactions));
  assert.deepEqual(a.customers.cardNumber, b.customers.cardNumber);
  assert.deepEqual(a.customers.x, b.customers.x);
  const c = simulate({ ...SMALL, seed: 8 });
  assert.ok(!columnsEqual(a.transactions, c.transactions));
  assert.notDeepEqual(a.customers.x, c.customers.x);
});

test('transactions follow the handbook generator: times, amounts, terminals within the radius, time order', () => {
  const r = simulate(SMALL);
  const tx = r.transactions;
  assert.ok(tx.length > 10_000);
  assert.equal(r.startTimeMs, Date.UTC(2018, 3, 1));
  for (let i = 0; i < tx.length; i++) {
    assert.equal(tx.txNumber[i], i);
    const tod = tx.timeSeconds[i]! % SECONDS_PER_DAY;
    assert.ok(tod > 0 && tod < SECONDS_PER_DAY);
    assert.equal(tx.day[i], Math.floor(tx.timeSeconds[i]! / SECONDS_PER_DAY));
    assert.ok(tx.day[i]! >= 0 && tx.day[i]! < SMALL.nbDays);
    assert.equal(tx.eventTimeMs[i], r.startTimeMs + tx.timeSeconds[i]! * 1000);
    if (i > 0) assert.ok(tx.timeSeconds[i]! >= tx.timeSeconds[i - 1]!, `row ${i} out of time order`);
    assert.ok(tx.amount[i]! >= 0);
    assert.equal(Math.round(tx.amount[i]! * 100) / 100, tx.amount[i]);
    const c = tx.customer[i]!;
    const t = tx.terminal[i]!;
    const d = Math.hypot(r.customers.x[c]! - r.terminals.x[t]!, r.customers.y[c]! - r.terminals.y[t]!);
    assert.ok(d < SMALL.radius, `terminal ${t} is ${d} from customer ${c}`);
  }
});

test('customer profiles: means in the handbook ranges, std = mean / 2, ~mean tx/day per customer', () => {
  const r = simulate(SMALL);
  const { customers } = r;
  assert.equal(customers.count, SMALL.nCustomers);
  for (let c = 0; c < customers.count; c++) {
    assert.ok(customers.meanAmount[c]! >= 5 && customers.meanAmount[c]! < 100);
    assert.equal(customers.stdAmount[c], customers.meanAmount[c]! / 2);
    assert.ok(customers.meanTxPerDay[c]! >= 0 && customers.meanTxPerDay[c]! < 4);
    assert.ok(customers.x[c]! >= 0 && customers.x[c]! < 100 && customers.y[c]! >= 0 && customers.y[c]! < 100);
  }
  // Expected rows: sum of rates * days * P(0 < N(43200, 20000) < 86400) = 0.969, for customers with terminals.
  let expected = 0;
  for (let c = 0; c < customers.count; c++) {
    if (r.availableTerminals.offsets[c + 1]! > r.availableTerminals.offsets[c]!) expected += customers.meanTxPerDay[c]!;
  }
  expected *= SMALL.nbDays * 0.969;
  assert.ok(Math.abs(r.transactions.length / expected - 1) < 0.03, `${r.transactions.length} vs ${expected}`);
});

function rowsOf(r: SimulationResult, scenario: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.transactions.length; i++) if (r.transactions.fraudScenario[i] === scenario) out.push(i);
  return out;
}

test('fraud scenarios: 1 is amount > 220, 2 marks whole terminals for a window, 3 multiplies amounts', () => {
  const r = simulate(SMALL);
  const tx = r.transactions;
  for (let i = 0; i < tx.length; i++) {
    assert.equal(tx.isFraud[i], tx.fraudScenario[i]! > 0 ? 1 : 0);
    // Every genuine amount is at most 220 (otherwise scenario 1 would have caught it).
    if (tx.isFraud[i] === 0) assert.ok(tx.amount[i]! <= 220);
  }
  const s1 = rowsOf(r, FRAUD_SCENARIO.amountOver220);
  assert.ok(s1.length > 0);
  for (const i of s1) assert.ok(tx.amount[i]! > 220);
  // Scenario 2: each compromised terminal's frauds lie within TERMINAL_COMPROMISE_DAYS-day stretches,
  // and every transaction on that terminal between its first and last scenario-2 day is fraud as long
  // as the stretch is shorter than the window.
  const s2 = rowsOf(r, FRAUD_SCENARIO.compromisedTerminal);
  assert.ok(s2.length > 0);
  const byTerminal = new Map<number, number[]>();
  for (const i of s2) byTerminal.set(tx.terminal[i]!, [...(byTerminal.get(tx.terminal[i]!) ?? []), tx.day[i]!]);
  for (const [t, days] of byTerminal) {
    const first = Math.min(...days);
    const last = Math.max(...days);
    if (last - first >= TERMINAL_COMPROMISE_DAYS) continue;
    for (let i = 0; i < tx.length; i++) {
      if (tx.terminal[i] === t && tx.day[i]! >= first && tx.day[i]! <= last) assert.equal(tx.isFraud[i], 1);
    }
  }
  const s3 = rowsOf(r, FRAUD_SCENARIO.compromisedCustomer);
  assert.ok(s3.length > 0);
  for (const i of s3) assert.equal(tx.channel[i], CHANNEL_CODE.ecom);
  // Multiplied by 5, scenario-3 amounts sit well above the customer's own mean.
  let above = 0;
  for (const i of s3) if (tx.amount[i]! > r.customers.meanAmount[tx.customer[i]!]! * 1.5) above++;
  assert.ok(above / s3.length > 0.8);
});

test('the full default run matches the handbook: ~1.75M transactions, ~0.8% fraud', { timeout: 120_000 }, () => {
  const r = simulate();
  const n = r.transactions.length;
  assert.ok(n > 1_700_000 && n < 1_850_000, `${n} transactions`);
  const rate = fraudRate(r);
  assert.ok(rate > 0.007 && rate < 0.0095, `fraud rate ${rate}`);
  const counts = countByScenario(r.transactions);
  // Handbook: ~1,000 scenario-1, ~9,000 scenario-2 and ~4,500 scenario-3 frauds.
  assert.ok(counts[1]! > 700 && counts[1]! < 1_400, `scenario 1: ${counts[1]}`);
  assert.ok(counts[2]! > 6_000 && counts[2]! < 12_000, `scenario 2: ${counts[2]}`);
  assert.ok(counts[3]! > 3_500 && counts[3]! < 6_000, `scenario 3: ${counts[3]}`);
  // Radius 5 with 10,000 terminals: ~78 available terminals per customer.
  const perCustomer = r.availableTerminals.terminals.length / r.customers.count;
  assert.ok(perCustomer > 70 && perCustomer < 85, `${perCustomer} terminals per customer`);
});

test('invalid options are all reported at once', () => {
  assert.throws(
    () => simulate({ nCustomers: 0, nbDays: 1.5, radius: -1, startDate: '2018-02-30' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => i.field).sort(), ['nCustomers', 'nbDays', 'radius', 'startDate']);
      return true;
    },
  );
});
