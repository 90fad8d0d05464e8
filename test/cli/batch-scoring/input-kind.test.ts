import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { detectInputKind, RAW_COLUMNS } from '../../../cli/src/batch-scoring/input-kind.ts';

const FEATURES = ['TX_AMOUNT', 'TX_DURING_NIGHT'];

test('the input kind comes from the columns; the model\'s features win when both are there', () => {
  assert.equal(detectInputKind('f', ['transaction_id', ...FEATURES], FEATURES), 'features');
  assert.equal(detectInputKind('f', [...RAW_COLUMNS, 'customer_id', 'is_fraud'], FEATURES), 'raw');
  assert.equal(detectInputKind('f', [...RAW_COLUMNS, ...FEATURES], FEATURES), 'features');
});

test('a table that is neither says what each kind lacks', () => {
  assert.throws(
    () => detectInputKind('in.csv', ['transaction_id', 'amount', 'TX_AMOUNT'], FEATURES),
    (err: unknown) =>
      err instanceof ValidationError &&
      err.reason === 'INPUT_COLUMNS_INVALID' &&
      err.message.includes('missing card_number, currency, event_time') &&
      err.message.includes('missing TX_DURING_NIGHT'),
  );
});
