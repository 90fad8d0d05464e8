import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners } from 'kafkajs';
import { partitionForKey } from '@riskstream/shared';

test('partitionForKey agrees with the default (Java-compatible) partitioner on every key length', () => {
  const partitioner = Partitioners.DefaultPartitioner();
  for (const partitions of [1, 6, 7, 24]) {
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
    for (let i = 0; i < 500; i++) {
      const key = i % 3 === 0 ? `4${String(i * 7919).padStart(15, '0')}` : 'x'.repeat(i % 23) + String(i);
      const expected = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
      assert.equal(partitionForKey(key, partitions), expected, `key ${key} over ${partitions} partitions`);
    }
  }
});
