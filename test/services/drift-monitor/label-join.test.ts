import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabelJoin } from '../../../services/drift-monitor/src/label-join.ts';

test('label join: a label finds its score once; unknown ids do not match', () => {
  const j = new LabelJoin(1024);
  j.put('tx-1', 0.25, 3);
  j.put('tx-2', 0.75, 4);
  assert.equal(j.take('tx-2'), true);
  assert.equal(j.score, 0.75);
  assert.equal(j.version, 4);
  assert.equal(j.take('tx-2'), false, 'a redelivered label does not count twice');
  assert.equal(j.take('tx-3'), false);
  assert.equal(j.take('tx-1'), true);
  assert.equal(j.score, 0.25);
});

test('label join: a redelivered score replaces itself instead of taking a second slot', () => {
  const j = new LabelJoin(64);
  j.put('tx-1', 0.25, 1);
  j.put('tx-1', 0.5, 1);
  assert.equal(j.take('tx-1'), true);
  assert.equal(j.score, 0.5);
  assert.equal(j.take('tx-1'), false);
});

test('label join: memory is bounded; the most recent scores are kept, the oldest forgotten', () => {
  const j = new LabelJoin(4096);
  assert.equal(j.capacity, 4096);
  const n = 100_000;
  for (let i = 0; i < n; i++) j.put(`txn-${i}`, (i % 100) / 100, 1);
  let recent = 0;
  for (let i = n - 1000; i < n; i++) if (j.take(`txn-${i}`)) recent++;
  let old = 0;
  for (let i = 0; i < 10_000; i++) if (j.take(`txn-${i}`)) old++;
  // Set-associative replacement: nearly all of the last 1000 (of 4096 slots) are still there.
  assert.ok(recent >= 990, `${recent} of the last 1000 found`);
  assert.equal(old, 0);
});

test('label join: capacity rounds up to a power of two times the set size', () => {
  assert.equal(new LabelJoin(1000).capacity, 1024);
  assert.equal(new LabelJoin(1).capacity, 8);
});
