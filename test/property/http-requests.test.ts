/**
 * Bad requests against every HTTP body parser, 10,000+ generated cases each, through the route handlers
 * themselves (in memory, no socket; the socket-level guards are in http-guards.integration.test.ts):
 *
 *  - shared/src/request-body.ts readBody (limit over any chunking) and jsonContentTypeRefusal;
 *  - services/ingest/src/transaction-endpoint.ts POST /transactions;
 *  - services/decisions/src/decision-endpoint.ts POST /v1/decisions;
 *  - services/decisions/src/open-inference.ts POST /v2/models/{name}[/versions/{v}]/infer (and the path parser);
 *  - services/decisions/src/mlflow-invocations.ts POST /invocations (JSON and CSV);
 *  - services/alert-receiver/src/alert-endpoint.ts with webhook-payload.ts parseNotification.
 *
 * Every case must be a documented 4xx with the endpoint's typed error body (never a 500, never a throw),
 * answered within 100 ms, and good records in a batch (POST /transactions) are accepted exactly as alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { once } from 'node:events';
import { connect } from 'node:net';
import { BodyTooLarge, createHttpServer, createLogger, createMetricsRegistry, jsonContentTypeRefusal, listen, readBody, sendJson, ValidationError, type Logger, type OutputRecord, type RouteHandler } from '@riskstream/shared';
import { CardTokenizer, parseCardTokenKeys } from '../../services/ingest/src/card-token.ts';
import { ingestMetrics } from '../../services/ingest/src/ingest-metrics.ts';
import { REJECTION_REASONS } from '../../services/ingest/src/rejection-reasons.ts';
import { createTransactionEndpoint } from '../../services/ingest/src/transaction-endpoint.ts';
import { createDecisionEndpoint } from '../../services/decisions/src/decision-endpoint.ts';
import type { DecisionQueue } from '../../services/decisions/src/decision-queue.ts';
import { decisionsMetrics } from '../../services/decisions/src/decisions-metrics.ts';
import { mlflowRoutes } from '../../services/decisions/src/mlflow-invocations.ts';
import { openInferenceRoutes, parseModelPath } from '../../services/decisions/src/open-inference.ts';
import { createAlertEndpoint } from '../../services/alert-receiver/src/alert-endpoint.ts';
import { AlertGate } from '../../services/alert-receiver/src/alert-gate.ts';
import { createAlertIntake } from '../../services/alert-receiver/src/alert-intake.ts';
import { alertReceiverMetrics } from '../../services/alert-receiver/src/alert-receiver-metrics.ts';
import { BearerTokenAuthenticator, parseSecretKeys } from '../../services/alert-receiver/src/webhook-auth.ts';
import { parseNotification } from '../../services/alert-receiver/src/webhook-payload.ts';
import { FakeClock, fixture, MemoryMarkerStore } from '../services/alert-receiver/alert-fakes.ts';
import { FakeCatalog, FEATURES } from '../services/decisions/fake-model-catalog.ts';
import { NOW, pan, TEST_KEYS } from '../services/ingest/transaction-fixtures.ts';
import { assertTimedProperty, deepJson, inMemoryExchange, type CapturedReply } from './property-support.ts';

const MAX_BODY = 8 * 1024;
const RULES = { maxAmount: 1_000_000, maxFutureMs: 600_000 };
const logger = createLogger('property-http', { level: 'silent' });

// ---- generators ---------------------------------------------------------------------------------------

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/vnd.api+json', undefined] as const;
const WRONG_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'text/csv', 'application/xml', 'json', '*/*', 'application/jsonp'];
const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...JSON_TYPES) },
  { weight: 1, arbitrary: fc.constantFrom(...WRONG_TYPES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((s) => s.trim() !== '' && !/^\s*application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(s)) },
);

const goodTx = (i: number) =>
  fc.record({
    transaction_id: fc.stringMatching(/^[a-z0-9-]{1,20}$/).map((s) => `h${i}-${s}`),
    card_number: fc.integer({ min: 0, max: 999_999 }).map((n) => pan(n)),
    customer_id: fc.constantFrom('c-1', 'клиент', null),
    terminal_id: fc.constantFrom('t-1', null),
    amount: fc.double({ min: 0, max: RULES.maxAmount, noNaN: true }),
    currency: fc.constantFrom('EUR', 'USD'),
    channel: fc.constantFrom('pos', 'ecom', 'atm', null),
    event_time: fc.integer({ min: NOW - 86_400_000, max: NOW }),
  });

