import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createHttpServer, createLogger, createMetricsRegistry, DependencyError, listen, type OutputRecord } from '@riskstream/shared';
import { CardTokenizer, parseCardTokenKeys } from '../../../services/ingest/src/card-token.ts';
import { ingestMetrics } from '../../../services/ingest/src/ingest-metrics.ts';
import { createTransactionEndpoint, type TransactionEndpointOptions } from '../../../services/ingest/src/transaction-endpoint.ts';
import { NOW, pan, rawTx, TEST_KEYS } from './transaction-fixtures.ts';

interface Harness {
  url: string;
  published: OutputRecord[][];
  registry: ReturnType<typeof createMetricsRegistry>;
  drain: () => Promise<void>;
  /** While set, publish waits for it. */
  gate: { wait?: Promise<void> };
  failWith: { err?: Error };
}

async function harness(t: TestContext, overrides: Partial<TransactionEndpointOptions> = {}): Promise<Harness> {
  const registry = createMetricsRegistry('ingest-http-test', { defaultMetrics: false });
  const published: OutputRecord[][] = [];
  const gate: Harness['gate'] = {};
  const failWith: Harness['failWith'] = {};
  const endpoint = createTransactionEndpoint({
    maxBodyBytes: 64 * 1024,
    maxRecords: 100,
    maxInFlightRequests: 4,
    maxInFlightRecords: 150,
    retryAfterSeconds: 2,
    rules: { maxAmount: 1_000_000, maxFutureMs: 600_000 },
    tokenizer: new CardTokenizer(parseCardTokenKeys(TEST_KEYS), 'k1'),
    now: () => NOW,
    publish: async (records) => {
      if (gate.wait) await gate.wait;
      if (failWith.err) throw failWith.err;
      published.push([...records]);
    },
    metrics: ingestMetrics(registry),
    logger: createLogger('ingest-http-test', { level: 'silent' }),
    ...overrides,
  });
  const server = createHttpServer({ registry, routes: { 'POST /transactions': endpoint.handle } });
  const port = await listen(server, 0);
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${port}/transactions`, published, registry, drain: endpoint.drain, gate, failWith };
}

async function post(url: string, body: string | Buffer): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

test('202: a single object is validated and produced to raw, keyed by card token', async (t) => {
  const h = await harness(t);
  const res = await post(h.url, JSON.stringify(rawTx(1)));
  assert.equal(res.status, 202);
  assert.deepEqual(res.body, { accepted: 1, rejected: [] });
  assert.equal(h.published.length, 1);
  const [record] = h.published[0]!;
  assert.equal(record!.topic, 'transactionsRaw');
  assert.match(String(record!.key), /^[0-9a-f]{64}$/, 'the key is the token, not the card number');
  assert.equal((record!.value as Record<string, unknown>)['card_number'], pan(1));
});

test('202: an array gets per-record results; only the valid ones are produced', async (t) => {
  const h = await harness(t);
  const res = await post(h.url, JSON.stringify([rawTx(1), rawTx(2, { currency: 'XYZ' }), 'nope', rawTx(3, { event_time: '2025-06-01T11:00:00Z' }), rawTx(4, { amount: -1 })]));
  assert.equal(res.status, 202);
  assert.equal(res.body['accepted'], 2);
  const rejected = res.body['rejected'] as Array<{ index: number; reason: string; issues: unknown[] }>;
  assert.deepEqual(rejected.map((r) => [r.index, r.reason]), [[1, 'CURRENCY_INVALID'], [2, 'TYPE_INVALID'], [4, 'AMOUNT_OUT_OF_RANGE']]);
  assert.ok(rejected.every((r) => r.issues.length > 0));
  assert.deepEqual(h.published[0]!.map((r) => (r.value as Record<string, unknown>)['transaction_id']), ['tx-000001', 'tx-000003']);
  assert.equal((h.published[0]![1]!.value as Record<string, unknown>)['event_time'], NOW - 3_600_000, 'normalised to epoch ms');
  const metrics = await h.registry.metrics();
  assert.match(metrics, /ingest_http_requests_total\{status="202",service="ingest-http-test"\} 1/);
  assert.match(metrics, /ingest_http_records_total\{outcome="rejected",service="ingest-http-test"\} 3/);
  assert.match(metrics, /ingest_rejections_total\{source="http",reason="CURRENCY_INVALID",service="ingest-http-test"\} 1/);
});

test('400: malformed JSON or a non-record body, without echoing the body', async (t) => {
  const h = await harness(t);
  const card = pan(12);
  const res = await post(h.url, `{"card_number": "${card}", oops}`);
  assert.equal(res.status, 400);
  assert.equal(res.body['error'], 'MALFORMED_JSON');
  assert.ok(!JSON.stringify(res.body).includes(card));
  const scalar = await post(h.url, '42');
  assert.equal(scalar.status, 400);
  assert.equal(scalar.body['error'], 'NOT_A_RECORD');
  assert.equal(h.published.length, 0);
});

test('413: body over the byte limit (declared or chunked) or too many records', async (t) => {
  const h = await harness(t, { maxBodyBytes: 10_000 });
  const big = JSON.stringify(Array.from({ length: 200 }, (_, i) => rawTx(i)));
  const declared = await post(h.url, big);
  assert.equal(declared.status, 413);
  assert.equal(declared.body['error'], 'BODY_TOO_LARGE');

  const chunked = await new Promise<number>((resolve, reject) => {
    const req = request(h.url, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write(Buffer.alloc(2000, 0x20));
    req.end();
  });
  assert.equal(chunked, 413);

  const many = await post(h.url, JSON.stringify(Array.from({ length: 101 }, () => ({}))));
  assert.equal(many.status, 413);
  assert.equal(many.body['error'], 'TOO_MANY_RECORDS');
  assert.equal(h.published.length, 0);
});

test('429 with Retry-After when too many requests or records are in flight; fine again afterwards', async (t) => {
  const h = await harness(t, { maxInFlightRequests: 2, maxInFlightRecords: 150 });
  let open!: () => void;
  h.gate.wait = new Promise<void>((resolve) => (open = resolve));
  const slow = [post(h.url, JSON.stringify([rawTx(1)])), post(h.url, JSON.stringify(Array.from({ length: 100 }, (_, i) => rawTx(i))))];
  // Both slow requests are parked in publish (the gate) before the next ones arrive.
  while ((await h.registry.getSingleMetric('ingest_http_in_flight_records')!.get()).values[0]?.value !== 101) await new Promise((r) => setTimeout(r, 5));
  const third = await post(h.url, JSON.stringify(rawTx(3)));
  assert.equal(third.status, 429);
  assert.equal(third.headers.get('retry-after'), '2');
  assert.equal(third.body['error'], 'TOO_MANY_REQUESTS');
  open();
  h.gate.wait = undefined;
  assert.deepEqual((await Promise.all(slow)).map((r) => r.status), [202, 202]);

  // Records: 100 parked, then 60 more would pass the limit of 150.
  h.gate.wait = new Promise<void>((resolve) => (open = resolve));
  const parked = post(h.url, JSON.stringify(Array.from({ length: 100 }, (_, i) => rawTx(i))));
  while ((await h.registry.getSingleMetric('ingest_http_in_flight_records')!.get()).values[0]?.value !== 100) await new Promise((r) => setTimeout(r, 5));
  const over = await post(h.url, JSON.stringify(Array.from({ length: 60 }, (_, i) => rawTx(i))));
  assert.equal(over.status, 429);
  assert.equal(over.body['error'], 'TOO_MANY_RECORDS_IN_FLIGHT');
  open();
  h.gate.wait = undefined;
  assert.equal((await parked).status, 202);
  assert.equal((await post(h.url, JSON.stringify(rawTx(5)))).status, 202);
  assert.equal((await h.registry.getSingleMetric('ingest_http_in_flight_requests')!.get()).values[0]?.value, 0);
});

test('503 with Retry-After when Kafka is unavailable; 500 for anything else', async (t) => {
  const h = await harness(t);
  h.failWith.err = new DependencyError('kafka', 'broker down');
  const res = await post(h.url, JSON.stringify(rawTx(1)));
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '2');
  h.failWith.err = new TypeError('bug');
  assert.equal((await post(h.url, JSON.stringify(rawTx(1)))).status, 500);
});

test('drain: waits for requests in flight, then refuses new ones with 503', async (t) => {
  const h = await harness(t);
  let open!: () => void;
  h.gate.wait = new Promise<void>((resolve) => (open = resolve));
  const pending = post(h.url, JSON.stringify(rawTx(1)));
  while ((await h.registry.getSingleMetric('ingest_http_in_flight_requests')!.get()).values[0]?.value !== 1) await new Promise((r) => setTimeout(r, 5));
  let drained = false;
  const draining = h.drain().then(() => (drained = true));
  assert.equal((await post(h.url, JSON.stringify(rawTx(2)))).status, 503);
  assert.equal(drained, false);
  open();
  assert.equal((await pending).status, 202);
  await draining;
  assert.equal(drained, true);
});
