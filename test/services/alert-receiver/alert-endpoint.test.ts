import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { AppError, createHttpServer, createLogger, createMetricsRegistry, DependencyError, listen, type RetrainRequested } from '@riskstream/shared';
import { createAlertEndpoint } from '../../../services/alert-receiver/src/alert-endpoint.ts';
import { AlertGate } from '../../../services/alert-receiver/src/alert-gate.ts';
import { createAlertIntake } from '../../../services/alert-receiver/src/alert-intake.ts';
import { alertReceiverMetrics } from '../../../services/alert-receiver/src/alert-receiver-metrics.ts';
import { BearerTokenAuthenticator, GrafanaSignatureAuthenticator, grafanaSignature, parseSecretKeys } from '../../../services/alert-receiver/src/webhook-auth.ts';
import { FakeClock, fixtureText, MemoryMarkerStore } from './alert-fakes.ts';

const TOKEN = 'am-token-0123456789abcdef';
const SECRET = 'grafana-secret-0123456789';
const MAX_BODY = 16 * 1024;

async function receiver(t: TestContext) {
  const clock = new FakeClock();
  const store = new MemoryMarkerStore(clock);
  const registry = createMetricsRegistry('alert-receiver', { defaultMetrics: false });
  const metrics = alertReceiverMetrics(registry);
  const logger = createLogger('test', { level: 'silent' });
  const published: RetrainRequested[] = [];
  const failures: AppError[] = [];
  const intake = createAlertIntake({
    gate: new AlertGate({ store, keyPrefix: 't:', dedupTtlMs: 3_600_000, cooldownMs: 0, claimTtlMs: 60_000 }),
    evidence: async () => ({ ok: false, error: 'not in this test', url: 'http://dm/v1/drift', fetchedAt: clock.ms }),
    publish: async (r) => {
      const f = failures.shift();
      if (f) throw f;
      published.push(r);
    },
    publishTimeoutMs: 1000,
    defaultModelName: 'fraud',
    fallbackRangeMs: 3_600_000,
    now: clock.now,
    metrics,
    logger,
  });
  const common = { intake, maxBodyBytes: MAX_BODY, retryAfterSeconds: 7, metrics, logger };
  const am = createAlertEndpoint({ ...common, authenticator: new BearerTokenAuthenticator('alertmanager', parseSecretKeys(`am1:${TOKEN}`)) });
  const gf = createAlertEndpoint({
    ...common,
    authenticator: new GrafanaSignatureAuthenticator({
      keys: parseSecretKeys(`g1:${SECRET}`),
      signatureHeader: 'X-Grafana-Alerting-Signature',
      timestampHeader: 'X-Grafana-Alerting-Timestamp',
      maxAgeSeconds: 300,
      maxFutureSeconds: 60,
      now: clock.now,
    }),
  });
  const server = createHttpServer({ registry, routes: { 'POST /alerts/alertmanager': am.handle, 'POST /alerts/grafana': gf.handle } });
  const port = await listen(server, 0);
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    clock,
    store,
    published,
    failures,
    drain: () => Promise.all([am.drain(), gf.drain()]),
    async post(path: string, body: string, headers: Record<string, string>) {
      const res = await fetch(base + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, body: JSON.parse(text) as Record<string, unknown> };
    },
    grafanaHeaders(body: string, secret = SECRET, ts = Math.floor(clock.ms / 1000)): Record<string, string> {
      return { 'X-Grafana-Alerting-Signature': grafanaSignature(secret, String(ts), body), 'X-Grafana-Alerting-Timestamp': String(ts) };
    },
    async metric(name: string, labels: Record<string, string> = {}) {
      const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
      return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);
    },
  };
}

const AM = fixtureText('alertmanager-v4.json');
const GF = fixtureText('grafana-12.json');
const bearer = { authorization: `Bearer ${TOKEN}` };