const BAD_VALUES: Readonly<Record<string, readonly unknown[]>> = {
  amount: [-1, 'NaN', null, 1e400, -0.5, '12'],
  event_time: ['2025-99-99', -1, null, 'x', 1.5, '2025-06-01T12:00:00'],
  transaction_id: ['\u0000', null, '', 7, 'a\u200bb', ' '],
  card_number: ['123', null, 4000000000000002, '4000000000000003'],
  currency: ['eur', null, 1, 'EURO'],
};
const badTx = fc
  .tuple(goodTx(0), fc.constantFrom(...Object.keys(BAD_VALUES)))
  .chain(([tx, k]) => fc.constantFrom(...BAD_VALUES[k]!).map((v) => ({ ...tx, [k]: v })));

/** Bodies no JSON endpoint can take, with what kind they are. */
const junkBody = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => ({ kind: 'bytes', text: Buffer.from(b) })),
  fc.string({ maxLength: 200 }).map((s) => ({ kind: 'text', text: Buffer.from(s) })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ kind: 'json', text: Buffer.from(JSON.stringify(v) ?? 'null') })),
  fc.constantFrom('{"transaction_id":', '{', ']', '{"a":1}}', '\ufeff{}', 'null', 'true', '[]', '{}', '""').map((s) => ({ kind: 'malformed', text: Buffer.from(s) })),
  fc.constantFrom(100, 3_000, 4_000).map((d) => ({ kind: 'deep', text: Buffer.from(deepJson(d, d % 200 ? 'object' : 'array')) })),
  fc.integer({ min: MAX_BODY + 1, max: 4 * MAX_BODY }).map((n) => ({ kind: 'oversized', text: Buffer.alloc(n, 0x7b) })),
  badTx.map((tx) => ({ kind: 'invalid record', text: Buffer.from(JSON.stringify(tx)) })),
);

/** Splits a body into the chunks a socket might deliver. */
function chunked(body: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) out.push(body.subarray(from, p));
    from = Math.max(from, p);
  }
  if (from < body.length) out.push(body.subarray(from));
  return out;
}
const cuts = fc.array(fc.nat(), { maxLength: 4 });

async function call(handler: RouteHandler, method: string, url: string, headers: Record<string, string | undefined>, body: Buffer, cutAt: readonly number[] = []): Promise<CapturedReply> {
  const h = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const { req, res, reply } = inMemoryExchange(method, url, h, chunked(body, cutAt));
  await handler(req, res);
  return reply;
}

function wrongType(ct: string | undefined): boolean {
  return jsonContentTypeRefusal(ct) !== undefined;
}

// ---- request-body.ts --------------------------------------------------------------------------------

