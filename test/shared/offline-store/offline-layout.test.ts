import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventDateOf,
  importFileName,
  isBaseColumn,
  isDataFileName,
  isImportFileName,
  kafkaFileName,
  parseKafkaFileName,
  parsePartitionDirName,
  partitionDir,
  partitionDirName,
  temporaryFileName,
  transactionColumns,
  TRANSACTION_COLUMNS,
  ValidationError,
} from '@riskstream/shared';

test('a Kafka file name round-trips its topic, partition and exact offset range', () => {
  const range = { topic: 't-x1.transactions.enriched.v1', partition: 4, firstOffset: 17n, lastOffset: 9_007_199_254_740_993n };
  const name = kafkaFileName(range);
  assert.equal(name, 't-x1.transactions.enriched.v1+4+17-9007199254740993.parquet');
  assert.deepEqual(parseKafkaFileName(name), range);
  assert.ok(isDataFileName(name));
});

test('names that are not archived Kafka files parse to undefined', () => {
  for (const name of [
    'import+0123abcd.parquet',
    't+1+5-4.parquet', // last < first
    't+1+5.parquet',
    't+x+1-2.parquet',
    't+1+1-2.parquet.tmp',
    'part-0.jsonl',
  ]) {
    assert.equal(parseKafkaFileName(name), undefined, name);
  }
  assert.ok(isImportFileName(importFileName('0123abcd')));
  assert.equal(parseKafkaFileName(importFileName('0123abcd')), undefined);
});

test('bad ranges and topic names are refused when naming a file', () => {
  assert.throws(() => kafkaFileName({ topic: 'a+b', partition: 0, firstOffset: 0n, lastOffset: 0n }), ValidationError);
  assert.throws(() => kafkaFileName({ topic: 't', partition: -1, firstOffset: 0n, lastOffset: 0n }), ValidationError);
  assert.throws(() => kafkaFileName({ topic: 't', partition: 0, firstOffset: 3n, lastOffset: 2n }), ValidationError);
  assert.throws(() => importFileName('../escape'), ValidationError);
});

test('temporaries and markers are never data files', () => {
  const final = kafkaFileName({ topic: 't', partition: 0, firstOffset: 0n, lastOffset: 9n });
  const tmp = temporaryFileName(final, '123-abcd');
  assert.ok(tmp.startsWith('.'));
  assert.equal(isDataFileName(tmp), false);
  assert.equal(isDataFileName('_SUCCESS.parquet'), false);
  assert.equal(isDataFileName('.hidden.parquet'), false);
});

test('event dates are UTC days; the partition directory is Hive style', () => {
  const midnight = Date.parse('2018-04-02T00:00:00.000Z');
  assert.equal(eventDateOf(midnight - 1), '2018-04-01');
  assert.equal(eventDateOf(midnight), '2018-04-02');
  assert.equal(partitionDirName('2018-04-02'), 'event_date=2018-04-02');
  assert.equal(partitionDir('/lake', 'labels', '2018-04-02'), '/lake/labels/event_date=2018-04-02');
  assert.equal(parsePartitionDirName('event_date=2018-04-02'), '2018-04-02');
  assert.equal(parsePartitionDirName('event_date=2018-4-2'), undefined);
  assert.throws(() => partitionDirName('2018-13-45'), ValidationError);
  // Microseconds or nanoseconds mistaken for milliseconds land far outside 0000-9999.
  assert.throws(() => eventDateOf(Date.now() * 1000), ValidationError);
  assert.throws(() => eventDateOf(Number.NaN), ValidationError);
});

test('feature columns follow the base columns and may not shadow one (DuckDB names are case-insensitive)', () => {
  const cols = transactionColumns(['TX_AMOUNT', 'X']);
  assert.deepEqual(cols.slice(TRANSACTION_COLUMNS.length).map((c) => [c.name, c.type, c.nullable]), [
    ['TX_AMOUNT', 'DOUBLE', true],
    ['X', 'DOUBLE', true],
  ]);
  assert.throws(() => transactionColumns(['AMOUNT']), (e: unknown) => e instanceof ValidationError && e.reason === 'FEATURE_NAME_INVALID');
  assert.throws(() => transactionColumns(['Event_Date']), ValidationError);
  assert.throws(() => transactionColumns(['f', 'F']), ValidationError);
  assert.ok(isBaseColumn('transactions', 'kafka_offset'));
  assert.ok(isBaseColumn('transactions', 'event_date'));
  assert.equal(isBaseColumn('transactions', 'TX_AMOUNT'), false);
});
