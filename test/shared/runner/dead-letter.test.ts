import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createMetricsRegistry, DLQ_HEADERS, pipelineMetrics, RecordTooLargeError, ValidationError } from '@riskstream/shared';
import { checkOutputSizes, deadLetter } from '../../../shared/src/runner/dead-letter.ts';
import type { InputMessage } from '../../../shared/src/runner/runner-types.ts';

const options = (maskDlq?: Parameters<typeof deadLetter>[0]['maskDlq']) => ({
  service: 'svc',
  metrics: pipelineMetrics(createMetricsRegistry('dead-letter-test', { defaultMetrics: false })),
  log: createLogger('dead-letter-test', { level: 'silent' }),
  ...(maskDlq ? { maskDlq } : {}),
});

const message: InputMessage<unknown> = {
  topic: 'transactionsRaw',
  topicName: 'ns.transactions.raw.v1',
  partition: 3,
  offset: '42',
  timestamp: '1700000000000',
  key: Buffer.from('4111111111111111'),
  headers: {},
  raw: Buffer.from('{"card_number":"4111111111111111"}'),
  value: undefined,
};

test('a DLQ record keeps the coordinates, code and reason; the masking hook sees key, payload and message first', () => {
  const error = new ValidationError('AMOUNT_OUT_OF_RANGE', [{ path: 'amount', problem: 'card 4111111111111111 paid -1' }]);
  const r = deadLetter(options((c) => ({ key: Buffer.from('masked'), payload: Buffer.from(`${c.payload.length} bytes`), message: c.message.replace(/\d{12,19}/g, '****') })), { message, error });
  assert.equal((r.key as Buffer).toString(), 'masked');
  assert.equal((r.value as Buffer).toString(), `${message.raw!.length} bytes`);
  assert.equal(r.headers![DLQ_HEADERS.partition], '3');
  assert.equal(r.headers![DLQ_HEADERS.offset], '42');
  assert.equal(r.headers![DLQ_HEADERS.reason], 'AMOUNT_OUT_OF_RANGE');
  assert.doesNotMatch(r.headers![DLQ_HEADERS.message]!, /4111/);
});

test('an input too large keeps no payload on the DLQ; without a hook the key and bytes stay as they are', () => {
  const tooLarge = deadLetter(options(), { message, error: new RecordTooLargeError('input', 5_000_000, 1_000_000) });
  assert.equal((tooLarge.value as Buffer).length, 0);
  assert.equal(tooLarge.headers![DLQ_HEADERS.reason], 'INPUT_TOO_LARGE');
  assert.equal((tooLarge.key as Buffer).toString(), '4111111111111111');
});

test('checkOutputSizes refuses an output over the limit, counting key, value and headers', () => {
  const small = [{ topic: 't', messages: [{ key: 'k', value: Buffer.alloc(100), headers: { h: 'x'.repeat(100) } }] }];
  checkOutputSizes(small, 1000);
  assert.throws(() => checkOutputSizes([{ topic: 't', messages: [{ key: 'k', value: Buffer.alloc(10), headers: { h: 'x'.repeat(2000) } }] }], 1000), (e: unknown) => e instanceof RecordTooLargeError && e.reason === 'OUTPUT_TOO_LARGE');
});