/** A POST whose body is sent in chunks without a content-length. */
function chunkedPost(url: string, headers: Record<string, string>, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test('Alertmanager with a valid bearer token -> 202 after the publish; the replay -> 200 duplicate', async (t) => {
  const r = await receiver(t);
  const res = await r.post('/alerts/alertmanager', AM, bearer);
  assert.equal(res.status, 202);
  assert.equal(res.body['published'], 1);
  assert.deepEqual((res.body['results'] as Array<{ outcome: string }>).map((x) => x.outcome), ['published', 'resolved', 'ignored']);
  assert.equal(r.published.length, 1);
  const replay = await r.post('/alerts/alertmanager', AM, bearer);
  assert.equal(replay.status, 200);
  assert.equal((replay.body['results'] as Array<{ outcome: string }>)[0]!.outcome, 'duplicate');
  assert.equal(r.published.length, 1);
  assert.equal(await r.metric('alert_receiver_requests_total', { source: 'alertmanager', outcome: 'published' }), 1);
  assert.equal(await r.metric('alert_receiver_requests_total', { source: 'alertmanager', outcome: 'acknowledged' }), 1);
  assert.equal(await r.metric('alert_receiver_authenticated_total', { source: 'alertmanager', key: 'am1' }), 2);
});

test('Grafana with a valid signature -> 202 ROLLBACK; bad signature, stale timestamp, missing headers -> 401 with a typed body', async (t) => {
  const r = await receiver(t);
  const ok = await r.post('/alerts/grafana', GF, r.grafanaHeaders(GF));
  assert.equal(ok.status, 202);
  assert.equal(r.published[0]!.action, 'ROLLBACK');
  assert.equal(r.published[0]!.source, 'grafana');

  const forged = await r.post('/alerts/grafana', GF.replace('rollback', 'retrain'), r.grafanaHeaders(GF));
  assert.equal(forged.status, 401);
  assert.deepEqual(forged.body, { error: 'UNAUTHORIZED', reason: 'wrong_credentials', message: 'grafana: the credentials match no configured key' });
  const wrongSecret = await r.post('/alerts/grafana', GF, r.grafanaHeaders(GF, 'not-the-secret-0123456789'));
  assert.equal(wrongSecret.status, 401);
  assert.ok(!wrongSecret.text.includes(SECRET) && !wrongSecret.text.includes('not-the-secret'));
  const stale = await r.post('/alerts/grafana', GF, r.grafanaHeaders(GF, SECRET, Math.floor(r.clock.ms / 1000) - 301));
  assert.equal(stale.body['reason'], 'stale_timestamp');
  const future = await r.post('/alerts/grafana', GF, r.grafanaHeaders(GF, SECRET, Math.floor(r.clock.ms / 1000) + 61));
  assert.equal(future.body['reason'], 'future_timestamp');
  const missing = await r.post('/alerts/grafana', GF, {});
  assert.equal(missing.status, 401);
  assert.equal(missing.body['reason'], 'missing_credentials');
  assert.equal(r.published.length, 1, 'no refused request published anything');
  assert.equal(await r.metric('alert_receiver_auth_failures_total', { source: 'grafana' }), 5);
  assert.equal(await r.metric('alert_receiver_requests_total', { source: 'grafana', outcome: 'unauthorized' }), 5);
});

test('bearer: missing or wrong token -> 401 with WWW-Authenticate, decided before the body is read', async (t) => {
  const r = await receiver(t);
  const none = await r.post('/alerts/alertmanager', AM, {});
  assert.equal(none.status, 401);
  assert.equal(none.body['reason'], 'missing_credentials');
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer /);
  const wrong = await r.post('/alerts/alertmanager', AM, { authorization: 'Bearer wrong-token-0123456789abcd' });
  assert.equal(wrong.body['reason'], 'wrong_credentials');
  assert.ok(!wrong.text.includes('wrong-token'), 'the presented token is not echoed');
  // Unauthenticated and oversized: 401, not 413 (an unauthenticated caller cannot make us read its body).
  const big = await r.post('/alerts/alertmanager', 'x'.repeat(MAX_BODY * 2), {});
  assert.equal(big.status, 401);
  assert.equal(r.published.length, 0);
});

test('body limit: declared or chunked bodies over the limit -> 413; exactly the limit is read', async (t) => {
  const r = await receiver(t);
  const declared = await r.post('/alerts/alertmanager', JSON.stringify({ alerts: [], pad: 'x'.repeat(MAX_BODY) }), bearer);
  assert.equal(declared.status, 413);
  assert.equal(declared.body['error'], 'BODY_TOO_LARGE');
  const chunk = 'x'.repeat(4096);
  const chunked = await chunkedPost(`${r.base}/alerts/alertmanager`, bearer, ['{"alerts":[],"pad":"', chunk, chunk, chunk, chunk, '"}']);
  assert.equal(chunked.status, 413);
  const ts = String(Math.floor(r.clock.ms / 1000));
  const gHeaders = { 'x-grafana-alerting-signature': 'ab'.repeat(32), 'x-grafana-alerting-timestamp': ts };
  const grafanaChunked = await chunkedPost(`${r.base}/alerts/grafana`, gHeaders, [chunk, chunk, chunk, chunk, chunk]);
  assert.equal(grafanaChunked.status, 413);
  const exact = JSON.stringify({ alerts: [] });
  const fits = await r.post('/alerts/alertmanager', exact + ' '.repeat(MAX_BODY - exact.length), bearer);
  assert.equal(fits.status, 200);
  assert.equal(await r.metric('alert_receiver_requests_total', { outcome: 'body_too_large' }), 3);
});

