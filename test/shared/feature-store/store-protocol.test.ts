import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@riskstream/shared';
import {
  decodeEventReply,
  decodeGeneration,
  decodeLabelReply,
  decodePreState,
  encodeEventBatch,
  encodeLabelBatch,
  type StoreEvent,
} from '@riskstream/shared/feature-store';

const TTLS = { featureTtlSeconds: 1000, snapshotTtlSeconds: 200, labelMarkerTtlSeconds: 300, retentionSlackDays: 0 };

function event(id: string, card: string, terminal: string | null, day = 100, cents = 1234, apply = true): StoreEvent {
  return { transactionId: id, cardToken: card, terminalId: terminal, day, cents, apply };
}

/** The tag the encoder sends for the default layout (the third argument). */
const TAG = encodeEventBatch([], 'p:', TTLS).args[2] as string;

/** A v2 pre-state: customer segments 0, 1-6, 7-29 as (n int32, s float64); terminal 7, 8-13, 14-36 as (n, f int32). */
function preState(customer: readonly [number, number][], terminal: readonly [number, number][], tag = TAG): Buffer {
  const b = Buffer.alloc(tag.length + 3 * 12 + 3 * 8);
  let at = b.write(tag, 0, 'latin1');
  for (const [n, s] of customer) {
    at = b.writeInt32LE(n, at);
    at = b.writeDoubleLE(s, at);
  }
  for (const [n, f] of terminal) {
    at = b.writeInt32LE(n, at);
    at = b.writeInt32LE(f, at);
  }
  return b;
}

test('an event batch declares customers, then terminals, each once, then one snapshot per event; events go packed', () => {
  const call = encodeEventBatch([event('a', 'c1', 't1'), event('b', 'c1', 't1', 101, 5, false), event('c', 'c2', null)], 'p:', TTLS);
  assert.deepEqual(call.keys, ['p:v2:c:c1', 'p:v2:c:c2', 'p:v2:t:t1', 'p:pre:a', 'p:pre:b', 'p:pre:c', 'p:generation']);
  assert.deepEqual(call.args.slice(0, 12), [1000, 200, TAG, 30, 'ns', '0-0,1-6,7-29', 37, 'nf', '7-7,8-13,14-36', 2, 1, 3]);
  assert.match(TAG, /^p2[0-9a-f]{6}$/, 'the tag starts with a letter, so no v1 text snapshot looks like one');
  const packed = call.args[12] as Buffer;
  assert.equal(call.args.length, 15);
  assert.deepEqual(call.args.slice(13), ['', 36], 'no generation known yet; a loss degrades events up to the oldest age read (terminal 36)');
  assert.equal(packed.length, 3 * 21);
  const at = (i: number) => [packed.readInt32LE(21 * i), packed.readInt32LE(21 * i + 4), packed.readInt32LE(21 * i + 8), packed.readDoubleLE(21 * i + 12), packed.readUInt8(21 * i + 20)];
  assert.deepEqual([at(0), at(1), at(2)], [
    [1, 1, 100, 1234, 1],
    [1, 1, 101, 5, 0],
    [2, 0, 100, 1234, 1],
  ]);
  const slack = encodeEventBatch([], 'p:', { ...TTLS, retentionSlackDays: 7 }).args;
  assert.deepEqual(slack.slice(3, 9), [37, 'ns', '0-0,1-6,7-29', 44, 'nf', '7-7,8-13,14-36'], 'slack extends the days kept, not the windows read');
});

test('a reply decodes into one bucket per non-empty segment at its youngest age, in event order', () => {
  const events = [event('a', 'c1', 't1', 100), event('b', 'c2', null, 50), event('c', 'c1', 't1', 100)];
  const reply = [
    0, preState([[3, 4500], [0, 0], [1, 99]], [[0, 0], [2, 1], [0, 1]]),
    2, preState([[0, 0], [0, 0], [0, 0]], [[0, 0], [0, 0], [0, 0]]),
    1, preState([[0, 0], [0, 0], [0, 0]], [[0, 0], [0, 0], [0, 0]]),
    Buffer.from('1765000000.1'), -1,
  ];
  const [a, b, c] = decodeEventReply(reply, events);
  assert.deepEqual(a, {
    status: 'applied',
    degraded: false,
    customer: [
      { day: 100, count: 3, sumAmountCents: 4500, fraudCount: 0 },
      { day: 93, count: 1, sumAmountCents: 99, fraudCount: 0 },
    ],
    // A segment holding only a fraud label (no counted event) is still a bucket.
    terminal: [
      { day: 92, count: 2, sumAmountCents: 0, fraudCount: 1 },
      { day: 86, count: 0, sumAmountCents: 0, fraudCount: 1 },
    ],
  });
  assert.deepEqual(b, { status: 'late', degraded: false, customer: [], terminal: null });
  assert.deepEqual(c, { status: 'redelivered', degraded: false, customer: [], terminal: [] });
  assert.deepEqual(decodeGeneration(reply, events), { id: '1765000000.1', degradedThroughDay: -1 });
});

