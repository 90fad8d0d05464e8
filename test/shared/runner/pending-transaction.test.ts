import { test } from 'node:test';
import assert from 'node:assert/strict';
import { earliestOffsets, PendingTransaction } from '../../../shared/src/runner/pending-transaction.ts';

const member = { generationId: 1, memberId: 'm' };
const msgs = (n: number, bytes: number) => Array.from({ length: n }, () => ({ key: null, value: Buffer.alloc(bytes) }));

test('chunks keep each send under the byte limit and every message in order', () => {
  const p = new PendingTransaction(member);
  p.add('in', 0, '0', '10', [{ topic: 'a', messages: msgs(10, 400) }, { topic: 'b', messages: msgs(5, 400) }], 10);
  const chunks = p.chunks(1500);
  for (const c of chunks) assert.ok(c.reduce((n, tm) => n + tm.messages.length, 0) <= 3, 'about three 470-byte messages per 1500 bytes');
  assert.equal(chunks.flat().reduce((n, tm) => n + tm.messages.length, 0), 15);
  assert.deepEqual(p.countsByTopic(), [['a', 10], ['b', 5]]);
});

test('offsets: the last next offset per partition; earliestOffsets: the first over several transactions', () => {
  const a = new PendingTransaction(member);
  a.add('in', 0, '5', '8', [], 3);
  a.add('in', 0, '8', '9', [], 1);
  const b = new PendingTransaction(member);
  b.add('in', 0, '9', '12', [], 3);
  b.add('in', 2, '40', '41', [], 1);
  assert.deepEqual(a.offsets(), [{ topic: 'in', partitions: [{ partition: 0, offset: '9' }] }]);
  assert.deepEqual(earliestOffsets([b, a]), [{ topic: 'in', partition: 0, offset: '5' }, { topic: 'in', partition: 2, offset: '40' }]);
});
