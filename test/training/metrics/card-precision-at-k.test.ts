import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { cardPrecisionAtK } from '../../../training/src/metrics/card-precision-at-k.ts';

// Day 0: card 1 max .9 (fraud), card 2 max .8 (two tx, no fraud), card 3 .1 (fraud).
// Day 1: card 1 .2 (fraud), card 4 .7 (no fraud).
const day = [0, 0, 0, 0, 1, 1];
const card = [1, 2, 2, 3, 1, 4];
const score = [0.9, 0.3, 0.8, 0.1, 0.2, 0.7];
const label = [1, 0, 0, 1, 1, 0];

test('per day, the k cards with the highest max score; precision averaged over days', () => {
  const r = cardPrecisionAtK(day, card, score, label, { k: 2 });
  assert.deepEqual(r.perDay.map((d) => d.precision), [0.5, 0.5]);
  assert.equal(r.mean, 0.5);
  assert.deepEqual(r.perDay.map((d) => d.cards), [3, 2]);
});

test('k larger than the cards of a day still divides by k', () => {
  const r = cardPrecisionAtK(day, card, score, label, { k: 3 });
  assert.deepEqual(r.perDay.map((d) => d.precision), [2 / 3, 1 / 3]);
});

test("the handbook's sequential variant drops cards already detected", () => {
  const r = cardPrecisionAtK(day, card, score, label, { k: 2, excludeDetected: true });
  assert.deepEqual(r.perDay.map((d) => d.precision), [0.5, 0]);
  assert.equal(r.mean, 0.25);
});

test('any fraud transaction marks the card, not only the max-score one', () => {
  const r = cardPrecisionAtK([0, 0, 0], [5, 5, 6], [0.9, 0.1, 0.5], [0, 1, 0], { k: 1 });
  assert.equal(r.mean, 1);
  assert.throws(() => cardPrecisionAtK(day, card, score, label, { k: 0 }), ConfigError);
});
