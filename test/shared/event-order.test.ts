import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderedStream, SOURCE_PARTITION_HEADER, sourcePartition } from '@riskstream/shared';

const at = (headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>) => ({ topicName: 'ns.transactions.valid.v1', partition: 3, headers });

test('a record is ordered within its partition and, when stamped, its source partition', () => {
  assert.equal(sourcePartition('transactions.raw.v1', 5), 'transactions.raw.v1:5');
  assert.equal(orderedStream(at({})), 'ns.transactions.valid.v1:3');
  assert.equal(orderedStream(at({ [SOURCE_PARTITION_HEADER]: Buffer.from('transactions.raw.v1:5') })), 'ns.transactions.valid.v1:3<transactions.raw.v1:5');
  assert.equal(orderedStream(at({ [SOURCE_PARTITION_HEADER]: ['transactions.raw.v1:1', 'x'] })), 'ns.transactions.valid.v1:3<transactions.raw.v1:1');
  assert.equal(orderedStream(at({ [SOURCE_PARTITION_HEADER]: undefined })), 'ns.transactions.valid.v1:3');
  assert.notEqual(orderedStream(at({ [SOURCE_PARTITION_HEADER]: 'raw:1' })), orderedStream(at({ [SOURCE_PARTITION_HEADER]: 'raw:2' })));
});