test('readBody: any chunking gives the body back whole, or BodyTooLarge past the limit', async (t) => {
  await assertTimedProperty(
    'readBody',
    [fc.uint8Array({ maxLength: 3 * 1024 }), cuts, fc.integer({ min: 0, max: 2 * 1024 })],
    async (bytes, at, limit) => {
      const body = Buffer.from(bytes);
      const { req } = inMemoryExchange('POST', '/', {}, chunked(body, at));
      try {
        const read = await readBody(req, limit);
        assert.ok(body.length <= limit);
        assert.deepEqual(read, body);
      } catch (err) {
        assert.ok(err instanceof BodyTooLarge, String(err));
        assert.ok(body.length > limit);
      }
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});

// ---- POST /transactions -----------------------------------------------------------------------------

const tokenizer = new CardTokenizer(parseCardTokenKeys(TEST_KEYS), 'k1');
let published: OutputRecord[] = [];
const transactions = createTransactionEndpoint({
  maxBodyBytes: MAX_BODY,
  maxRecords: 50,
  maxInFlightRequests: 64,
  maxInFlightRecords: 1_000,
  retryAfterSeconds: 1,
  rules: RULES,
  tokenizer,
  now: () => NOW,
  publish: async (records) => {
    published.push(...records);
  },
  metrics: ingestMetrics(createMetricsRegistry('property-ingest-http', { defaultMetrics: false })),
  logger,
});

test('POST /transactions: bad bodies are 400/413/415 with a typed error; bad records in an array are refused by index, good ones accepted as alone', async (t) => {
  await assertTimedProperty(
    'POST /transactions',
    [contentType, junkBody, fc.array(fc.oneof(goodTx(1).map((tx) => ({ good: true, tx })), badTx.map((tx) => ({ good: false, tx }))), { minLength: 1, maxLength: 6 }), cuts, fc.boolean()],
    async (ct, junk, items, at, sendJunk) => {
      const body = sendJunk ? junk.text : Buffer.from(JSON.stringify(items.map((i) => i.tx)));
      published = [];
      const r = await call(transactions.handle, 'POST', '/transactions', { 'content-type': ct }, body, at);
      const b = r.json();
      if (wrongType(ct)) return assert.deepEqual([r.status, b['error']], [415, 'UNSUPPORTED_MEDIA_TYPE']);
      if (body.length > MAX_BODY) return assert.deepEqual([r.status, b['error']], [413, 'BODY_TOO_LARGE']);
      if (sendJunk && junk.kind !== 'json' && junk.kind !== 'invalid record') {
        assert.equal(r.status, r.status === 202 ? 202 : 400, `${junk.kind}: ${r.status} ${r.body}`);
      }
      assert.ok([202, 400, 413].includes(r.status), `status ${r.status}: ${r.body}`);
      if (r.status !== 202) return assert.ok(['MALFORMED_JSON', 'NOT_A_RECORD', 'TOO_MANY_RECORDS'].includes(b['error'] as string), r.body);
      const rejected = b['rejected'] as { index: number; reason: string }[];
      for (const x of rejected) assert.ok(x.reason in REJECTION_REASONS, x.reason);
      if (sendJunk) return;
      // The good records of the array, and only they, are produced, exactly as when sent alone.
      assert.deepEqual(rejected.map((x) => x.index), items.flatMap((x, i) => (x.good ? [] : [i])));
      const mixed = published;
      published = [];
      await call(transactions.handle, 'POST', '/transactions', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(items.filter((x) => x.good).map((x) => x.tx))));
      assert.deepEqual(mixed, published);
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});

// ---- POST /v1/decisions -----------------------------------------------------------------------------

const queue = {
  async decide(tx: { transaction_id: string }) {
    return { kind: 'decided', replayed: false, answer: { transaction_id: tx.transaction_id, decision: 'APPROVE', score: 0.1 } };
  },
} as unknown as DecisionQueue;
const decisions = createDecisionEndpoint({
  maxBodyBytes: MAX_BODY,
  maxInFlight: 64,
  retryAfterSeconds: 1,
  rules: RULES,
  queue,
  metrics: decisionsMetrics(createMetricsRegistry('property-decisions', { defaultMetrics: false })),
  logger,
  now: () => NOW,
});

test('POST /v1/decisions: every bad body is 400/413/415 with a typed error, a good one is decided', async (t) => {
  await assertTimedProperty(
    'POST /v1/decisions',
    [contentType, fc.oneof(junkBody, goodTx(2).map((tx) => ({ kind: 'good', text: Buffer.from(JSON.stringify(tx)) }))), cuts],
    async (ct, { kind, text }, at) => {
      const r = await call(decisions.handle, 'POST', '/v1/decisions', { 'content-type': ct }, text, at);
      const b = r.json();
      if (wrongType(ct)) return assert.deepEqual([r.status, b['error']], [415, 'UNSUPPORTED_MEDIA_TYPE']);
      if (text.length > MAX_BODY) return assert.deepEqual([r.status, b['error']], [413, 'BODY_TOO_LARGE']);
      if (kind === 'good') return assert.equal(r.status, 200, r.body);
      assert.equal(r.status, 400, `${kind}: ${r.status} ${r.body}`);
      assert.ok(['MALFORMED_JSON', 'NOT_A_RECORD', 'VALIDATION_FAILED'].includes(b['error'] as string), r.body);
      if (b['error'] === 'VALIDATION_FAILED') assert.ok((b['reason'] as string) in REJECTION_REASONS);
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});

// ---- Open Inference Protocol v2 -------------------------------------------------------------------------

const catalog = new FakeCatalog();
const oip = openInferenceRoutes(catalog, { maxBodyBytes: MAX_BODY, logger })['POST /v2/*']!;

const tensorValue = fc.oneof(fc.double(), fc.constant(null), fc.string({ maxLength: 3 }), fc.boolean(), fc.array(fc.double(), { maxLength: 2 }));
const tensor = fc.record(
  {
    name: fc.oneof(fc.constantFrom(...FEATURES), fc.string({ maxLength: 6 }), fc.integer()),
    datatype: fc.constantFrom('FP32', 'FP64', 'INT64', 'BYTES', 'fp32', 7),
    shape: fc.oneof(fc.tuple(fc.nat(4), fc.constant(1)), fc.tuple(fc.nat(4)), fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 3 }), fc.constant('2,1')),
    data: fc.oneof(fc.array(tensorValue, { maxLength: 5 }), fc.array(fc.array(tensorValue, { maxLength: 2 }), { maxLength: 4 }), fc.constant('x')),
  },
  { requiredKeys: [] },
);
const goodInfer = fc.integer({ min: 1, max: 5 }).chain((rows) =>
  fc.tuple(...FEATURES.map((name) => fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: rows, maxLength: rows }).map((data) => ({ name, datatype: 'FP32', shape: [rows, 1], data })))).map((inputs) => ({ rows, inputs })),
);
const inferPath = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('/v2/models/fraud/infer', '/v2/models/fraud/versions/2/infer') },
  { weight: 1, arbitrary: fc.constantFrom('/v2/models/nope/infer', '/v2/models/fraud/versions/0/infer', '/v2/models/fraud/versions/99/infer', '/v2/models/%E0%A4%A/infer', '/v2/models/fraud/versions/1e3/infer', '/v2/models//infer', '/v2/models/fraud/ready') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => `/v2/models/${encodeURIComponent(s)}/infer`) },
);

