import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { simulate } from '../../../training/src/simulator/simulate.ts';
import { applyDrift } from '../../../training/src/simulator/drift-scenarios.ts';
import { FRAUD_SCENARIO } from '../../../training/src/simulator/fraud-scenarios.ts';
import {
  CHANNEL_CODE,
  CHANNEL_MISSING,
  SECONDS_PER_DAY,
  TERMINAL_MISSING,
} from '../../../training/src/simulator/transactions.ts';
import type { TransactionColumns } from '../../../training/src/simulator/transactions.ts';

const BASE = simulate({ nCustomers: 300, nTerminals: 600, nbDays: 40, radius: 10, seed: 3 });

function byTxNumber(tx: TransactionColumns): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < tx.length; i++) m.set(tx.txNumber[i]!, i);
  return m;
}

function assertTimeOrdered(tx: TransactionColumns): void {
  for (let i = 1; i < tx.length; i++) assert.ok(tx.eventTimeMs[i]! >= tx.eventTimeMs[i - 1]!, `row ${i}`);
}

test('amount-shift scales amounts from the start day only and keeps labels', () => {
  const drifted = applyDrift(BASE, [{ kind: 'amount-shift', from: { day: 20 }, relativeChange: 0.2 }]);
  const a = BASE.transactions;
  const b = drifted.transactions;
  assert.equal(b.length, a.length);
  let shifted = 0;
  for (let i = 0; i < a.length; i++) {
    if (a.day[i]! < 20) assert.equal(b.amount[i], a.amount[i]);
    else {
      assert.equal(b.amount[i], Math.round(a.amount[i]! * 1.2 * 100) / 100);
      shifted++;
    }
    assert.equal(b.isFraud[i], a.isFraud[i]);
  }
  assert.equal(drifted.drift[0]!.affectedRows, shifted);
  // The input is untouched.
  assert.notEqual(b.amount, a.amount);
});

test('new-fraud-pattern adds small ecom card-testing frauds after the boundary', () => {
  const from = 1000;
  const drifted = applyDrift(BASE, [
    { kind: 'new-fraud-pattern', pattern: 'card-testing', from: { eventIndex: from }, burstsPerDay: 3, txPerBurst: 5, maxAmount: 3 },
  ]);
  const tx = drifted.transactions;
  const startSeconds = BASE.transactions.timeSeconds[from]!;
  let added = 0;
  for (let i = 0; i < tx.length; i++) {
    if (tx.fraudScenario[i] !== FRAUD_SCENARIO.cardTesting) continue;
    added++;
    assert.equal(tx.isFraud[i], 1);
    assert.equal(tx.channel[i], CHANNEL_CODE.ecom);
    assert.ok(tx.amount[i]! >= 0.5 && tx.amount[i]! <= 3);
    assert.ok(tx.timeSeconds[i]! >= startSeconds && tx.timeSeconds[i]! < 40 * SECONDS_PER_DAY);
    assert.ok(tx.txNumber[i]! >= BASE.transactions.length);
  }
  const days = 40 - Math.floor(startSeconds / SECONDS_PER_DAY);
  assert.ok(added > days * 3 * 5 * 0.5 && added <= tx.length - BASE.transactions.length);
  assert.equal(tx.length - BASE.transactions.length, added);
  assertTimeOrdered(tx);
  assert.equal(new Set(tx.txNumber).size, tx.length);
});

test('terminal-surge adds traffic on a few terminals only, within the window', () => {
  const drifted = applyDrift(BASE, [
    { kind: 'terminal-surge', from: { day: 10 }, until: { day: 15 }, terminalCount: 3, extraTxPerDay: 40 },
  ]);
  const report = drifted.drift[0]!;
  assert.equal(report.terminals.length, 3);
  const tx = drifted.transactions;
  const old = byTxNumber(BASE.transactions);
  let added = 0;
  for (let i = 0; i < tx.length; i++) {
    if (old.has(tx.txNumber[i]!)) continue;
    added++;
    assert.ok(report.terminals.includes(tx.terminal[i]!));
    assert.ok(tx.day[i]! >= 10 && tx.day[i]! < 15);
    assert.equal(tx.isFraud[i], tx.amount[i]! > 220 ? 1 : 0);
  }
  assert.equal(added, report.affectedRows);
  assert.ok(added > 3 * 5 * 40 * 0.8 && added < 3 * 5 * 40 * 1.2);
  assertTimeOrdered(tx);
});

test('missing-field-surge blanks about the requested share of a field, only after the boundary', () => {
  const drifted = applyDrift(BASE, [
    { kind: 'missing-field-surge', from: { day: 30 }, field: 'terminal_id', share: 0.25 },
    { kind: 'missing-field-surge', from: { day: 30 }, field: 'channel', share: 0.1 },
  ]);
  const tx = drifted.transactions;
  let inWindow = 0;
  let noTerminal = 0;
  let noChannel = 0;
  for (let i = 0; i < tx.length; i++) {
    if (tx.day[i]! < 30) {
      assert.notEqual(tx.terminal[i], TERMINAL_MISSING);
      assert.notEqual(tx.channel[i], CHANNEL_MISSING);
      continue;
    }
    inWindow++;
    if (tx.terminal[i] === TERMINAL_MISSING) noTerminal++;
    if (tx.channel[i] === CHANNEL_MISSING) noChannel++;
  }
  assert.ok(Math.abs(noTerminal / inWindow - 0.25) < 0.03, `${noTerminal / inWindow}`);
  assert.ok(Math.abs(noChannel / inWindow - 0.1) < 0.03, `${noChannel / inWindow}`);
});

test('drift is deterministic and invalid scenarios are reported together', () => {
  const s = [{ kind: 'terminal-surge', from: { day: 5 }, terminalCount: 2, extraTxPerDay: 10 }] as const;
  assert.deepEqual(applyDrift(BASE, s).transactions.amount, applyDrift(BASE, s).transactions.amount);
  assert.throws(
    () =>
      applyDrift(BASE, [
        { kind: 'amount-shift', from: { day: -1 }, relativeChange: -2 },
        { kind: 'missing-field-surge', from: { eventIndex: 0 }, field: 'channel', share: 2 },
      ]),
    (err: unknown) => err instanceof ConfigError && err.issues.length === 3,
  );
});
