import { test } from 'node:test';
import assert from 'node:assert/strict';
import avsc from 'avsc';
import { readSchemaFile } from '@riskstream/shared';
import { maskCardNumbers, maskKey, maskPayload } from '../../../services/ingest/src/card-number-masking.ts';
import { findKnownCardNumbers, findLuhnValidRuns, pan, rawTx } from './transaction-fixtures.ts';

const card = pan(1234567); // 4000 0000 1234 5675-style, 16 digits
const masked16 = card.slice(0, 6) + '******' + card.slice(-4);

test('a 12-19 digit run keeps BIN and last four; the rest becomes *, length preserved', () => {
  assert.equal(maskCardNumbers(card), masked16);
  assert.equal(maskCardNumbers(pan(5, 12)), pan(5, 12).slice(0, 6) + '**' + pan(5, 12).slice(-4));
  assert.equal(maskCardNumbers(pan(5, 19)), pan(5, 19).slice(0, 6) + '*'.repeat(9) + pan(5, 19).slice(-4));
  assert.equal(maskCardNumbers(`card ${card} declined`), `card ${masked16} declined`);
});

test('short numbers are left alone: amounts, dates, 11-digit runs', () => {
  const text = 'amount 1234.56 on 2025-06-01 12:00, ref 12345678901, ip 10.1.2.3';
  assert.equal(maskCardNumbers(text), text);
});

test('runs typed with separators are masked as one run, separators kept', () => {
  const spaced = card.replace(/(\d{4})(?=\d)/g, '$1 ');
  const dashed = card.replace(/(\d{4})(?=\d)/g, '$1-');
  assert.equal(maskCardNumbers(spaced), `${card.slice(0, 4)} ${card.slice(4, 6)}** **** ${card.slice(-4)}`);
  assert.equal(maskCardNumbers(dashed), `${card.slice(0, 4)}-${card.slice(4, 6)}**-****-${card.slice(-4)}`);
  for (const variant of [card.split('').join('.'), card.split('').join('/'), card.split('').join(' - ')]) {
    assert.deepEqual(findKnownCardNumbers(maskCardNumbers(variant), [card]), [], variant);
  }
});

test('JSON: inside strings, behind \\u escapes, and as numbers', () => {
  const escaped = card.split('').map((d) => `\\u003${d}`).join('');
  const json = `{"card_number":"${card}","e":"${escaped}","E":"\\u0034${card.slice(1)}"}`;
  const out = maskCardNumbers(json);
  assert.deepEqual(findKnownCardNumbers(out, [card]), []);
  assert.deepEqual(JSON.parse(out), { card_number: masked16, e: masked16, E: masked16 });
  // A PAN sent as a JSON number (or a 13-digit epoch-ms time) becomes its masked text: still JSON.
  const numbers = JSON.parse(maskPayload(Buffer.from(`{"n": ${card}, "big": 4000001234567891234, "t": 1748779200000, "amount": 12.5, "${card}": 1}`)).toString()) as Record<string, unknown>;
  assert.deepEqual(numbers, { n: masked16, big: '400000*********1234', t: '174877***0000', amount: 12.5, [masked16]: 1 });
  const parsed = JSON.parse(maskPayload(Buffer.from(JSON.stringify(rawTx(1, { card_number: card })))).toString('utf8')) as Record<string, unknown>;
  assert.equal(parsed['card_number'], masked16, 'a masked JSON payload is still JSON');
  assert.equal(parsed['transaction_id'], 'tx-000001');
});

test('plain text and undecodable bytes (invalid UTF-8, UTF-16) are masked byte by byte', () => {
  const garbage = Buffer.concat([Buffer.from([0xff, 0xfe, 0x80]), Buffer.from(`x${card}y`), Buffer.from([0xc3])]);
  const out = maskPayload(garbage);
  assert.equal(out.length, garbage.length);
  assert.deepEqual(findKnownCardNumbers(out, [card]), []);
  assert.deepEqual([...out.subarray(0, 3)], [0xff, 0xfe, 0x80], 'the other bytes are untouched');

  const utf16 = Buffer.from(`{"card_number":"${card}"}`, 'utf16le');
  assert.deepEqual(findKnownCardNumbers(maskPayload(utf16), [card]), []);
  const utf8 = Buffer.from(`{"name":"Zoë ✓","card":"${card}"}`);
  assert.equal(maskPayload(utf8).toString('utf8'), `{"name":"Zoë ✓","card":"${masked16}"}`, 'valid UTF-8 stays valid');
});

test('Confluent Avro is masked in place and still decodes', () => {
  const type = avsc.Type.forSchema(JSON.parse(readSchemaFile('transaction-raw')) as avsc.Schema);
  const body = type.toBuffer({ ...rawTx(3, { card_number: card }) });
  const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 42]), body]);
  const out = maskPayload(framed);
  assert.equal(out.length, framed.length);
  assert.deepEqual(findKnownCardNumbers(out, [card]), []);
  const decoded = type.fromBuffer(out.subarray(5)) as { card_number: string; transaction_id: string };
  assert.equal(decoded.transaction_id, 'tx-000003');
  // Here the id's trailing digits and the string's length byte (0x20, a space) join the PAN into one
  // run, so even the BIN is hidden: masking errs towards hiding more, never less.
  assert.match(decoded.card_number, /^[0-9*]{16}$/);
  assert.ok(decoded.card_number.endsWith(card.slice(-4)));
  assert.ok((decoded.card_number.match(/\*/g) ?? []).length >= 6);

  const separate = type.toBuffer({ ...rawTx(3, { transaction_id: 'tx-a', card_number: card }) });
  const separateOut = type.fromBuffer(maskPayload(Buffer.concat([Buffer.from([0, 0, 0, 0, 42]), separate])).subarray(5)) as { card_number: string };
  assert.equal(separateOut.card_number, masked16);
});

test('keys: a card-number key is masked, a null key stays null', () => {
  assert.equal(maskKey(Buffer.from(card))!.toString(), masked16);
  assert.equal(maskKey(null), null);
});

test('property: random payloads with a random PAN somewhere never keep it in clear', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 500; i++) {
    const p = pan(Math.floor(rnd() * 1e9), 12 + Math.floor(rnd() * 8), String(2 + Math.floor(rnd() * 7)));
    const junk = Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)));
    const sep = ['', ' ', '-', '\u0000'][Math.floor(rnd() * 4)]!;
    const typed = sep ? p.replace(/(\d{4})(?=\d)/g, `$1${sep}`) : p;
    const payload = Buffer.concat([junk, Buffer.from(typed, 'latin1'), junk.subarray(0, 5)]);
    const out = maskPayload(payload);
    assert.deepEqual(findKnownCardNumbers(out, [p]), [], `case ${i}`);
    assert.deepEqual(findLuhnValidRuns(out.toString('latin1')).filter((r) => p.includes(r)), [], `case ${i}`);
  }
});
