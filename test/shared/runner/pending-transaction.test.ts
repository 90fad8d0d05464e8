import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingTransaction } from '../../../shared/src/runner/pending-transaction.ts';

const member = { generationId: 1, memberId: 'm' };
const msgs = (n: number, bytes: number) => Array.from({ length: n }, () => ({ key: null, value: Buffer.alloc(bytes) }));

test('chunks keep each send under the byte limit and every message in order', () => {
  const p = new PendingTransaction(member);
  p.add('in', 0, '10', [{ topic: 'a', messages: msgs(10, 400) }, { topic: 'b', messages: msgs(5, 400) }], 10);
  const chunks = p.chunks(1500);
  for (const c of chunks) assert.ok(c.reduce((n, tm) => n + tm.messages.length, 0) <= 3, 'about three 470-byte messages per 1500 bytes');
  assert.equal(chunks.flat().reduce((n, tm) => n + tm.messages.length, 0), 15);
  assert.deepEqual(p.countsByTopic(), [['a', 10], ['b', 5]]);
});

test('offsets: the last next offset per partition, grouped by topic', () => {
  const a = new PendingTransaction(member);
  a.add('in', 0, '8', [], 3);
  a.add('in', 0, '9', [], 1);
  a.add('in', 2, '41', [], 1);
  a.add('labels', 1, '3', [], 1);
  assert.deepEqual(a.offsets(), [
    { topic: 'in', partitions: [{ partition: 0, offset: '9' }, { partition: 2, offset: '41' }] },
    { topic: 'labels', partitions: [{ partition: 1, offset: '3' }] },
  ]);
  assert.equal(a.inputs, 6);
});
