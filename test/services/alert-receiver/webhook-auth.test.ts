import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  BearerTokenAuthenticator,
  checkSecretKeys,
  GrafanaSignatureAuthenticator,
  grafanaSignature,
  parseSecretKeys,
  WebhookAuthError,
  type AuthFailureReason,
} from '../../../services/alert-receiver/src/webhook-auth.ts';
import { FakeClock, fixtureText } from './alert-fakes.ts';

const OLD = 'old-grafana-secret-0123456789';
const NEW = 'new-grafana-secret-abcdefghij';
const KEYS = parseSecretKeys(`g1:${OLD},g2:${NEW}`);
const body = Buffer.from(fixtureText('grafana-12.json'));

function grafana(clock: FakeClock, keys = KEYS) {
  return new GrafanaSignatureAuthenticator({
    keys,
    signatureHeader: 'X-Grafana-Alerting-Signature',
    timestampHeader: 'X-Grafana-Alerting-Timestamp',
    maxAgeSeconds: 300,
    maxFutureSeconds: 60,
    now: clock.now,
  });
}

/** Headers as Grafana's HMAC round tripper sets them (Node lower-cases incoming header names). */
function signed(secret: string, timestamp: number, b: Buffer = body): Record<string, string> {
  return {
    'x-grafana-alerting-signature': grafanaSignature(secret, String(timestamp), b),
    'x-grafana-alerting-timestamp': String(timestamp),
  };
}

function refusal(fn: () => unknown): AuthFailureReason {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WebhookAuthError, `expected WebhookAuthError, got ${String(err)}`);
    assert.equal(err.code, 'UNAUTHORIZED');
    return err.reason;
  }
  assert.fail('expected a refusal');
}

test('grafanaSignature is hex HMAC-SHA256 over "<timestamp>:<body>", as grafana/alerting http/hmac.go signs', () => {
  const expected = createHmac('sha256', 'secret').update('1700000000:{"a":1}').digest('hex');
  assert.equal(grafanaSignature('secret', '1700000000', '{"a":1}'), expected);
});

test('grafana: a valid signature under either configured key passes and names the key', () => {
  const clock = new FakeClock();
  const ts = Math.floor(clock.ms / 1000);
  assert.equal(grafana(clock).verify(signed(OLD, ts), body), 'g1');
  assert.equal(grafana(clock).verify(signed(NEW, ts), body), 'g2');
  const upper = signed(NEW, ts);
  upper['x-grafana-alerting-signature'] = upper['x-grafana-alerting-signature']!.toUpperCase();
  assert.equal(grafana(clock).verify(upper, body), 'g2', 'hex case does not matter');
});

test('grafana: wrong secret, tampered body, tampered timestamp -> wrong_credentials', () => {
  const clock = new FakeClock();
  const ts = Math.floor(clock.ms / 1000);
  assert.equal(refusal(() => grafana(clock).verify(signed('some-other-secret-xxxxxxxx', ts), body)), 'wrong_credentials');
  const tampered = Buffer.from(body.toString().replace('"action": "rollback"', '"action": "retrain"'));
  assert.notDeepEqual(tampered, body);
  assert.equal(refusal(() => grafana(clock).verify(signed(NEW, ts), tampered)), 'wrong_credentials');
  const h = signed(NEW, ts);
  h['x-grafana-alerting-timestamp'] = String(ts - 1);
  assert.equal(refusal(() => grafana(clock).verify(h, body)), 'wrong_credentials', 'the timestamp is part of the signed message');
  assert.equal(refusal(() => grafana(clock).verify({ ...signed(NEW, ts), 'x-grafana-alerting-timestamp': `0${ts}` }, body)), 'wrong_credentials');
  // Grafana without a timestamp header signs the body alone: refused here (replayable).
  const bodyOnly = createHmac('sha256', NEW).update(body).digest('hex');
  assert.equal(refusal(() => grafana(clock).verify({ 'x-grafana-alerting-signature': bodyOnly, 'x-grafana-alerting-timestamp': String(ts) }, body)), 'wrong_credentials');
});

test('grafana: stale and future timestamps are refused before any HMAC is computed', () => {
  const clock = new FakeClock();
  const now = Math.floor(clock.ms / 1000);
  assert.equal(grafana(clock).verify(signed(NEW, now - 300), body), 'g2', 'exactly the maximum age passes');
  assert.equal(refusal(() => grafana(clock).verify(signed(NEW, now - 301), body)), 'stale_timestamp');
  assert.equal(refusal(() => grafana(clock).precheck(signed(NEW, now - 3600))), 'stale_timestamp');
  assert.equal(grafana(clock).verify(signed(NEW, now + 60), body), 'g2', 'skew within the allowance passes');
  assert.equal(refusal(() => grafana(clock).verify(signed(NEW, now + 61), body)), 'future_timestamp');
  // A request recorded now and replayed later fails once it is older than the maximum age.
  const recorded = signed(NEW, now);
  clock.advance(301_000);
  assert.equal(refusal(() => grafana(clock).verify(recorded, body)), 'stale_timestamp');
});

