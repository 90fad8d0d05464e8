import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_VALUE_MODEL, ValidationError, createValueModel, loadValueModel } from '@riskstream/shared';

const settings = {
  currency: 'USD',
  declinePreventedShare: 0.8,
  reviewCost: 2,
  falseDeclineCost: 4,
  falseDeclineShare: 0.05,
  chargebackCost: 20,
};

test('defaults: EUR, a full decline prevents the amount and the chargeback fee', () => {
  assert.equal(DEFAULT_VALUE_MODEL.currency, 'EUR');
  assert.equal(DEFAULT_VALUE_MODEL.realised('DECLINE', 100, true), 100 + 15);
  assert.equal(DEFAULT_VALUE_MODEL.realised('DECLINE', 100, false), -(5 + 10));
  assert.equal(DEFAULT_VALUE_MODEL.realised('REVIEW', 100, true), 115 - 3);
  assert.equal(DEFAULT_VALUE_MODEL.realised('REVIEW', 100, false), -3);
  assert.ok(Object.isFrozen(DEFAULT_VALUE_MODEL));
});

test('approving is the baseline: zero whatever the label or probability', () => {
  const m = createValueModel(settings);
  assert.equal(m.realised('APPROVE', 500, true), 0);
  assert.equal(m.realised('APPROVE', 500, false), 0);
  assert.equal(m.expected('APPROVE', 500, 0.7), 0);
});

test('realised value uses every setting with its unit', () => {
  const m = createValueModel(settings);
  assert.equal(m.currency, 'USD');
  assert.equal(m.realised('DECLINE', 200, true), 0.8 * 200 + 20);
  assert.equal(m.realised('DECLINE', 200, false), -(4 + 0.05 * 200));
  assert.equal(m.realised('REVIEW', 200, true), 0.8 * 200 + 20 - 2);
  assert.equal(m.realised('REVIEW', 200, false), -2);
});

test('expected value is the probability-weighted mean of the realised outcomes', () => {
  const m = createValueModel(settings);
  for (const d of ['APPROVE', 'REVIEW', 'DECLINE'] as const) {
    for (const p of [0, 0.25, 1]) {
      const want = p * m.realised(d, 80, true) + (1 - p) * m.realised(d, 80, false);
      assert.ok(Math.abs(m.expected(d, 80, p) - want) < 1e-9, `${d} p=${p}`);
    }
  }
});

test('a model that declines the fraud and approves the rest beats approve-everything and decline-everything', () => {
  const m = DEFAULT_VALUE_MODEL;
  const txs = [{ amount: 300, fraud: true }, { amount: 40, fraud: false }, { amount: 60, fraud: false }];
  const total = (decide: (t: { fraud: boolean }) => 'APPROVE' | 'DECLINE') => txs.reduce((s, t) => s + m.realised(decide(t), t.amount, t.fraud), 0);
  const perfect = total((t) => (t.fraud ? 'DECLINE' : 'APPROVE'));
  assert.ok(perfect > total(() => 'APPROVE'));
  assert.ok(perfect > total(() => 'DECLINE'));
});

test('loadValueModel reads VALUE_* and reports every bad variable at once', () => {
  const m = loadValueModel({ VALUE_CURRENCY: 'GBP', VALUE_REVIEW_COST: '7.5', VALUE_CHARGEBACK_COST: '0' });
  assert.equal(m.currency, 'GBP');
  assert.equal(m.realised('REVIEW', 10, false), -7.5);
  assert.equal(m.realised('DECLINE', 10, true), 10);
  let err: unknown;
  try {
    loadValueModel({ VALUE_CURRENCY: 'euro', VALUE_DECLINE_PREVENTED_SHARE: '1.5', VALUE_REVIEW_COST: '-1', VALUE_FALSE_DECLINE_SHARE: 'x' });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.issues.map((i) => i.field).sort(), ['VALUE_CURRENCY', 'VALUE_DECLINE_PREVENTED_SHARE', 'VALUE_FALSE_DECLINE_SHARE', 'VALUE_REVIEW_COST']);
});

test('a negative amount, a probability outside [0, 1] or an unknown decision is a ValidationError', () => {
  const m = DEFAULT_VALUE_MODEL;
  assert.throws(() => m.realised('DECLINE', -1, true), ValidationError);
  assert.throws(() => m.expected('DECLINE', 1, 1.2), ValidationError);
  assert.throws(() => m.expected('DECLINE', 1, Number.NaN), ValidationError);
  assert.throws(() => m.realised('BLOCK' as 'DECLINE', 1, true), ValidationError);
});
