/**
 * The report's performance per time bucket: the monitor's own windows fed bucket by bucket, so a bucket
 * equals a window of the monitor over the same events; below the minimum a bucket has counts, no numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EstimatedPerformanceWindow, RealisedPerformanceWindow } from '../../../../services/drift-monitor/src/performance-window.ts';
import { bucketLengthMs, performanceOverTime } from '../../../../services/drift-monitor/src/report/performance-over-time.ts';
import { ScoreBins } from '../../../../services/drift-monitor/src/score-histogram.ts';
import { world } from '../drift-fixtures.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SETTINGS = { review: 0.3, scoreBins: 1000, minEvents: 100 };

function events(count: number, spanMs: number, labelledShare: number) {
  const next = world(21);
  const eventTimeMs = new Float64Array(count);
  const scores = new Float64Array(count);
  const labels = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const e = next();
    eventTimeMs[i] = Math.floor((i * spanMs) / count);
    scores[i] = e.score;
    labels[i] = i / count < labelledShare ? (e.isFraud ? 1 : 0) : -1;
  }
  return { eventTimeMs, scores, labels };
}

test('performance over time: each bucket equals the monitor windows over its events', () => {
  const ev = events(30_000, 3 * DAY_MS, 1);
  const buckets = performanceOverTime(ev, 0, 3 * DAY_MS, DAY_MS, SETTINGS);
  assert.equal(buckets.length, 3);
  assert.deepEqual(buckets.map((b) => [b.startMs, b.endMs]), [[0, DAY_MS], [DAY_MS, 2 * DAY_MS], [2 * DAY_MS, 3 * DAY_MS]]);
  const bins = new ScoreBins(SETTINGS.scoreBins);
  const est = new EstimatedPerformanceWindow(10_000, bins, SETTINGS.review);
  const real = new RealisedPerformanceWindow(10_000, bins, SETTINGS.review);
  for (let i = 10_000; i < 20_000; i++) {
    est.add(ev.scores[i]!);
    real.add(ev.scores[i]!, ev.labels[i] === 1);
  }
  assert.deepEqual(buckets[1]!.estimated, est.compute());
  assert.deepEqual(buckets[1]!.realised, real.compute());
  // Calibrated world: the estimate tracks the realised AUC, and the mean score the fraud rate.
  for (const b of buckets) {
    assert.ok(Math.abs(b.estimated.roc_auc - b.realised.roc_auc) < 0.05, `estimated ${b.estimated.roc_auc} realised ${b.realised.roc_auc}`);
    assert.ok(Math.abs(b.meanScore - b.fraudRate) < 0.02);
  }
});

test('performance over time: buckets without enough labels have no realised numbers, only counts', () => {
  const ev = events(20_000, 2 * DAY_MS, 0.5);
  const [first, second] = performanceOverTime(ev, 0, 2 * DAY_MS, DAY_MS, SETTINGS);
  assert.equal(first!.realised.labelled_events, 10_000);
  assert.ok(first!.realised.roc_auc > 0.5);
  assert.equal(second!.realised.labelled_events, 0);
  assert.ok(Number.isNaN(second!.realised.roc_auc));
  assert.ok(Number.isNaN(second!.fraudRate));
  assert.ok(second!.estimated.roc_auc > 0.5, 'the estimate needs no labels');
  const sparse = performanceOverTime(events(150, DAY_MS, 1), 0, DAY_MS, HOUR_MS, SETTINGS);
  assert.equal(sparse.length, 24);
  assert.ok(sparse.every((b) => Number.isNaN(b.estimated.roc_auc) && b.estimated.events < SETTINGS.minEvents));
});

test('performance over time: bucket length by window span; events outside the window are ignored', () => {
  assert.equal(bucketLengthMs(7 * DAY_MS), DAY_MS);
  assert.equal(bucketLengthMs(DAY_MS), HOUR_MS);
  assert.equal(bucketLengthMs(HOUR_MS), 60_000);
  const ev = { eventTimeMs: [-1, 0, DAY_MS], scores: [0.1, 0.2, 0.3], labels: [1, 0, 1] };
  const [only] = performanceOverTime(ev, 0, DAY_MS, DAY_MS, { ...SETTINGS, minEvents: 1 });
  assert.equal(only!.estimated.events, 1);
  assert.equal(only!.meanScore, 0.2);
  assert.throws(() => performanceOverTime(ev, 5, 5, DAY_MS, SETTINGS), RangeError);
});
