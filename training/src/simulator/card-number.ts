/**
 * Synthetic card numbers: 16 digits, Luhn-valid, in the Visa test range 4000 00xx, one per customer.
 *
 * The 9 account digits are an affine bijection of the customer id modulo 10^9, with a seed-dependent
 * offset: every customer of a run gets a distinct number (random digits would collide with ~1% chance
 * among 5,000 customers), and a different seed gives a different set of numbers.
 */

import { deriveSeed, STREAM } from './random.ts';

const ISSUER_PREFIX = '400000';
const ACCOUNT_SPACE = 1_000_000_000n;
// Odd and not a multiple of 5, hence invertible modulo 10^9: the map below is a bijection.
const ACCOUNT_MULTIPLIER = 738_219_451n;

/** Largest customer id that still gets a unique number. */
export const MAX_CARD_CUSTOMERS = 1_000_000_000;

/** The Luhn check digit for a string of digits (the check digit itself not included). */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  // Doubling starts with the rightmost payload digit, since the check digit will sit to its right.
  for (let i = payload.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = payload.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(cardNumber: string): boolean {
  if (!/^[0-9]{2,}$/.test(cardNumber)) return false;
  return luhnCheckDigit(cardNumber.slice(0, -1)) === cardNumber.charCodeAt(cardNumber.length - 1) - 48;
}

export function cardNumberFor(seed: number, customerId: number): string {
  const offset = BigInt(deriveSeed(seed, STREAM.cardNumber)) % ACCOUNT_SPACE;
  const account = (BigInt(customerId) * ACCOUNT_MULTIPLIER + offset) % ACCOUNT_SPACE;
  const payload = ISSUER_PREFIX + account.toString().padStart(9, '0');
  return payload + String(luhnCheckDigit(payload));
}
