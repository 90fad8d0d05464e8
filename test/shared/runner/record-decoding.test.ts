import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaMessage } from 'kafkajs';
import { DependencyError, RecordTooLargeError, ValidationError, type TopicCodec } from '@riskstream/shared';
import { decodeRecords } from '../../../shared/src/runner/record-decoding.ts';

/** A codec stand-in: JSON, except the value "down", which fails as if the registry were unreachable. */
const codec = {
  names: { transactionsRaw: 'ns.transactions.raw.v1' },
  decode: async (_key: string, value: Buffer | null) => {
    if (value?.toString() === 'down') throw new DependencyError('schema-registry', 'unreachable');
    return JSON.parse(value!.toString()) as unknown;
  },
} as unknown as TopicCodec;

const msg = (offset: number, value: string): KafkaMessage => ({ offset: String(offset), timestamp: '0', key: null, value: Buffer.from(value), attributes: 0, headers: {} }) as KafkaMessage;

test('bad records are rejected one by one (size, decoding, validation) while the good ones pass', async () => {
  const validate = (_t: unknown, v: unknown) => {
    if ((v as { ok?: boolean }).ok !== true) throw new ValidationError('NOT_OK', [{ path: 'ok', problem: 'must be true' }]);
    return v as { ok: true };
  };
  const d = await decodeRecords({ codec, validate, maxInputBytes: 20 }, 'transactionsRaw', 1, [
    msg(0, '{"ok":true}'),
    msg(1, `{"ok":true,"pad":"${'x'.repeat(30)}"}`),
    msg(2, '{not json'),
    msg(3, '{"ok":false}'),
    msg(4, '{"ok":true}'),
  ]);
  assert.deepEqual(d.ok.map((m) => m.offset), ['0', '4']);
  assert.deepEqual(d.rejected.map((r) => [r.message.offset, r.error.code]), [['1', 'RECORD_TOO_LARGE'], ['2', 'HANDLER_FAILED'], ['3', 'VALIDATION_FAILED']]);
  assert.ok(d.rejected[0]!.error instanceof RecordTooLargeError);
});

test('a retriable decode failure (the registry down) throws, so the whole micro-batch is retried', async () => {
  await assert.rejects(decodeRecords({ codec, maxInputBytes: 1000 }, 'transactionsRaw', 0, [msg(0, '{}'), msg(1, 'down')]), (e: unknown) => e instanceof DependencyError);
});
