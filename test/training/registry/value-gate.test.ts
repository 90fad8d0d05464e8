import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError, type ValueSettings } from '@riskstream/shared';
import { evaluateGate, type GateInput } from '../../../training/src/registry/promotion-gate.ts';
import { holdoutAmounts, rowValues, totalValue } from '../../../training/src/registry/value-gate.ts';
import { mulberry32 } from '../../../training/bench/random-model.ts';

const SETTINGS: ValueSettings = { currency: 'EUR', declinePreventedShare: 1, reviewCost: 3, falseDeclineCost: 5, falseDeclineShare: 0.1, chargebackCost: 15 };
const THRESHOLDS = { review: 0.3, decline: 0.7 };

/** 4,000 rows, 5% fraud; frauds are larger on average; a model's quality is how much noise hides the label. */
function holdout(seed: number) {
  const rand = mulberry32(seed);
  const labels = Uint8Array.from({ length: 4000 }, () => (rand() < 0.05 ? 1 : 0));
  const amounts = Float64Array.from(labels, (y) => Math.round((20 + rand() * (y ? 400 : 150)) * 100) / 100);
  const scorer = (noise: number, s: number): Float64Array => {
    const r = mulberry32(s);
    return Float64Array.from(labels, (y) => 1 / (1 + Math.exp(-(4 * y - 3 + noise * (r() + r() + r() - 1.5) * 4))));
  };
  return { labels, amounts, scorer };
}

const { labels, amounts, scorer } = holdout(11);
const champion = scorer(1.2, 2);
const gate = (over: Partial<GateInput>): GateInput => ({
  challengerScores: champion,
  championScores: champion,
  labels,
  metric: 'value',
  margin: 50,
  bootstrap: { iterations: 300, seed: 7, confidence: 0.95 },
  onnxLoads: true,
  value: { settings: SETTINGS, amounts, challengerThresholds: THRESHOLDS, championThresholds: THRESHOLDS },
  ...over,
});

test('value gate: row values follow each model\'s decisions at its own thresholds', () => {
  const v = rowValues({ settings: SETTINGS, amounts: [100, 100, 100, 100], challengerThresholds: THRESHOLDS }, [0.1, 0.5, 0.9, 0.9], [1, 1, 1, 0], THRESHOLDS);
  assert.deepEqual([...v], [0, 115 - 3, 115, -(5 + 10)]);
  assert.equal(totalValue(v), 0 + 112 + 115 - 15);
});

test('value gate: promotes a challenger whose decisions are worth more, in currency, with a paired CI', () => {
  const r = evaluateGate(gate({ challengerScores: scorer(0.4, 3) }));
  assert.equal(r.promote, true, r.reasons.join('\n'));
  assert.equal(r.metric, 'value');
  assert.equal(r.currency, 'EUR');
  const want = totalValue(rowValues(gate({}).value!, scorer(0.4, 3), labels, THRESHOLDS)) - totalValue(rowValues(gate({}).value!, champion, labels, THRESHOLDS));
  assert.ok(Math.abs(r.delta - want) < 1e-6 && r.delta >= 50 && r.ci[0] > 0, JSON.stringify(r));
  assert.match(r.reasons[0]!, /value .* EUR vs champion .* EUR: delta .* EUR >= margin 50\.00 EUR/);
});

test('value gate: refuses the same model, and a worse one', () => {
  const same = evaluateGate(gate({}));
  assert.equal(same.promote, false);
  assert.equal(same.delta, 0);
  const worse = evaluateGate(gate({ challengerScores: scorer(2.5, 4) }));
  assert.equal(worse.promote, false);
  assert.ok(worse.delta < 0);
});

test('value gate: the same scores at worse thresholds lose (thresholds are part of what is judged)', () => {
  const r = evaluateGate(gate({ margin: 0, value: { settings: SETTINGS, amounts, challengerThresholds: { review: 0.01, decline: 0.02 }, championThresholds: THRESHOLDS } }));
  assert.equal(r.promote, false);
  assert.ok(r.delta < 0, JSON.stringify(r));
});

test('value gate: without a champion the baseline is approving everything (value 0)', () => {
  const first = evaluateGate(gate({ championScores: undefined, challengerScores: scorer(0.4, 3), value: { settings: SETTINGS, amounts, challengerThresholds: THRESHOLDS } }));
  assert.equal(first.promote, true, first.reasons.join('\n'));
  assert.equal(first.champion, 0);
  assert.match(first.reasons[0]!, /approve-everything baseline/);
  // Declining everything is worth less than approving everything here: refused.
  const declineAll = evaluateGate(gate({ championScores: undefined, value: { settings: SETTINGS, amounts, challengerThresholds: { review: 0, decline: 0 } } }));
  assert.equal(declineAll.promote, false);
});

test('value gate: missing or bad value inputs are a ValidationError', () => {
  assert.throws(() => evaluateGate(gate({ value: undefined })), ValidationError);
  assert.throws(() => evaluateGate(gate({ value: { settings: SETTINGS, amounts: amounts.subarray(1), challengerThresholds: THRESHOLDS, championThresholds: THRESHOLDS } })), /value.amounts/);
  assert.throws(() => evaluateGate(gate({ value: { settings: SETTINGS, amounts, challengerThresholds: THRESHOLDS } })), /championThresholds/);
  const bad = Float64Array.from(amounts);
  bad[5] = Number.NaN;
  assert.throws(() => evaluateGate(gate({ value: { settings: SETTINGS, amounts: bad, challengerThresholds: THRESHOLDS, championThresholds: THRESHOLDS } })), /amounts\[5\]/);
});

test('value gate: holdout amounts from the training set, else the TX_AMOUNT feature, else an error', () => {
  const dataset = { featureNames: ['A', 'TX_AMOUNT'], cols: 2, x: Float32Array.from([0, 10.5, 0, 20, 0, 30.25]) };
  const testIndex = Uint32Array.from([2, 0]);
  assert.deepEqual([...holdoutAmounts({ amounts: Float64Array.from([1, 2, 3]), testIndex, dataset })], [3, 1]);
  assert.deepEqual([...holdoutAmounts({ testIndex, dataset })], [30.25, 10.5]);
  assert.throws(() => holdoutAmounts({ testIndex, dataset: { ...dataset, featureNames: ['A', 'B'] } }), ValidationError);
});