test('after a loss of the store, an event is degraded exactly when its day is at or before the last degraded day', () => {
  const events = [event('a', 'c1', 't1', 99), event('b', 'c1', 't1', 100), event('c', 'c1', 't1', 101)];
  const empty = preState([[0, 0], [0, 0], [0, 0]], [[0, 0], [0, 0], [0, 0]]);
  const reply = [0, empty, 0, empty, 1, empty, 'g2', 100];
  assert.deepEqual(decodeEventReply(reply, events).map((p) => p.degraded), [true, true, false]);
  assert.deepEqual(decodeGeneration(reply, events), { id: 'g2', degradedThroughDay: 100 });
  const known = encodeEventBatch(events, 'p:', TTLS, undefined, 'g1').args;
  assert.equal(known[13], 'g1', 'the caller tells the script which generation it knew');
});

test('a snapshot stored by layout v1 (text, one bucket per day) is still answered to a redelivery', () => {
  const e = event('a', 'c1', 't1', 100);
  assert.deepEqual(decodePreState(Buffer.from('2,0,3,4500,29,1,99,1,8,2,1'), e, 'redelivered'), {
    status: 'redelivered',
    customer: [
      { day: 100, count: 3, sumAmountCents: 4500, fraudCount: 0 },
      { day: 71, count: 1, sumAmountCents: 99, fraudCount: 0 },
    ],
    terminal: [{ day: 92, count: 2, sumAmountCents: 0, fraudCount: 1 }],
  });
  assert.deepEqual(decodePreState(Buffer.from('0,0'), event('b', 'c2', null), 'redelivered'), { status: 'redelivered', customer: [], terminal: null });
});

test('a malformed reply or a pre-state of another layout is a non-retriable error, never a silent misread', () => {
  const events = [event('a', 'c1', 't1')];
  const ok = preState([[1, 1], [0, 0], [0, 0]], [[0, 0], [0, 0], [0, 0]]);
  const otherLayout = preState([[1, 1], [0, 0], [0, 0]], [[0, 0], [0, 0], [0, 0]], 'p2000000');
  const v1Malformed = ['1,0,3', '0,0,7', '0,0.5', '0,,'].map((t) => [0, Buffer.from(t)]);
  const g = ['g', -1];
  const malformed = [[0, ok.subarray(0, ok.length - 1)], [0, otherLayout], [9, ok], [0, 0], ['0', ok], [0, 'text'], ...v1Malformed].map((r) => [...r, ...g]);
  for (const reply of ['OK', [0], [0, ok], [0, ok, 'g'], [0, ok, 7, -1], [0, ok, 'g', 'x'], ...malformed]) {
    assert.throws(
      () => decodeEventReply(reply, events),
      (err: unknown) => err instanceof AppError && err.code === 'HANDLER_FAILED' && !err.retriable,
      JSON.stringify(reply),
    );
  }
});

test('a label batch declares terminals once, then one marker per label', () => {
  const labels = [
    { transactionId: 'a', terminalId: 't1', day: 100 },
    { transactionId: 'b', terminalId: 't1', day: 101 },
  ];
  const call = encodeLabelBatch(labels, 'p:', TTLS);
  assert.deepEqual(call.keys, ['p:v2:t:t1', 'p:lbl:a', 'p:lbl:b']);
  assert.deepEqual(call.args, [1000, 300, 37, 'nf', 1, 2, 1, 100, 1, 101]);
  assert.equal(encodeLabelBatch(labels, 'p:', { ...TTLS, retentionSlackDays: 7 }).args[2], 44, 'slack extends the days kept');
  assert.deepEqual(decodeLabelReply([1, 0], labels), ['applied', 'duplicate']);
  assert.deepEqual(decodeLabelReply([2, 1], labels), ['too-old', 'applied']);
  assert.throws(() => decodeLabelReply([1], labels), AppError);
  assert.throws(() => decodeLabelReply([1, 5], labels), AppError);
});
