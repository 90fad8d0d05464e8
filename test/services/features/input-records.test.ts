import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { validateInput } from '../../../services/features/src/input-records.ts';

test('labels accept Avro and JSON shapes: epoch ms or ISO time, missing terminal', () => {
  assert.deepEqual(validateInput('transactionsLabels', { transaction_id: 'a', terminal_id: 't', event_time: 1000, is_fraud: true, labelled_at: 5 }), {
    transaction_id: 'a',
    terminal_id: 't',
    event_time: 1000,
    is_fraud: true,
  });
  assert.deepEqual(validateInput('transactionsLabels', { transaction_id: 'a', event_time: '1970-01-01T00:00:01Z', is_fraud: false }), {
    transaction_id: 'a',
    terminal_id: null,
    event_time: 1000,
    is_fraud: false,
  });
});

test('a bad label or transaction is a ValidationError naming every bad field', () => {
  assert.throws(
    () => validateInput('transactionsLabels', { transaction_id: '', event_time: 'yesterday', is_fraud: 'yes' }),
    (err: unknown) => err instanceof ValidationError && err.reason === 'LABEL_INVALID' && err.issues.length === 3,
  );
  assert.throws(
    () => validateInput('transactionsValid', { transaction_id: 'a', card_token: 'c', amount: Number.NaN, event_time: 1 }),
    (err: unknown) => err instanceof ValidationError && err.reason === 'TRANSACTION_INVALID' && err.issues[0]!.path === 'amount',
  );
  assert.throws(() => validateInput('transactionsValid', null), ValidationError);
});
