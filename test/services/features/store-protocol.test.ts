import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@riskstream/shared';
import {
  decodeEventReply,
  decodeLabelReply,
  encodeEventBatch,
  encodeLabelBatch,
  type StoreEvent,
} from '../../../services/features/src/store-protocol.ts';

const TTLS = { featureTtlSeconds: 1000, snapshotTtlSeconds: 200, labelMarkerTtlSeconds: 300, retentionSlackDays: 0 };

function event(id: string, card: string, terminal: string | null, day = 100, cents = 1234, apply = true): StoreEvent {
  return { transactionId: id, cardToken: card, terminalId: terminal, day, cents, apply };
}

test('an event batch declares every key once and refers to keys by 1-based index', () => {
  const call = encodeEventBatch([event('a', 'c1', 't1'), event('b', 'c1', 't1', 101, 5, false), event('c', 'c2', null)], 'p:', TTLS);
  assert.deepEqual(call.keys, ['p:c:c1', 'p:t:t1', 'p:pre:a', 'p:pre:b', 'p:c:c2', 'p:pre:c']);
  assert.deepEqual(call.args, [
    1000, 200,
    0, 29, 30, 'ns',
    7, 36, 37, 'nf',
    3,
    1, 2, 3, 100, 1234, 1,
    1, 2, 4, 101, 5, 0,
    5, 0, 6, 100, 1234, 1,
  ]);
  const slack = encodeEventBatch([], 'p:', { ...TTLS, retentionSlackDays: 7 }).args;
  assert.deepEqual(slack.slice(2, 10), [0, 29, 37, 'ns', 7, 36, 44, 'nf'], 'slack extends the days kept, not the windows read');
});

test('a reply decodes into bucket views with absolute days, in event order', () => {
  const events = [event('a', 'c1', 't1', 100), event('b', 'c2', null, 50), event('c', 'c1', 't1', 100)];
  const reply = [0, '2,0,3,4500,29,1,99,1,8,2,1', 2, '0,0', 1, '0,0'];
  const [a, b, c] = decodeEventReply(reply, events);
  assert.deepEqual(a, {
    status: 'applied',
    customer: [
      { day: 100, count: 3, sumAmountCents: 4500, fraudCount: 0 },
      { day: 71, count: 1, sumAmountCents: 99, fraudCount: 0 },
    ],
    terminal: [{ day: 92, count: 2, sumAmountCents: 0, fraudCount: 1 }],
  });
  assert.deepEqual(b, { status: 'late', customer: [], terminal: null });
  assert.deepEqual(c, { status: 'redelivered', customer: [], terminal: [] });
});

test('a malformed reply is a non-retriable error, never a silent misread', () => {
  const events = [event('a', 'c1', 't1')];
  for (const reply of ['OK', [0], [0, '1,0,3'], [0, '0,0,7'], [9, '0,0'], [0, '0,0.5'], [0, '0,,'], [0, 0], ['0', '0,0']]) {
    assert.throws(
      () => decodeEventReply(reply, events),
      (err: unknown) => err instanceof AppError && err.code === 'HANDLER_FAILED' && !err.retriable,
      JSON.stringify(reply),
    );
  }
});

test('a label batch encodes marker, terminal and day; outcomes decode per label', () => {
  const labels = [
    { transactionId: 'a', terminalId: 't1', day: 100 },
    { transactionId: 'b', terminalId: 't1', day: 101 },
  ];
  const call = encodeLabelBatch(labels, 'p:', TTLS);
  assert.deepEqual(call.keys, ['p:lbl:a', 'p:t:t1', 'p:lbl:b']);
  assert.deepEqual(call.args, [1000, 300, 37, 2, 1, 2, 100, 3, 2, 101]);
  assert.equal(encodeLabelBatch(labels, 'p:', { ...TTLS, retentionSlackDays: 7 }).args[2], 44, 'slack extends the days kept');
  assert.deepEqual(decodeLabelReply([1, 0], labels), ['applied', 'duplicate']);
  assert.deepEqual(decodeLabelReply([2, 1], labels), ['too-old', 'applied']);
  assert.throws(() => decodeLabelReply([1], labels), AppError);
  assert.throws(() => decodeLabelReply([1, 5], labels), AppError);
});
