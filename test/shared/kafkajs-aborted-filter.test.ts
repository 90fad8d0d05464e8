import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

// The filter kafkajs's read_committed consumer runs on every fetched batch, as installed in node_modules
// (scripts/patch-dependencies.mjs replaces kafkajs's own at npm install).
const require = createRequire(import.meta.url);
const filterPath = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
const filterAbortedMessages = require(filterPath) as (a: { messages: Message[]; abortedTransactions: Aborted[] }) => Message[];

interface Message {
  offset: string;
  key: Buffer | null;
  value: string;
  batchContext: { producerId: string; inTransaction: boolean };
}
interface Aborted {
  firstOffset: string;
  producerId: string;
}

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);
const msg = (offset: number, producerId: string, value: string, key: Buffer | null = null): Message => ({
  offset: String(offset),
  key,
  value,
  batchContext: { producerId, inTransaction: true },
});

test('the installed kafkajs filter is the patched one', () => {
  assert.match(readFileSync(filterPath, 'utf8'), /riskstream's replacement/);
});

test('several transactions aborted together, listed in abort order: none of their records get through', () => {
  // A kill -9 with three transactions in flight (producers 7, 8, 9) interleaved with a committed one (5).
  const messages = [
    msg(100, '7', 'a1'),
    msg(101, '8', 'b1'),
    msg(102, '5', 'ok1'),
    msg(103, '9', 'c1'),
    msg(104, '7', 'a2'),
    msg(105, '5', 'ok2'),
    msg(106, '5', 'commit', COMMIT),
    msg(107, '9', 'abort-c', ABORT),
    msg(108, '7', 'abort-a', ABORT),
    msg(109, '8', 'abort-b', ABORT),
  ];
  // The broker's transaction index lists them as they were aborted: 9, 7, 8.
  const abortedTransactions = [
    { firstOffset: '103', producerId: '9' },
    { firstOffset: '100', producerId: '7' },
    { firstOffset: '101', producerId: '8' },
  ];
  const kept = filterAbortedMessages({ messages, abortedTransactions }).map((m) => m.value);
  assert.deepEqual(kept, ['ok1', 'ok2', 'commit', 'abort-c', 'abort-a', 'abort-b']);
});

test('a fetch that starts inside several aborted transactions filters all of them from its first record', () => {
  const messages = [msg(200, '8', 'b2'), msg(201, '7', 'a3'), msg(202, '5', 'ok'), msg(203, '7', 'abort-a', ABORT), msg(204, '8', 'abort-b', ABORT)];
  const abortedTransactions = [
    { firstOffset: '150', producerId: '7' },
    { firstOffset: '160', producerId: '8' },
  ];
  assert.deepEqual(filterAbortedMessages({ messages, abortedTransactions }).map((m) => m.value), ['ok', 'abort-a', 'abort-b']);
});

test('records of the same producer after its abort marker (its next transaction) are kept', () => {
  const messages = [msg(300, '7', 'x'), msg(301, '7', 'abort', ABORT), msg(302, '7', 'next')];
  assert.deepEqual(filterAbortedMessages({ messages, abortedTransactions: [{ firstOffset: '300', producerId: '7' }] }).map((m) => m.value), ['abort', 'next']);
});
