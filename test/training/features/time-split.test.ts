import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { dayIndex } from '@riskstream/shared/features';
import { HANDBOOK_TRAIN_START, timeSplit } from '../../../training/src/features/time-split.ts';
import { simulate } from '../../../training/src/simulator/simulate.ts';

const S_MS = Date.UTC(2018, 6, 25);
const S = dayIndex(S_MS);

/** One transaction per customer per day from s-2 to s+22 at noon; frauds at the given days. */
function table(fraudDays: Record<number, number[]>) {
  const eventTimeMs: number[] = [];
  const customer: number[] = [];
  const isFraud: number[] = [];
  for (let d = -2; d <= 22; d++) {
    for (let c = 0; c < 5; c++) {
      eventTimeMs.push(S_MS + d * 86_400_000 + 12 * 3_600_000);
      customer.push(c);
      isFraud.push(fraudDays[c]?.includes(d) ? 1 : 0);
    }
  }
  return {
    length: customer.length,
    eventTimeMs: Float64Array.from(eventTimeMs),
    customer: Int32Array.from(customer),
    isFraud: Uint8Array.from(isFraud),
  };
}

test('train, delay gap and test periods follow the handbook; known compromised cards leave the test set', () => {
  // c0: fraud in training; c1: fraud on delay day 1 (known from test day 2); c2: fraud before the
  // training period (not known); c3: fraud only in the test period; c4: never.
  const tx = table({ 0: [2], 1: [8], 2: [-1], 3: [15] });
  const split = timeSplit(tx, { trainStart: HANDBOOK_TRAIN_START });
  const day = (i: number): number => dayIndex(tx.eventTimeMs[i]!) - S;
  assert.equal(split.trainStartDay, S);
  assert.equal(split.testStartDay, S + 14);
  assert.equal(split.train.length, 35);
  for (const i of split.train) assert.ok(day(i) >= 0 && day(i) < 7);
  for (const i of split.test) assert.ok(day(i) >= 14 && day(i) < 21, 'test starts after the 7-day gap');
  const testRows = (c: number): number[] => [...split.test].filter((i) => tx.customer[i] === c).map(day);
  assert.deepEqual(testRows(0), []);
  assert.deepEqual(testRows(1), [14, 15]);
  assert.deepEqual(testRows(2), [14, 15, 16, 17, 18, 19, 20]);
  assert.deepEqual(testRows(3), [14, 15, 16, 17, 18, 19, 20]);
  assert.deepEqual(testRows(4), [14, 15, 16, 17, 18, 19, 20]);
  assert.equal(split.excludedTestRows, 7 + 5);
  assert.deepEqual([...split.test], [...split.test].sort((a, b) => a - b));
});

test('period lengths are options; bad options are reported together', () => {
  const tx = table({});
  const split = timeSplit(tx, { trainStart: S_MS + 5_000, trainDays: 3, delayDays: 2, testDays: 4 });
  assert.equal(split.train.length, 15);
  assert.equal(split.test.length, 20);
  assert.equal(split.testStartDay, S + 5);
  assert.throws(
    () => timeSplit(tx, { trainStart: '25/07/2018', trainDays: 0, testDays: 1.5 }),
    (err: unknown) => err instanceof ConfigError && err.issues.length === 3,
  );
});

test('on the default simulation the handbook split has ~70k training and ~58k test rows', { timeout: 120_000 }, () => {
  const r = simulate();
  const split = timeSplit(r.transactions, { trainStart: HANDBOOK_TRAIN_START });
  // Handbook: 67,240 training and 58,264 test transactions (its own random draws).
  assert.ok(split.train.length > 62_000 && split.train.length < 75_000, `${split.train.length}`);
  assert.ok(split.test.length > 52_000 && split.test.length < 64_000, `${split.test.length}`);
  assert.ok(split.excludedTestRows > 0);
});
