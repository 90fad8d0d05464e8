import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry, createValueModel, type ScoredTransaction, type TransactionLabel } from '@riskstream/shared';
import type { Registry } from 'prom-client';
import { MAX_ARMS, OVERFLOW_ARM, ValueLedger } from '../../../services/drift-monitor/src/value-ledger.ts';
import { valueMetrics } from '../../../services/drift-monitor/src/value-metrics.ts';

const model = createValueModel({ currency: 'EUR', declinePreventedShare: 1, reviewCost: 2, falseDeclineCost: 5, falseDeclineShare: 0, chargebackCost: 10 });

function setup() {
  const registry = createMetricsRegistry('drift-monitor', { defaultMetrics: false });
  const ledger = new ValueLedger({ model, modelName: 'fraud', joinCapacity: 1024, metrics: valueMetrics(registry) });
  return { registry, ledger };
}

function scored(id: string, o: Partial<ScoredTransaction> & { experiment?: string | null; experiment_arm?: string | null } = {}): ScoredTransaction {
  return {
    transaction_id: id, event_time: 0, card_token: 't', terminal_id: null, amount: 100, score: 0.5, decision: 'DECLINE',
    model_name: 'fraud', model_version: 3, reasons: [], latency_ms: 1, challenger_score: null, challenger_version: null, ...o,
  } as ScoredTransaction;
}

const label = (id: string, isFraud: boolean): TransactionLabel => ({ transaction_id: id, terminal_id: null, event_time: 0, is_fraud: isFraud, labelled_at: 0 });

async function sum(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return Number.NaN;
  const { values } = await m.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .reduce((s, v) => s + v.value, 0);
}

test('value ledger: estimated at scoring from the calibrated score, split into benefit and cost', async () => {
  const { registry, ledger } = setup();
  // DECLINE at p=0.5: 0.5 × (100 + 10) − 0.5 × 5 = 52.5; REVIEW at p=0.1 on 20: 0.1 × 30 − 2 = 1; DECLINE at p=0.01 on 100: 1.1 − 4.95 = −3.85.
  ledger.addScored([scored('a'), scored('b', { decision: 'REVIEW', amount: 20, score: 0.1 }), scored('c', { score: 0.01 })]);
  const v3 = { model_version: '3', experiment: '', arm: '', currency: 'EUR' };
  assert.ok(Math.abs((await sum(registry, 'riskstream_value_estimated_benefit_total', v3)) - 53.5) < 1e-9);
  assert.ok(Math.abs((await sum(registry, 'riskstream_value_estimated_cost_total', v3)) - 3.85) < 1e-9);
  assert.equal(await sum(registry, 'riskstream_value_estimated_events_total', v3), 3);
  assert.equal(await sum(registry, 'riskstream_value_realised_events_total'), 0);
});

test('value ledger: realised when the label joins, once per transaction, with the decision and amount scored', async () => {
  const { registry, ledger } = setup();
  ledger.addScored([scored('fraud-declined'), scored('legit-declined', { amount: 40 }), scored('approved', { decision: 'APPROVE' })]);
  ledger.addLabels([label('fraud-declined', true), label('legit-declined', false), label('approved', true), label('unknown', true)]);
  ledger.addLabels([label('fraud-declined', true)]);
  const v3 = { model_version: '3' };
  assert.equal(await sum(registry, 'riskstream_value_realised_benefit_total', v3), 110);
  assert.equal(await sum(registry, 'riskstream_value_realised_cost_total', v3), 5);
  assert.equal(await sum(registry, 'riskstream_value_realised_events_total', v3), 3);
});

test('value ledger: per version and experiment arm; records without the fields count under empty labels', async () => {
  const { registry, ledger } = setup();
  ledger.addScored([
    scored('x1', { model_version: 3, experiment: 'exp1', experiment_arm: 'champion' }),
    scored('x2', { model_version: 4, experiment: 'exp1', experiment_arm: 'v4' }),
    scored('x3', { model_version: 4, experiment: null, experiment_arm: null }),
    scored('x4', { model_version: 4 }),
  ]);
  ledger.addLabels([label('x1', true), label('x2', false), label('x3', true)]);
  assert.equal(await sum(registry, 'riskstream_value_realised_benefit_total', { model_version: '3', experiment: 'exp1', arm: 'champion' }), 110);
  assert.equal(await sum(registry, 'riskstream_value_realised_cost_total', { model_version: '4', experiment: 'exp1', arm: 'v4' }), 5);
  assert.equal(await sum(registry, 'riskstream_value_realised_benefit_total', { model_version: '4', experiment: '', arm: '' }), 110);
  assert.equal(await sum(registry, 'riskstream_value_estimated_events_total', { model_version: '4', experiment: '', arm: '' }), 2);
});

test('value ledger: other models and malformed amounts or scores are not counted', async () => {
  const { registry, ledger } = setup();
  ledger.addScored([scored('o', { model_name: 'other' }), scored('n', { amount: Number.NaN }), scored('s', { score: 2 }), scored('ok')]);
  assert.equal(await sum(registry, 'riskstream_value_estimated_events_total'), 1);
});

test('value ledger: (experiment, arm) pairs past the cap count under one overflow series', async () => {
  const { registry, ledger } = setup();
  ledger.addScored(Array.from({ length: MAX_ARMS + 10 }, (_, i) => scored(`t${i}`, { experiment: 'e', experiment_arm: `arm${i}` })));
  assert.equal(ledger.arms.length, MAX_ARMS + 1);
  assert.equal(await sum(registry, 'riskstream_value_estimated_events_total', { arm: OVERFLOW_ARM }), 11);
});
