import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ConfigError, loadConfig } from '@riskstream/shared';
import { CardTokenizer, checkCardTokenKeys, parseCardTokenKeys } from '../../../services/ingest/src/card-token.ts';
import { checkIngestConfig, ingestConfigSchema } from '../../../services/ingest/src/config.ts';
import { pan, TEST_KEYS } from './transaction-fixtures.ts';

const secret1 = Buffer.alloc(32, 1);

test('a token is the hex HMAC-SHA256 of the card number under the active key, with BIN and last four', () => {
  const t = new CardTokenizer(parseCardTokenKeys(TEST_KEYS), 'k1');
  const card = pan(42);
  const token = t.tokenize(card);
  assert.deepEqual(token, {
    card_token: createHmac('sha256', secret1).update(card).digest('hex'),
    card_key_id: 'k1',
    card_bin: card.slice(0, 6),
    card_last4: card.slice(-4),
  });
  assert.match(token.card_token, /^[0-9a-f]{64}$/);
});

test('tokens are deterministic and differ per card and per key', () => {
  const keys = parseCardTokenKeys(TEST_KEYS);
  const a = new CardTokenizer(keys, 'k1');
  const b = new CardTokenizer(keys, 'k1');
  assert.equal(a.tokenize(pan(1)).card_token, b.tokenize(pan(1)).card_token);
  assert.notEqual(a.tokenize(pan(1)).card_token, a.tokenize(pan(2)).card_token);
  assert.notEqual(a.tokenWith('k1', pan(1)), a.tokenWith('k2', pan(1)));
});

test('rotation: after switching the active key, tokens made under the old key still verify by their key id', () => {
  const before = new CardTokenizer(parseCardTokenKeys(TEST_KEYS.split(',')[0]!));
  const old = before.tokenize(pan(9));
  assert.equal(old.card_key_id, 'k1');

  // Rotation = add k2, switch the active key to it, keep k1 listed while old tokens matter.
  const after = new CardTokenizer(parseCardTokenKeys(TEST_KEYS), 'k2');
  const fresh = after.tokenize(pan(9));
  assert.equal(fresh.card_key_id, 'k2');
  assert.notEqual(fresh.card_token, old.card_token);
  assert.ok(after.verify(pan(9), old.card_token, old.card_key_id), 'old token verifies under its key id');
  assert.ok(after.verify(pan(9), fresh.card_token, 'k2'));
  assert.ok(!after.verify(pan(9), old.card_token, 'k2'), 'a token checked against the wrong key fails');
  assert.ok(!after.verify(pan(10), old.card_token, 'k1'), 'another card fails');
  assert.ok(!after.verify(pan(9), old.card_token, 'k0'), 'an unknown key id fails rather than throws');
  assert.throws(() => after.tokenWith('k0', pan(9)), { code: 'NOT_FOUND' });
});

test('key lists are checked: format, duplicates, short secrets, active key; no secret appears in a message', () => {
  const short = Buffer.alloc(8, 7).toString('base64');
  const issues = checkCardTokenKeys(`k1:${secret1.toString('base64')},k1:${secret1.toString('base64')},k3:${short},bad id:xx`, 'k9');
  const text = issues.map((i) => `${i.field}: ${i.problem}`).join('\n');
  assert.match(text, /"k1" is listed twice/);
  assert.match(text, /secret of key "k3" must be base64 of at least 16 bytes/);
  assert.match(text, /entry 4 must be <key id>:<base64 secret>/);
  assert.match(text, /CARD_TOKEN_ACTIVE_KEY: names key "k9"/);
  assert.ok(!text.includes(secret1.toString('base64')) && !text.includes(short));
  assert.deepEqual(checkCardTokenKeys(TEST_KEYS, undefined).map((i) => i.field), ['CARD_TOKEN_ACTIVE_KEY'], 'several keys need an active one');
  assert.deepEqual(checkCardTokenKeys(TEST_KEYS.split(',')[0]!, undefined), [], 'one key is active by default');
  assert.throws(() => parseCardTokenKeys('k1:c2hvcnQ='), ConfigError);
  assert.throws(() => new CardTokenizer([]), ConfigError);
  assert.throws(() => new CardTokenizer(parseCardTokenKeys(TEST_KEYS)), ConfigError);
});

test('config: CARD_TOKEN_KEYS is required and secret; a bad one is reported without its value', () => {
  assert.throws(() => loadConfig(ingestConfigSchema, {}), (err: ConfigError) => err.issues.some((i) => i.field === 'CARD_TOKEN_KEYS' && /required/.test(i.problem)));
  assert.equal(ingestConfigSchema.cardTokenKeys.secret, true);
  const leaky = 'k1:' + 'A'.repeat(10) + '!notbase64';
  assert.throws(
    () => loadConfig(ingestConfigSchema, { CARD_TOKEN_KEYS: leaky }, checkIngestConfig),
    (err: ConfigError) => !err.message.includes('notbase64') && err.issues.some((i) => i.field === 'CARD_TOKEN_KEYS'),
  );
  const c = loadConfig(ingestConfigSchema, { CARD_TOKEN_KEYS: TEST_KEYS, CARD_TOKEN_ACTIVE_KEY: 'k2' }, checkIngestConfig);
  assert.equal(c.cardTokenActiveKey, 'k2');
  assert.equal(c.maxAmount, 1_000_000);
  assert.equal(c.maxFutureMinutes, 10);
  assert.equal(c.dedupHorizonSeconds, 86400);
  assert.equal(c.httpPort, 8091);
  assert.throws(
    () => loadConfig(ingestConfigSchema, { CARD_TOKEN_KEYS: TEST_KEYS, CARD_TOKEN_ACTIVE_KEY: 'k1', INGEST_HTTP_MAX_RECORDS: '500', INGEST_HTTP_MAX_IN_FLIGHT_RECORDS: '100' }, checkIngestConfig),
    /INGEST_HTTP_MAX_IN_FLIGHT_RECORDS/,
  );
});