test('malformed JSON and wrong shapes -> 400 with a clear reason, after authentication', async (t) => {
  const r = await receiver(t);
  const broken = await r.post('/alerts/alertmanager', '{"alerts": [', bearer);
  assert.equal(broken.status, 400);
  assert.deepEqual(broken.body, { error: 'MALFORMED_JSON', message: 'body is not valid JSON' });
  const shape = '{"alerts":[{"status":"firing","labels":{"action":"retrain"},"startsAt":"yesterday"}]}';
  const wrong = await r.post('/alerts/grafana', shape, r.grafanaHeaders(shape));
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body['error'], 'PAYLOAD_INVALID');
  assert.deepEqual(wrong.body['issues'], [{ path: '$.alerts[0].startsAt', problem: 'must be an RFC 3339 time after 1970' }]);
  const unsigned = await r.post('/alerts/grafana', '{"alerts": [', {});
  assert.equal(unsigned.status, 401, 'an unauthenticated caller learns nothing about the body');
  assert.equal(await r.metric('alert_receiver_requests_total', { outcome: 'invalid' }), 2);
});

test('Kafka down -> 503 with Retry-After and nothing remembered; the retry -> 202', async (t) => {
  const r = await receiver(t);
  r.failures.push(new DependencyError('kafka', 'produce failed: connection refused'));
  const down = await r.post('/alerts/alertmanager', AM, bearer);
  assert.equal(down.status, 503);
  assert.equal(down.headers.get('retry-after'), '7');
  assert.equal(down.body['error'], 'UNAVAILABLE');
  assert.equal(r.store.entries.size, 0);
  const retry = await r.post('/alerts/alertmanager', AM, bearer);
  assert.equal(retry.status, 202);
  assert.equal(r.published.length, 1);
  assert.equal(await r.metric('alert_receiver_requests_total', { source: 'alertmanager', outcome: 'unavailable' }), 1);
});

test('a non-retriable failure -> 500; an alert being published by another request -> 503', async (t) => {
  const r = await receiver(t);
  r.failures.push(new AppError('VALIDATION_FAILED', 'value does not match schema'));
  const fatal = await r.post('/alerts/alertmanager', AM, bearer);
  assert.equal(fatal.status, 500);
  assert.equal(fatal.body['error'], 'INTERNAL');
  const gate = new AlertGate({ store: r.store, keyPrefix: 't:', dedupTtlMs: 60_000, cooldownMs: 0, claimTtlMs: 60_000 });
  await gate.claimAlert('3f1d8a3c9e2b7a41', Date.parse('2025-06-02T09:41:03.157Z'));
  const busy = await r.post('/alerts/alertmanager', AM, bearer);
  assert.equal(busy.status, 503);
  assert.match(String(busy.body['message']), /another request is publishing/);
});

test('only firing retrain/rollback alerts are published: resolved and action=none -> 200', async (t) => {
  const r = await receiver(t);
  const n = JSON.parse(AM) as { alerts: unknown[] };
  const quiet = JSON.stringify({ ...n, alerts: n.alerts.slice(1) });
  const res = await r.post('/alerts/alertmanager', quiet, bearer);
  assert.equal(res.status, 200);
  assert.deepEqual((res.body['results'] as Array<{ outcome: string }>).map((x) => x.outcome), ['resolved', 'ignored']);
  assert.equal(r.published.length, 0);
});

test('draining: new requests get 503 SHUTTING_DOWN', async (t) => {
  const r = await receiver(t);
  await r.drain();
  const res = await r.post('/alerts/alertmanager', AM, bearer);
  assert.equal(res.status, 503);
  assert.equal(res.body['error'], 'SHUTTING_DOWN');
});
