import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { memoizedDefaultPartitioner } from '../../shared/src/producer.ts';

const partitions = (n: number, down: number[] = []): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: down.includes(partitionId) ? -1 : 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 }));

test('keyed messages go where kafkajs\'s default partitioner sends them, for string and Buffer keys', () => {
  const memo = memoizedDefaultPartitioner();
  const base = Partitioners.DefaultPartitioner();
  for (let i = 0; i < 5000; i++) {
    const key = i % 2 === 0 ? randomBytes(16).toString('hex') : randomBytes(12);
    for (const n of [6, 3, 1]) {
      const args = { topic: 't', partitionMetadata: partitions(n), message: { key, value: 'v' } };
      const expected = base(args);
      assert.equal(memo(args), expected);
      assert.equal(memo(args), expected, 'the remembered answer is the same');
    }
  }
});

test('the partition count is part of what is remembered: a topic grown from 3 to 6 partitions is re-hashed', () => {
  const memo = memoizedDefaultPartitioner();
  const base = Partitioners.DefaultPartitioner();
  const keys = Array.from({ length: 200 }, (_, i) => `card-${i}`);
  for (const key of keys) memo({ topic: 't', partitionMetadata: partitions(3), message: { key, value: 'v' } });
  const moved = keys.filter((key) => {
    const args = { topic: 't', partitionMetadata: partitions(6), message: { key, value: 'v' } };
    assert.equal(memo(args), base(args));
    return memo(args) !== memo({ topic: 't', partitionMetadata: partitions(3), message: { key, value: 'v' } });
  });
  assert.ok(moved.length > 0, 'some keys land elsewhere with 6 partitions');
});

test('an explicit partition wins; unkeyed messages rotate over the partitions that have a leader', () => {
  const memo = memoizedDefaultPartitioner();
  assert.equal(memo({ topic: 't', partitionMetadata: partitions(6), message: { key: 'k', value: 'v', partition: 4 } }), 4);
  const seen = new Set<number>();
  for (let i = 0; i < 60; i++) seen.add(memo({ topic: 't', partitionMetadata: partitions(6, [2, 5]), message: { key: null, value: 'v' } }));
  assert.deepEqual([...seen].sort(), [0, 1, 3, 4]);
});
