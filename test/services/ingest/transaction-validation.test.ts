import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { REJECTION_REASONS, type RejectionReason } from '../../../services/ingest/src/rejection-reasons.ts';
import { MIN_EVENT_TIME_MS, TransactionValidationError, validateTransaction } from '../../../services/ingest/src/transaction-validation.ts';
import { NOW, pan, rawTx } from './transaction-fixtures.ts';

const rules = { maxAmount: 1_000_000, maxFutureMs: 10 * 60_000 };

function reasonOf(value: unknown): RejectionReason {
  try {
    validateTransaction(value, rules, NOW);
  } catch (err) {
    assert.ok(err instanceof TransactionValidationError);
    assert.ok(err instanceof ValidationError, 'a shared ValidationError, so the runner treats it as final');
    assert.equal(err.code, 'VALIDATION_FAILED');
    assert.equal(err.retriable, false);
    return err.reason as RejectionReason;
  }
  assert.fail('expected a rejection');
}

test('a well-formed record passes and comes out normalised', () => {
  const tx = validateTransaction(rawTx(1, { customer_id: undefined, terminal_id: '', channel: undefined }), rules, NOW);
  assert.equal(tx.transaction_id, 'tx-000001');
  assert.equal(tx.card_number, pan(1));
  assert.equal(tx.customer_id, null);
  assert.equal(tx.terminal_id, null, 'an empty optional id means no value');
  assert.equal(tx.channel, null);
  assert.equal(tx.currency, 'EUR');
});

test('event_time accepts epoch ms, an ISO 8601 string with a zone, and a Date', () => {
  assert.equal(validateTransaction(rawTx(1, { event_time: '2025-06-01T11:00:00Z' }), rules, NOW).event_time, NOW - 3_600_000);
  assert.equal(validateTransaction(rawTx(1, { event_time: '2025-06-01T13:00:00.500+02:00' }), rules, NOW).event_time, NOW - 3_600_000 + 500);
  assert.equal(validateTransaction(rawTx(1, { event_time: new Date(NOW) }), rules, NOW).event_time, NOW);
});

// One case per reason (and the boundary cases that matter), each on an otherwise valid record.
const cases: Array<[string, Record<string, unknown> | unknown, RejectionReason]> = [
  ['transaction_id absent', rawTx(1, { transaction_id: undefined }), 'MISSING_FIELD'],
  ['card_number null', rawTx(1, { card_number: null }), 'MISSING_FIELD'],
  ['amount absent', rawTx(1, { amount: undefined }), 'MISSING_FIELD'],
  ['currency absent', rawTx(1, { currency: undefined }), 'MISSING_FIELD'],
  ['event_time absent', rawTx(1, { event_time: undefined }), 'MISSING_FIELD'],
  ['not an object', [rawTx(1)], 'TYPE_INVALID'],
  ['a string record', 'tx', 'TYPE_INVALID'],
  ['amount as a string', rawTx(1, { amount: '12.5' }), 'TYPE_INVALID'],
  ['card_number as a number', rawTx(1, { card_number: 4000000000000002 }), 'TYPE_INVALID'],
  ['transaction_id as a number', rawTx(1, { transaction_id: 17 }), 'TYPE_INVALID'],
  ['currency as a number', rawTx(1, { currency: 978 }), 'TYPE_INVALID'],
  ['channel as a number', rawTx(1, { channel: 1 }), 'TYPE_INVALID'],
  ['event_time as a boolean', rawTx(1, { event_time: true }), 'TYPE_INVALID'],
  ['negative amount', rawTx(1, { amount: -0.01 }), 'AMOUNT_OUT_OF_RANGE'],
  ['amount above the maximum', rawTx(1, { amount: 1_000_000.01 }), 'AMOUNT_OUT_OF_RANGE'],
  ['amount NaN (Avro double)', rawTx(1, { amount: Number.NaN }), 'AMOUNT_OUT_OF_RANGE'],
  ['amount Infinity', rawTx(1, { amount: Number.POSITIVE_INFINITY }), 'AMOUNT_OUT_OF_RANGE'],
  ['unknown currency', rawTx(1, { currency: 'ABC' }), 'CURRENCY_INVALID'],
  ['lower-case currency', rawTx(1, { currency: 'eur' }), 'CURRENCY_INVALID'],
  ['testing currency XTS', rawTx(1, { currency: 'XTS' }), 'CURRENCY_INVALID'],
  ['gold XAU', rawTx(1, { currency: 'XAU' }), 'CURRENCY_INVALID'],
  ['event_time 11 min ahead', rawTx(1, { event_time: NOW + 11 * 60_000 }), 'EVENT_TIME_IN_FUTURE'],
  ['event_time before 2000', rawTx(1, { event_time: MIN_EVENT_TIME_MS - 1 }), 'EVENT_TIME_TOO_OLD'],
  ['event_time in seconds', rawTx(1, { event_time: Math.floor(NOW / 1000) }), 'EVENT_TIME_TOO_OLD'],
  ['event_time fractional ms', rawTx(1, { event_time: NOW - 0.5 }), 'EVENT_TIME_INVALID'],
  ['event_time zoneless ISO', rawTx(1, { event_time: '2025-06-01T11:00:00' }), 'EVENT_TIME_INVALID'],
  ['event_time garbage string', rawTx(1, { event_time: 'yesterday' }), 'EVENT_TIME_INVALID'],
  ['transaction_id of 65 chars', rawTx(1, { transaction_id: 'x'.repeat(65) }), 'ID_TOO_LONG'],
  ['terminal_id of 65 chars', rawTx(1, { terminal_id: 't'.repeat(65) }), 'ID_TOO_LONG'],
  ['customer_id of 65 chars', rawTx(1, { customer_id: 'c'.repeat(65) }), 'ID_TOO_LONG'],
  ['transaction_id empty', rawTx(1, { transaction_id: '' }), 'ID_INVALID'],
  ['transaction_id blank', rawTx(1, { transaction_id: '   ' }), 'ID_INVALID'],
  ['transaction_id with a newline', rawTx(1, { transaction_id: 'tx\n1' }), 'ID_INVALID'],
  ['terminal_id with a NUL', rawTx(1, { terminal_id: 't\u00001' }), 'ID_INVALID'],
  ['customer_id with a zero-width space', rawTx(1, { customer_id: 'c\u200b1' }), 'ID_INVALID'],
  ['customer_id is the card number', rawTx(1, { customer_id: pan(1) }), 'ID_CONTAINS_CARD_NUMBER'],
  ['transaction_id embeds the card number', rawTx(1, { transaction_id: `tx-${pan(1)}` }), 'ID_CONTAINS_CARD_NUMBER'],
  ['card_number with a bad check digit', rawTx(1, { card_number: pan(1).slice(0, -1) + ((Number(pan(1).at(-1)) + 1) % 10) }), 'CARD_NUMBER_INVALID'],
  ['card_number of 11 digits', rawTx(1, { card_number: pan(1, 11) }), 'CARD_NUMBER_INVALID'],
  ['card_number of 20 digits', rawTx(1, { card_number: pan(1, 20) }), 'CARD_NUMBER_INVALID'],
  ['card_number with spaces', rawTx(1, { card_number: pan(1).replace(/(\d{4})/g, '$1 ').trim() }), 'CARD_NUMBER_INVALID'],
  ['card_number with full-width digits', rawTx(1, { card_number: '４０００' + pan(1).slice(4) }), 'CARD_NUMBER_INVALID'],
  ['channel in upper case', rawTx(1, { channel: 'POS' }), 'CHANNEL_INVALID'],
  ['channel unknown', rawTx(1, { channel: 'moto' }), 'CHANNEL_INVALID'],
];

