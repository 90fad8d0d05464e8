import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { describeRange, trainingWindow } from '../../../training/src/worker/training-window.ts';

const DAY = 86_400_000;
const END = Date.parse('2025-04-30T12:00:00.000Z');
const S = { windowDays: 28, holdoutDays: 7, labelDelayDays: 7 };

test('train, holdout and label delay tile the window back from the cutoff', () => {
  const w = trainingWindow(END, END + DAY, S);
  assert.equal(w.cutoff.getTime(), END);
  assert.equal(w.holdout.to.getTime(), END - 7 * DAY);
  assert.equal(w.holdout.from.getTime(), END - 14 * DAY);
  assert.equal(w.train.to.getTime(), w.holdout.from.getTime());
  assert.equal(w.train.from.getTime(), END - 28 * DAY);
  assert.deepEqual(w.read, { from: w.train.from, to: w.holdout.to });
  assert.equal(describeRange(w.holdout), '[2025-04-16T12:00:00.000Z, 2025-04-23T12:00:00.000Z)');
});

test('a request without a range end, or one in the future, is cut off at now', () => {
  assert.equal(trainingWindow(0, END, S).cutoff.getTime(), END);
  assert.equal(trainingWindow(END + 1, END, S).cutoff.getTime(), END);
});

test('a window without training days is refused', () => {
  assert.throws(() => trainingWindow(END, END, { windowDays: 14, holdoutDays: 7, labelDelayDays: 7 }), ValidationError);
});
