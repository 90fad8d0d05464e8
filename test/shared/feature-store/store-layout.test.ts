import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  customerKey,
  decodeEntityValue,
  labelMarkerKey,
  LAYOUT_VERSION,
  LONGEST_RETENTION_DAYS,
  snapshotKey,
  STORE_LAYOUT,
  terminalKey,
} from '@riskstream/shared/feature-store';
import { BUCKET_RETENTION_DAYS, FEATURE_DEFINITIONS, TERMINAL_DELAY_DAYS } from '@riskstream/shared/features';

test('the store reads exactly the windows the shared feature definitions need', () => {
  // customer windows 1/7/30 days ending today; terminal windows 1/7/30 days ending TERMINAL_DELAY_DAYS ago
  const d = TERMINAL_DELAY_DAYS;
  assert.deepEqual(STORE_LAYOUT.customer, {
    minAge: 0,
    maxAge: 29,
    fields: ['n', 's'],
    segments: [{ lo: 0, hi: 0 }, { lo: 1, hi: 6 }, { lo: 7, hi: 29 }],
    retentionDays: BUCKET_RETENTION_DAYS.customer,
  });
  assert.deepEqual(STORE_LAYOUT.terminal, {
    minAge: d,
    maxAge: d + 29,
    fields: ['n', 'f'],
    segments: [{ lo: d, hi: d }, { lo: d + 1, hi: d + 6 }, { lo: d + 7, hi: d + 29 }],
    retentionDays: BUCKET_RETENTION_DAYS.terminal,
  });
  assert.equal(LONGEST_RETENTION_DAYS, 37);
  // Every day the store reads is a day it keeps.
  for (const e of [STORE_LAYOUT.customer, STORE_LAYOUT.terminal]) assert.ok(e.maxAge < e.retentionDays);
});

test('every feature window is a union of whole segments, so segment sums answer it exactly', () => {
  for (const def of FEATURE_DEFINITIONS) {
    if (def.entity === 'none') continue;
    const segments = STORE_LAYOUT[def.entity].segments;
    const lo = def.delayDays;
    const hi = def.delayDays + def.windowDays - 1;
    const inside = segments.filter((s) => s.lo >= lo && s.hi <= hi);
    assert.ok(segments.every((s) => s.hi < lo || s.lo > hi || (s.lo >= lo && s.hi <= hi)), `${def.name}: no segment straddles a bound`);
    assert.equal(inside.reduce((n, s) => n + s.hi - s.lo + 1, 0), def.windowDays, `${def.name}: the window is covered`);
  }
});

test('keys are namespaced by the prefix, the layout version (entities) and the entity kind', () => {
  assert.equal(LAYOUT_VERSION, 2);
  assert.equal(customerKey('p:', 'abc'), 'p:v2:c:abc');
  assert.equal(terminalKey('p:', 'abc'), 'p:v2:t:abc');
  assert.equal(snapshotKey('p:', 'tx-1'), 'p:pre:tx-1');
  assert.equal(labelMarkerKey('p:', 'tx-1'), 'p:lbl:tx-1');
});

test('an entity value decodes into its buckets; a value of another field set or size is refused', () => {
  // "ns", newest 17640, then (day, n int32, s float64) for days 17630 and 17640
  const v = Buffer.alloc(2 + 4 + 2 * 16);
  let at = v.write('ns', 0, 'latin1');
  at = v.writeInt32LE(17640, at);
  for (const [day, n, s] of [[17630, 2, 2500], [17640, 1, 2 ** 40 + 1]] as const) {
    at = v.writeInt32LE(day, at);
    at = v.writeInt32LE(n, at);
    at = v.writeDoubleLE(s, at);
  }
  assert.deepEqual(decodeEntityValue(v, STORE_LAYOUT.customer), {
    newest: 17640,
    buckets: [
      { day: 17630, count: 2, sumAmountCents: 2500, fraudCount: 0 },
      { day: 17640, count: 1, sumAmountCents: 2 ** 40 + 1, fraudCount: 0 },
    ],
  });
  assert.throws(() => decodeEntityValue(v, STORE_LAYOUT.terminal), /not a layout v2 "nf"/);
  assert.throws(() => decodeEntityValue(v.subarray(0, v.length - 1), STORE_LAYOUT.customer), /not a layout v2/);
});