for (const [name, value, reason] of cases) {
  test(`rejects ${name} as ${reason}`, () => assert.equal(reasonOf(value), reason));
}

test('every validation reason has a case above', () => {
  const covered = new Set(cases.map(([, , r]) => r));
  const notValidation = new Set(['DECODE_FAILED', 'OUTPUT_INVALID', 'HANDLER_FAILED']);
  for (const reason of Object.keys(REJECTION_REASONS)) {
    if (!notValidation.has(reason)) assert.ok(covered.has(reason as RejectionReason), `no case for ${reason}`);
  }
});

test('boundaries are inclusive: amount 0 and max, event_time exactly now + skew, 64-char ids, 12 and 19 digits', () => {
  for (const v of [
    rawTx(1, { amount: 0 }),
    rawTx(1, { amount: 1_000_000 }),
    rawTx(1, { event_time: NOW + 10 * 60_000 }),
    rawTx(1, { event_time: MIN_EVENT_TIME_MS }),
    rawTx(1, { transaction_id: 'x'.repeat(64), customer_id: 'é'.repeat(64) }),
    rawTx(1, { card_number: pan(7, 12) }),
    rawTx(1, { card_number: pan(7, 19) }),
  ]) {
    assert.doesNotThrow(() => validateTransaction(v, rules, NOW));
  }
});

test('the clock is injected: the same record is in the future at one time and fine later', () => {
  const v = rawTx(1, { event_time: NOW + 60 * 60_000 });
  assert.throws(() => validateTransaction(v, rules, NOW), { reason: 'EVENT_TIME_IN_FUTURE' });
  assert.doesNotThrow(() => validateTransaction(v, rules, NOW + 55 * 60_000));
});

test('all problems are reported, the first in field order is the reason, and no value is quoted', () => {
  const card = pan(3);
  const err = (() => {
    try {
      validateTransaction({ transaction_id: '', card_number: card.slice(0, -1) + '0', amount: -1, currency: 'eur', event_time: NOW }, rules, NOW);
    } catch (e) {
      return e as TransactionValidationError;
    }
    return assert.fail('expected a rejection');
  })();
  assert.equal(err.reason, 'ID_INVALID');
  assert.deepEqual([...err.reasons], ['ID_INVALID', 'CARD_NUMBER_INVALID', 'AMOUNT_OUT_OF_RANGE', 'CURRENCY_INVALID']);
  assert.deepEqual(err.issues.map((i) => i.path), ['transaction_id', 'card_number', 'amount', 'currency']);
  assert.ok(!err.message.includes(card.slice(0, 12)), 'the message never quotes the card number');
  assert.ok(!err.message.includes('eur'));
});