test('OIP v2 infer: malformed requests are 400/404/405/413 with {"error"}; well-formed ones score every row', async (t) => {
  await assertTimedProperty(
    'POST /v2/.../infer',
    [inferPath, fc.oneof(junkBody.map((j) => ({ good: false, text: j.text, rows: 0 })), fc.record({ id: fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }), inputs: fc.array(tensor, { maxLength: 4 }), outputs: fc.option(fc.array(fc.record({ name: fc.constantFrom('probability', 'score') })), { nil: undefined }) }).map((b) => ({ good: false, text: Buffer.from(JSON.stringify(b)), rows: 0 })), goodInfer.map((g) => ({ good: true, text: Buffer.from(JSON.stringify({ inputs: g.inputs })), rows: g.rows })))],
    async (path, { good, text, rows }) => {
      const r = await call(oip, 'POST', path, { 'content-type': 'application/json' }, text);
      const b = r.json();
      assert.ok([200, 400, 404, 405, 413].includes(r.status), `${path}: ${r.status} ${r.body}`);
      if (r.status !== 200) return assert.equal(typeof b['error'], 'string', r.body);
      const target = parseModelPath(path);
      assert.ok(target && target.action === 'infer');
      const outputs = b['outputs'] as { data: number[] }[];
      if (good) assert.equal(outputs[0]!.data.length, rows);
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});

// ---- MLflow /invocations ------------------------------------------------------------------------------

const mlflow = mlflowRoutes(catalog, { maxBodyBytes: MAX_BODY, version: 'test', logger })['POST /invocations']!;
const mlflowBody = fc.oneof(
  junkBody.map((j) => j.text),
  fc.record({ dataframe_split: fc.record({ columns: fc.array(fc.oneof(fc.constantFrom(...FEATURES), fc.string({ maxLength: 4 })), { maxLength: 4 }), data: fc.array(fc.array(tensorValue, { maxLength: 4 }), { maxLength: 3 }) }, { requiredKeys: [] }) }).map((b) => Buffer.from(JSON.stringify(b))),
  fc.record({ dataframe_records: fc.array(fc.dictionary(fc.constantFrom(...FEATURES, 'x'), tensorValue), { maxLength: 3 }) }).map((b) => Buffer.from(JSON.stringify(b))),
  fc.record({ instances: fc.oneof(fc.array(fc.array(tensorValue, { maxLength: 4 }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })), inputs: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }) }).map((b) => Buffer.from(JSON.stringify(b))),
  fc.array(fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom(...FEATURES)), { maxLength: 4 }).map((row) => row.join(',')), { maxLength: 4 }).map((rows) => Buffer.from(rows.join('\n'))),
);

