import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// kafkajs's per-partition grouping of a send as installed in node_modules (scripts/patch-dependencies.mjs
// replaces kafkajs's quadratic one at npm install with a linear one; the result must not change).
const require = createRequire(import.meta.url);
const installedPath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
type Message = { key: string; value: string };
type Partitioner = (o: { topic: string; partitionMetadata: unknown[]; message: Message }) => number;
const group = require(installedPath) as (o: { topic: string; partitionMetadata: unknown[]; messages: Message[]; partitioner: Partitioner }) => Record<string, Message[]>;

const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 1 }));
const byKey: Partitioner = ({ message }) => Number.parseInt(message.key.slice(1), 10) % 6;

test('the installed grouping is the riskstream patch', () => {
  const replacement = readFileSync(join(import.meta.dirname, '..', '..', 'scripts', 'dependency-patches', 'kafkajs-group-messages-per-partition.cjs'), 'utf8');
  assert.equal(readFileSync(installedPath, 'utf8'), replacement);
});

test('every message lands in its partitioner\'s partition, in send order', () => {
  const messages = Array.from({ length: 1000 }, (_, i) => ({ key: `k${(i * 7919) % 1013}`, value: String(i) }));
  const calls: string[] = [];
  const result = group({ topic: 't', partitionMetadata, messages, partitioner: (o) => (calls.push(o.message.value), byKey(o)) });
  assert.deepEqual(calls, messages.map((m) => m.value), 'the partitioner sees each message once, in order');
  const expected: Record<string, Message[]> = {};
  for (const m of messages) (expected[byKey({ topic: 't', partitionMetadata, message: m })] ??= []).push(m);
  assert.deepEqual(result, expected);
  for (const list of Object.values(result)) {
    const order = list.map((m) => Number(m.value));
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
  }
});

test('a topic without partition metadata groups nothing, and an empty send groups to nothing', () => {
  assert.deepEqual(group({ topic: 't', partitionMetadata: [], messages: [{ key: 'k1', value: 'v' }], partitioner: byKey }), {});
  assert.deepEqual(group({ topic: 't', partitionMetadata, messages: [], partitioner: byKey }), {});
});
