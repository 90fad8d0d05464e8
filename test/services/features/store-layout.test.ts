import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKET_RETENTION_DAYS, TERMINAL_DELAY_DAYS } from '@riskstream/shared/features';
import {
  customerKey,
  labelMarkerKey,
  LONGEST_RETENTION_DAYS,
  snapshotKey,
  STORE_LAYOUT,
  terminalKey,
} from '../../../services/features/src/store-layout.ts';

test('the store reads exactly the windows the shared feature definitions need', () => {
  // customer windows 1/7/30 days ending today; terminal windows 1/7/30 days ending TERMINAL_DELAY_DAYS ago
  assert.deepEqual(STORE_LAYOUT.customer, { minAge: 0, maxAge: 29, fields: ['n', 's'], retentionDays: BUCKET_RETENTION_DAYS.customer });
  assert.deepEqual(STORE_LAYOUT.terminal, {
    minAge: TERMINAL_DELAY_DAYS,
    maxAge: TERMINAL_DELAY_DAYS + 29,
    fields: ['n', 'f'],
    retentionDays: BUCKET_RETENTION_DAYS.terminal,
  });
  assert.equal(LONGEST_RETENTION_DAYS, 37);
  // Every day the store reads is a day it keeps.
  for (const e of [STORE_LAYOUT.customer, STORE_LAYOUT.terminal]) assert.ok(e.maxAge < e.retentionDays);
});

test('keys are namespaced by the prefix and by entity kind', () => {
  assert.equal(customerKey('p:', 'abc'), 'p:c:abc');
  assert.equal(terminalKey('p:', 'abc'), 'p:t:abc');
  assert.equal(snapshotKey('p:', 'tx-1'), 'p:pre:tx-1');
  assert.equal(labelMarkerKey('p:', 'tx-1'), 'p:lbl:tx-1');
});