test('MLflow /invocations: unreadable payloads are 400 BAD_REQUEST, misfits 400 INVALID_PARAMETER_VALUE, 413, 415; never a 500', async (t) => {
  await assertTimedProperty(
    'POST /invocations',
    [fc.oneof(fc.constantFrom('application/json', 'text/csv', 'text/csv; charset=utf-8', undefined), contentType), mlflowBody],
    async (ct, body) => {
      const r = await call(mlflow, 'POST', '/invocations', { 'content-type': ct }, body);
      const b = r.json();
      assert.ok([200, 400, 413, 415].includes(r.status), `${r.status} ${r.body}`);
      if (r.status === 200) return assert.ok(Array.isArray(b['predictions']));
      assert.ok(['BAD_REQUEST', 'INVALID_PARAMETER_VALUE'].includes(b['error_code'] as string), r.body);
      assert.equal(typeof b['message'], 'string');
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});

// ---- alert receiver ----------------------------------------------------------------------------------

const TOKEN = 'am-token-0123456789abcdef';
const clock = new FakeClock();
const alertMetrics = alertReceiverMetrics(createMetricsRegistry('property-alerts', { defaultMetrics: false }));
const alerts = createAlertEndpoint({
  authenticator: new BearerTokenAuthenticator('alertmanager', parseSecretKeys(`am1:${TOKEN}`)),
  intake: createAlertIntake({
    gate: new AlertGate({ store: new MemoryMarkerStore(clock), keyPrefix: 'p:', dedupTtlMs: 3_600_000, cooldownMs: 0, claimTtlMs: 60_000 }),
    evidence: async () => ({ ok: false, error: 'not in this test', url: 'http://dm/v1/drift', fetchedAt: clock.ms }),
    publish: async () => undefined,
    publishTimeoutMs: 1000,
    defaultModelName: 'fraud',
    fallbackRangeMs: 3_600_000,
    now: clock.now,
    metrics: alertMetrics,
    logger,
  }),
  maxBodyBytes: MAX_BODY,
  retryAfterSeconds: 1,
  metrics: alertMetrics,
  logger,
});

const amFixture = fixture('alertmanager-v4.json');
/** The fixture with one of its parts replaced by anything JSON can say. */
const mangledNotification = fc.tuple(fc.constantFrom('status', 'alerts', 'version', 'groupLabels', 'commonLabels', 'truncatedAlerts', 'alerts.0', 'alerts.0.labels', 'alerts.0.startsAt', 'alerts.0.status', 'alerts.0.fingerprint'), fc.jsonValue({ maxDepth: 3 })).map(([path, value]) => {
  const copy = structuredClone(amFixture) as Record<string, unknown>;
  const keys = path.split('.');
  let node = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return copy;
});

test('parseNotification: any JSON is a notification or a ValidationError listing problems by path', async (t) => {
  await assertTimedProperty(
    'parseNotification',
    [fc.constantFrom('alertmanager' as const, 'grafana' as const), fc.oneof(fc.jsonValue({ maxDepth: 4 }), mangledNotification)],
    (source, body) => {
      try {
        const n = parseNotification(source, body);
        for (const a of n.alerts) assert.ok(Number.isFinite(a.startsAt) && (a.status === 'firing' || a.status === 'resolved'));
      } catch (err) {
        assert.ok(err instanceof ValidationError, String(err));
        assert.ok(err.issues.length > 0);
      }
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});

test('POST /alerts/alertmanager: bad bodies are 400 (by JSON path), 413 or 415; never a 500', async (t) => {
  await assertTimedProperty(
    'POST /alerts/alertmanager',
    [contentType, fc.oneof(junkBody.map((j) => j.text), mangledNotification.map((n) => Buffer.from(JSON.stringify(n))))],
    async (ct, body) => {
      clock.advance(1);
      const r = await call(alerts.handle, 'POST', '/alerts/alertmanager', { 'content-type': ct, authorization: `Bearer ${TOKEN}` }, body);
      const b = r.json();
      if (wrongType(ct)) return assert.deepEqual([r.status, b['error']], [415, 'UNSUPPORTED_MEDIA_TYPE']);
      if (body.length > MAX_BODY) return assert.equal(r.status, 413);
      assert.ok([200, 202, 400].includes(r.status), `${r.status} ${r.body}`);
      if (r.status === 400) assert.ok(['MALFORMED_JSON', 'PAYLOAD_INVALID'].includes(b['error'] as string), r.body);
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});

// ---- http-server.ts: a client cut by the request timeout ---------------------------------------------

test('createHttpServer: a slow body cut by the request timeout gets 408 and is not logged as a route failure', async (t) => {
  const errors: unknown[] = [];
  const debug: unknown[] = [];
  const log = { error: (o: unknown) => errors.push(o), debug: (o: unknown) => debug.push(o) } as unknown as Logger;
  const server = createHttpServer({
    registry: createMetricsRegistry('property-http-server', { defaultMetrics: false }),
    logger: log,
    timeouts: { headersMs: 300, requestMs: 600 },
    routes: { 'POST /read': async (req, res) => sendJson(res, 200, { bytes: (await readBody(req, 1_000_000)).length }) },
  });
  const port = await listen(server, 0);
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.on('data', (c: Buffer) => (answer += c.toString()));
  socket.write('POST /read HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
  const drip = setInterval(() => socket.writable && socket.write(' '), 100);
  await once(socket, 'close');
  clearInterval(drip);
  await new Promise((r) => setTimeout(r, 50));
  assert.match(answer, /^HTTP\/1\.1 408/);
  assert.deepEqual(errors, [], 'a timed-out client is not a server error');
  assert.equal(debug.length, 1);
});
