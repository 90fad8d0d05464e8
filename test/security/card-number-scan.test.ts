import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import avro from 'avsc';
import { cardNumberFor, isLuhnValid } from '@riskstream/training';
import { CardNumberScan, findCardNumbers, findCardNumbersInValue } from '../support/card-number-scan.ts';

const VISA = '4000001234567899';
const AMEX = '378282246310005';
const VISA_13 = '4222222222222';
const NINETEEN = [...'0123456789'].map((d) => `601100099013942400${d}`).find(isLuhnValid)!;

const digits = (input: string | Uint8Array) => findCardNumbers(input).map((h) => h.digits);

test('the fixtures are what they claim: Luhn-valid 13 to 19 digit numbers', () => {
  for (const n of [VISA, AMEX, VISA_13]) assert.ok(isLuhnValid(n), n);
  assert.equal(NINETEEN.length, 19);
});

test('finds a card number embedded in text, JSON, a log line, a URL and a Prometheus label', () => {
  assert.deepEqual(digits(`card=${VISA};`), [VISA]);
  assert.deepEqual(digits(JSON.stringify({ card_number: VISA, amount: 12.5 })), [VISA]);
  assert.deepEqual(digits(`{"level":30,"msg":"rejected ${AMEX} (bad currency)"}`), [AMEX]);
  assert.deepEqual(digits(`https://x.test/cards/${VISA_13}/limits`), [VISA_13]);
  assert.deepEqual(digits(`riskstream_x_total{card="${VISA}"} 3`), [VISA]);
  assert.deepEqual(digits(`x${VISA}y`), [VISA]);
  assert.deepEqual(digits(`id ${NINETEEN}.`), [NINETEEN]);
});

test('finds the printed forms with spaces or dashes between groups of four', () => {
  assert.deepEqual(digits('card 4000 0012 3456 7899 declined'), [VISA]);
  assert.deepEqual(digits('4000-0012-3456-7899'), [VISA]);
});

test('finds card numbers inside binary encodings: Avro, a length-prefixed Redis value, random bytes around it', () => {
  const type = avro.Type.forSchema({ type: 'record', name: 'T', fields: [{ name: 'id', type: 'string' }, { name: 'card', type: 'string' }, { name: 'ts', type: 'long' }] });
  const avroBytes = type.toBuffer({ id: 'tx-1', card: VISA, ts: 1_733_560_000_000 });
  assert.deepEqual(digits(avroBytes), [VISA]);
  const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 7, 0xff, 0x10]), Buffer.from(AMEX), Buffer.from([0x9c, 0x01, 0x00])]);
  assert.deepEqual(digits(framed), [AMEX]);
  assert.deepEqual(digits(new Uint8Array(framed.buffer, framed.byteOffset + 5, framed.length - 5)), [AMEX]);
});

test('finds every card of a simulated population in a decoded record', () => {
  for (let customer = 0; customer < 200; customer++) {
    const card = cardNumberFor(7, customer);
    assert.deepEqual(findCardNumbersInValue({ nested: { list: [1, card] }, big: 10n }).map((h) => h.digits), [card]);
  }
  assert.deepEqual(findCardNumbersInValue({ bytes: Buffer.from(`..${VISA}..`) }).map((h) => h.digits), [VISA]);
});

test('ignores numbers that are not cards: Luhn-invalid, too short or too long, glued to more digits', () => {
  assert.deepEqual(digits('4000001234567890'), []);
  assert.deepEqual(digits('400000123456'), []);
  assert.deepEqual(digits(`1${VISA}0000`), []);
  assert.deepEqual(digits('12345678901234567890123'), []);
});

test('ignores digit runs inside HMAC tokens and hashes, and epoch-millisecond timestamps', () => {
  // Look for tokens whose hex holds a Luhn-valid 13+ digit run: they exist, and they are not card numbers.
  let tokensWithRuns = 0;
  for (let i = 0; i < 20_000 && tokensWithRuns < 3; i++) {
    const token = createHmac('sha256', 'k').update(String(i)).digest('hex');
    const runs = [...token.matchAll(/(?<!\d)\d{13,19}(?!\d)/g)].filter((m) => isLuhnValid(m[0]));
    if (runs.length === 0) continue;
    tokensWithRuns++;
    assert.deepEqual(digits(`{"card_token":"${token}"}`), [], token);
  }
  assert.ok(tokensWithRuns > 0, 'no token with a Luhn-valid digit run found');
  // 2018-04-01 in ms, Luhn-valid: an event_time, not a card.
  const eventTime = [...Array(1000).keys()].map((i) => String(1_522_540_800_000 + i)).find(isLuhnValid)!;
  assert.deepEqual(digits(`{"event_time":${eventTime}}`), []);
  // The rule is narrow: the same digits are a hit when they are not a timestamp-sized number.
  assert.deepEqual(digits(VISA_13), [VISA_13]);
  // The fractional digits of a decimal number (a float feature as JSON prints it), but not a sentence's end.
  assert.deepEqual(digits(`{"f":0.${VISA},"g":12.${AMEX}}`), []);
  assert.deepEqual(digits(`declined.${VISA}`), [VISA]);
});

test('CardNumberScan collects findings by source with evidence', () => {
  const scan = new CardNumberScan();
  scan.scan('topic a', `x ${VISA} y`);
  scan.scan('redis b', Buffer.from('nothing here'));
  scan.scanValue('row c', { card: AMEX });
  assert.equal(scan.findings.length, 2);
  assert.equal(scan.scannedItems, 3);
  assert.match(scan.summary(), new RegExp(`topic a: ${VISA} at 2\\nrow c: ${AMEX}`));
});
