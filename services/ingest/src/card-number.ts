/**
 * What a card number (PAN) looks like to ingest: 12 to 19 ASCII digits whose Luhn check digit is right.
 * Card schemes issue 12-19 digit PANs (ISO/IEC 7812); the Luhn check catches single-digit typos and most
 * transpositions, so a record that fails it is a client bug, not a card we could ever score.
 */

export const MIN_CARD_DIGITS = 12;
export const MAX_CARD_DIGITS = 19;

const PAN_SHAPE = /^[0-9]{12,19}$/;

export function isLuhnValid(digits: string): boolean {
  if (!/^[0-9]+$/.test(digits)) return false;
  let sum = 0;
  // From the right, every second digit is doubled; the check digit itself is not.
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function isCardNumber(value: string): boolean {
  return PAN_SHAPE.test(value) && isLuhnValid(value);
}

/** Issuer identification number as ISO 7812 defined it: the first six digits. */
export function cardBin(cardNumber: string): string {
  return cardNumber.slice(0, 6);
}

export function cardLast4(cardNumber: string): string {
  return cardNumber.slice(-4);
}
