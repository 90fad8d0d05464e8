import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBinLayout, slotOf } from '../../../services/drift-monitor/src/bin-layout.ts';
import { HistogramWindows, type ClosedWindow } from '../../../services/drift-monitor/src/histogram-windows.ts';

// One numeric variable: bins (-inf,1], (1,2], (2,inf) + missing; one categorical {0, 1} + missing + other.
const layout = buildBinLayout([
  { name: 'x', profile: { kind: 'numeric', binEdges: [0, 1, 2, 3], proportions: [0.2, 0.5, 0.3], missingRate: 0.1 } },
  { name: 'c', profile: { kind: 'categorical', frequencies: { '0': 0.6, '1': 0.3, missing: 0.1 } } },
]);

test('bin layout: slots follow the manifest conventions (edges clip, NaN is missing, unseen category is other)', () => {
  assert.deepEqual([...layout.slotOffset], [0, 4, 8]);
  assert.deepEqual([...layout.reference], [0.2, 0.5, 0.3, 0.1, 0.6, 0.3, 0.1, 0]);
  assert.deepEqual([-5, 0.5, 1, 1.5, 2, 2.5, 99, Number.NaN].map((v) => slotOf(layout, 0, v)), [0, 0, 0, 1, 1, 2, 2, 3]);
  assert.deepEqual([0, 1, -0, Number.NaN, 7].map((v) => slotOf(layout, 1, v)), [0, 1, 0, 2, 3]);
  assert.deepEqual([...layout.referenceMissing], [0.1, 0.1]);
});

test('sliding count window: holds exactly the last N events', () => {
  const w = new HistogramWindows(layout, { countWindow: 3, timeWindowMs: 1000, allowedLatenessMs: 0 });
  const add = (x: number, c: number): void => w.add([x, c], 0);
  add(0.5, 0); // x bin 0
  add(1.5, 1); // x bin 1
  assert.equal(w.size, 2);
  add(2.5, Number.NaN); // x bin 2, c missing
  add(Number.NaN, 5); // evicts the first: x missing, c other
  add(1.5, 0); // evicts the second
  assert.equal(w.size, 3);
  // left: (2.5, NaN), (NaN, 5), (1.5, 0)
  assert.deepEqual([...w.countCounts], [0, 1, 1, 1, 1, 0, 1, 1]);
});

test('tumbling time window: closes when the watermark passes end + lateness; late events join the previous window until then', () => {
  const closed: { start: number; end: number; events: number; counts: number[] }[] = [];
  const w = new HistogramWindows(layout, {
    countWindow: 100,
    timeWindowMs: 1000,
    allowedLatenessMs: 200,
    onClose: (c: ClosedWindow) => closed.push({ start: c.startMs, end: c.endMs, events: c.events, counts: [...c.counts] }),
  });
  const at = (t: number, x = 0.5): void => w.add([x, 0], t);
  at(100);
  at(500);
  at(1100); // window [1000, 2000) opens; [0, 1000) stays open for 200 ms of event time
  assert.equal(closed.length, 0);
  at(900, 2.5); // late but in time: counted in [0, 1000)
  at(1250); // watermark 1250 >= 1000 + 200: [0, 1000) closes with 3 events
  assert.equal(closed.length, 1);
  assert.deepEqual(closed[0], { start: 0, end: 1000, events: 3, counts: [2, 0, 1, 0, 3, 0, 0, 0] });
  at(50); // too late: [0, 1000) is closed
  assert.equal(w.lateEvents, 1);
  at(2100); // [1000, 2000) open as previous (2 events)
  at(3500); // [1000, 2000) closes on the roll; [2000, 3000) closes on the watermark (3500 >= 3200)
  assert.deepEqual(closed.map((c) => [c.start, c.events]), [[0, 3], [1000, 2], [2000, 1]]);
  assert.equal(w.openEvents, 1);
  // The count window saw everything, the late event included.
  assert.equal(w.size, 8);
});

test('tumbling time window: a gap of several windows closes the open ones at once', () => {
  const closed: number[] = [];
  const w = new HistogramWindows(layout, { countWindow: 10, timeWindowMs: 1000, allowedLatenessMs: 500, onClose: (c) => closed.push(c.startMs) });
  w.add([0.5, 0], 200);
  w.add([0.5, 0], 1200);
  w.add([0.5, 0], 9000);
  assert.deepEqual(closed, [0, 1000]);
});

test('count window time range: smallest and largest event time held', () => {
  const w = new HistogramWindows(layout, { countWindow: 2, timeWindowMs: 1000, allowedLatenessMs: 0 });
  assert.ok(Number.isNaN(w.countWindowTimeRange().start));
  w.add([1, 0], 50);
  w.add([1, 0], 30);
  w.add([1, 0], 40);
  assert.deepEqual(w.countWindowTimeRange(), { start: 30, end: 40 });
});
