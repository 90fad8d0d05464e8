import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingLabels } from '../../../../services/drift-monitor/src/experiments/pending-labels.ts';

test('pending labels: bounded, oldest evicted first, a label settles once', () => {
  const table = new PendingLabels(2);
  const e = (arm: number) => ({ arm, group: 0, decision: 'APPROVE' as const, amount: 1, estimate: 0, conditionalVariance: 0 });
  assert.equal(table.put('a', e(0)), undefined);
  assert.equal(table.put('b', e(1)), undefined);
  assert.deepEqual(table.put('c', e(2)), e(0));
  assert.equal(table.size, 2);
  assert.equal(table.take('a'), undefined);
  assert.deepEqual(table.take('b'), e(1));
  assert.equal(table.take('b'), undefined);
});