test('grafana: missing or malformed headers, no keys configured', () => {
  const clock = new FakeClock();
  const ts = Math.floor(clock.ms / 1000);
  const good = signed(NEW, ts);
  assert.equal(refusal(() => grafana(clock).verify({}, body)), 'missing_credentials');
  assert.equal(refusal(() => grafana(clock).verify({ 'x-grafana-alerting-signature': good['x-grafana-alerting-signature']! }, body)), 'missing_credentials');
  assert.equal(refusal(() => grafana(clock).verify({ 'x-grafana-alerting-timestamp': String(ts) }, body)), 'missing_credentials');
  assert.equal(refusal(() => grafana(clock).verify({ ...good, 'x-grafana-alerting-signature': 'sha256=abc' }, body)), 'malformed_credentials');
  assert.equal(refusal(() => grafana(clock).verify({ ...good, 'x-grafana-alerting-signature': good['x-grafana-alerting-signature']!.slice(2) }, body)), 'malformed_credentials');
  assert.equal(refusal(() => grafana(clock).verify({ ...good, 'x-grafana-alerting-timestamp': '2025-06-02T10:00:00Z' }, body)), 'malformed_timestamp');
  assert.equal(refusal(() => grafana(clock).verify({ ...good, 'x-grafana-alerting-timestamp': String(ts * 1000) }, body)), 'malformed_timestamp', 'milliseconds are not seconds');
  assert.equal(refusal(() => grafana(clock, []).verify(good, body)), 'not_configured');
});

test('bearer: any configured token passes and names its key; everything else is refused', () => {
  const auth = new BearerTokenAuthenticator('alertmanager', parseSecretKeys('am1:token-one-0123456789abcdef,am2:token-two-0123456789abcdef'));
  assert.equal(auth.verify({ authorization: 'Bearer token-one-0123456789abcdef' }), 'am1');
  assert.equal(auth.verify({ authorization: 'bearer token-two-0123456789abcdef' }), 'am2', 'the scheme is case-insensitive');
  assert.equal(refusal(() => auth.verify({})), 'missing_credentials');
  assert.equal(refusal(() => auth.verify({ authorization: '' })), 'missing_credentials');
  assert.equal(refusal(() => auth.verify({ authorization: 'Basic dXNlcjpwYXNz' })), 'malformed_credentials');
  assert.equal(refusal(() => auth.verify({ authorization: 'Bearer token-one-0123456789abcdeF' })), 'wrong_credentials');
  assert.equal(refusal(() => auth.verify({ authorization: 'Bearer token-one-0123456789abcde' })), 'wrong_credentials', 'a prefix of a token');
  assert.equal(refusal(() => auth.verify({ authorization: 'Bearer token-one-0123456789abcdef0' })), 'wrong_credentials', 'a token plus one character');
  assert.equal(refusal(() => new BearerTokenAuthenticator('alertmanager', []).verify({ authorization: 'Bearer x' })), 'not_configured');
});

test('refusals never carry the presented or configured secrets', () => {
  const auth = new BearerTokenAuthenticator('alertmanager', parseSecretKeys('am1:token-one-0123456789abcdef'));
  try {
    auth.verify({ authorization: 'Bearer guessed-token-9999999999' });
    assert.fail('expected a refusal');
  } catch (err) {
    const text = JSON.stringify(err) + String((err as Error).message) + String((err as Error).stack);
    assert.ok(!text.includes('guessed-token') && !text.includes('token-one'), text);
  }
});

test('key lists: <id>:<secret> entries, unique ids, minimum secret length; problems name ids, never secrets', () => {
  assert.deepEqual(checkSecretKeys(undefined, 'X'), []);
  assert.deepEqual(checkSecretKeys('a:0123456789abcdef, b.2:0123456789abcdef:with-colon', 'X'), []);
  assert.deepEqual(parseSecretKeys('a:0123456789abcdef, b.2:0123456789abcdef:with-colon').map((k) => [k.id, k.secret.toString()]), [
    ['a', '0123456789abcdef'],
    ['b.2', '0123456789abcdef:with-colon'],
  ]);
  const issues = checkSecretKeys('nocolonsecretvalue,a:short,a:0123456789abcdef, ,', 'GRAFANA_WEBHOOK_HMAC_SECRETS');
  assert.deepEqual(issues.map((i) => i.field), ['GRAFANA_WEBHOOK_HMAC_SECRETS', 'GRAFANA_WEBHOOK_HMAC_SECRETS', 'GRAFANA_WEBHOOK_HMAC_SECRETS']);
  assert.match(issues[0]!.problem, /entry 1 must be <id>:<secret>/);
  assert.match(issues[1]!.problem, /secret of key "a" must have at least 16/);
  assert.match(issues[2]!.problem, /key id "a" appears twice/);
  assert.ok(!JSON.stringify(issues).includes('nocolonsecretvalue') && !JSON.stringify(issues).includes('short'));
  assert.equal(checkSecretKeys(' , ', 'X').length, 1, 'an empty list');
});
