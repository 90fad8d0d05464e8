import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cardNumberFor, isLuhnValid, luhnCheckDigit } from '../../../training/src/simulator/card-number.ts';
import { generateCustomerProfiles } from '../../../training/src/simulator/customers.ts';

test('Luhn check digit and validation agree with known numbers', () => {
  assert.equal(luhnCheckDigit('411111111111111'), 1);
  assert.equal(luhnCheckDigit('7992739871'), 3);
  assert.ok(isLuhnValid('4111111111111111'));
  assert.ok(isLuhnValid('4000000000000002'));
  assert.ok(!isLuhnValid('4111111111111112'));
  assert.ok(!isLuhnValid('4111-1111-1111-1111'));
});

test('every customer gets a distinct 16-digit Luhn-valid card in the 4000 00xx test range', () => {
  const customers = generateCustomerProfiles(5_000, 11);
  const seen = new Set<string>();
  for (const card of customers.cardNumber) {
    assert.match(card, /^400000\d{10}$/);
    assert.ok(isLuhnValid(card), card);
    seen.add(card);
  }
  assert.equal(seen.size, 5_000);
});

test('card numbers are deterministic per seed and differ across seeds', () => {
  assert.equal(cardNumberFor(1, 42), cardNumberFor(1, 42));
  assert.notEqual(cardNumberFor(1, 42), cardNumberFor(2, 42));
  assert.notEqual(cardNumberFor(1, 42), cardNumberFor(1, 43));
});
