import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventTimeWatermarks } from '../../../services/features/src/event-time-watermark.ts';

test('an event is late only when older than the partition watermark minus the allowed lateness', () => {
  const w = new EventTimeWatermarks(100);
  const r = w.lateness('p0', [1000, 950, 899, 900, 1200, 1101, 1099]);
  assert.deepEqual(r.late, [false, false, true, false, false, false, true]);
  assert.equal(r.watermark, 1200);
});

test('the watermark moves only when advanced, so a retried batch flags the same events', () => {
  const w = new EventTimeWatermarks(0);
  const first = w.lateness('p0', [500, 400]);
  assert.deepEqual(w.lateness('p0', [500, 400]).late, first.late);
  w.advance('p0', first.watermark);
  assert.deepEqual(w.lateness('p0', [450]).late, [true]);
  assert.deepEqual(w.lateness('p1', [450]).late, [false], 'partitions are independent');
  w.advance('p0', 10);
  assert.equal(w.get('p0'), 500, 'never moves back');
});
