import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { describeRange, holdoutAfter, trainedUntilMs, trainingWindow } from '../../../training/src/worker/training-window.ts';

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

test('the holdout starts after the rows the champion was fitted on (regression: a champion judged on its own training week refused every challenger)', () => {
  const w = trainingWindow(END, END + DAY, S);
  const champion = w.holdout.from.getTime() + 3 * DAY;
  const moved = holdoutAfter(w, champion);
  assert.equal(moved.holdout.from.getTime(), champion);
  assert.equal(moved.holdout.to.getTime(), w.holdout.to.getTime());
  assert.equal(moved.train.to.getTime(), champion, 'the skipped days join the training range');
  assert.equal(moved.train.from.getTime(), w.train.from.getTime());
  assert.deepEqual(holdoutAfter(w, w.holdout.from.getTime() - DAY), w, 'an older champion changes nothing');
  assert.deepEqual(holdoutAfter(w, undefined), w);
  const none = holdoutAfter(w, w.holdout.to.getTime() + DAY);
  assert.equal(none.holdout.from.getTime(), none.holdout.to.getTime(), 'a champion newer than the holdout leaves it empty (rejected as too few frauds)');
});

test('a manifest says where its training rows end: handbook protocol (7 days from trainStartDay) or a retrain window', () => {
  const day = 17_000;
  assert.equal(trainedUntilMs({ trainingConfig: { source: { kind: 'simulator', trainStartDay: day } } }), (day + 7) * DAY);
  assert.equal(trainedUntilMs({ trainingConfig: { source: { kind: 'offline-store', trainedUntilMs: END } } }), END);
  assert.equal(trainedUntilMs({ trainingConfig: { source: { kind: 'csv', file: 'x.csv' } } }), undefined);
  assert.equal(trainedUntilMs({ trainingConfig: null }), undefined);
});
