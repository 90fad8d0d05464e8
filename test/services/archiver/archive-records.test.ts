import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { ARCHIVED_TOPICS, tableOfTopic, validateArchiveInput } from '../../../services/archiver/src/archive-records.ts';

const T = Date.parse('2025-03-01T10:00:00.000Z');

const enriched = {
  transaction_id: 'tx-1',
  card_token: 'c',
  terminal_id: null,
  amount: 12.5,
  currency: 'EUR',
  channel: null,
  event_time: T,
  ingest_time: T + 1,
  feature_set: 'handbook-baseline-v1',
  features: { TX_AMOUNT: 12.5, TERMINAL_ID_RISK_1DAY_WINDOW: Number.NaN },
};

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    return `${e.reason}: ${e.issues.map((i) => i.path).join(',')}`;
  }
  return 'accepted';
}

test('each archived topic maps to its table', () => {
  assert.deepEqual(ARCHIVED_TOPICS, { transactions: 'transactionsEnriched', labels: 'transactionsLabels', scores: 'transactionsScored' });
  assert.equal(tableOfTopic('transactionsScored'), 'scores');
  assert.equal(tableOfTopic('transactionsRaw'), undefined);
});

test('an enriched record passes with NaN features; bad shapes and colliding feature names are refused', () => {
  const ok = validateArchiveInput('transactionsEnriched', enriched);
  assert.equal(ok.table, 'transactions');
  assert.ok(Number.isNaN((ok.record as typeof enriched).features.TERMINAL_ID_RISK_1DAY_WINDOW));
  assert.equal(reason(() => validateArchiveInput('transactionsEnriched', { ...enriched, features: { amount: 1 } })), 'ENRICHED_RECORD_INVALID: features.amount');
  assert.equal(reason(() => validateArchiveInput('transactionsEnriched', { ...enriched, amount: Number.POSITIVE_INFINITY, card_token: '' })), 'ENRICHED_RECORD_INVALID: card_token,amount');
  // Seconds-vs-microseconds mistakes have no partition date: dead-letter them rather than invent one.
  assert.equal(reason(() => validateArchiveInput('transactionsEnriched', { ...enriched, event_time: T * 1000 })), 'ENRICHED_RECORD_INVALID: event_time');
  assert.equal(reason(() => validateArchiveInput('transactionsEnriched', 'nope')), 'NOT_A_RECORD: ');
});

test('labels accept the JSON a user sends: ISO times, no labelled_at', () => {
  const v = validateArchiveInput('transactionsLabels', { transaction_id: 'tx-1', event_time: '2025-03-01T10:00:00Z', is_fraud: true });
  assert.deepEqual(v, { table: 'labels', record: { transaction_id: 'tx-1', terminal_id: null, event_time: T, is_fraud: true, labelled_at: null } });
  const avro = validateArchiveInput('transactionsLabels', { transaction_id: 'tx-1', terminal_id: 't', event_time: T, is_fraud: false, labelled_at: T + 5 });
  assert.equal((avro.record as { labelled_at: number }).labelled_at, T + 5);
  assert.equal(reason(() => validateArchiveInput('transactionsLabels', { transaction_id: 'tx-1', event_time: 'yesterday', is_fraud: 'yes' })), 'LABEL_INVALID: is_fraud,event_time');
});

test('scored records keep reasons and nullable challenger fields', () => {
  const scored = {
    transaction_id: 'tx-1', event_time: T, card_token: 'c', terminal_id: null, amount: 1, score: 0.1, decision: 'APPROVE', model_name: 'fraud',
    model_version: 2, reasons: [{ feature: 'TX_AMOUNT', contribution: -0.2 }], latency_ms: 3, challenger_score: null, challenger_version: null,
  };
  assert.deepEqual(validateArchiveInput('transactionsScored', scored).record, scored);
  assert.equal(reason(() => validateArchiveInput('transactionsScored', { ...scored, decision: 'MAYBE' })), 'SCORED_RECORD_INVALID: decision');
});
