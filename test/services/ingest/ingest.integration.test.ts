import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { DLQ_HEADERS, partitionForKey, TOPICS } from '@riskstream/shared';
import { CardTokenizer, parseCardTokenKeys } from '../../../services/ingest/src/card-token.ts';
import { integrationEnv, readTopic, type IntegrationEnv } from '../../support/integration.ts';
import { waitFor } from '../../support/child-service.ts';
import { allBytes, produceMany, redisEntries, startIngest, testRedis, TcpProxy } from './ingest-support.ts';
import { findKnownCardNumbers, findLuhnValidRuns, pan, rawTx, TEST_KEYS } from './transaction-fixtures.ts';

const tokenizer = new CardTokenizer(parseCardTokenKeys(TEST_KEYS), 'k1');

/** A record that event-time checks accept now (the service runs on the real clock). */
function liveTx(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return rawTx(i, { event_time: Date.now() - 60_000 * (i % 50), ...overrides });
}

interface ValidOut {
  transaction_id: string;
  card_token: string;
  card_key_id: string;
  card_bin: string;
  card_last4: string;
  amount: number;
}

async function readValid(env: IntegrationEnv, count: number, settleMs = 3000) {
  const messages = await readTopic(env.kafka, env.names.transactionsValid, { count, timeoutMs: 60000, settleMs });
  const values = await Promise.all(messages.map(async (m) => (await env.codec.decode('transactionsValid', m.value)) as ValidOut));
  return { messages, values };
}

test('integration: mixed JSON/Avro good, bad and duplicate records -> exactly the good unique ones on valid, the bad ones masked on the DLQ', async (t) => {
  const env = await integrationEnv('ingest-mixed');
  t.after(() => env.cleanup());

  const good = Array.from({ length: 60 }, (_, i) => liveTx(i));
  const encoded = async (v: Record<string, unknown>) => env.codec.encode('transactionsRaw', v);
  const json = (v: Record<string, unknown>) => Buffer.from(JSON.stringify(v));
  const badCard = pan(901);
  const wrongCheck = badCard.slice(0, -1) + ((Number(badCard.at(-1)) + 1) % 10);
  const escaped = badCard.split('').map((d) => `\\u003${d}`).join('');
  const validAvroBody = await encoded(liveTx(999, { card_number: badCard }));

  // [value, key, expected DLQ reason | null for good, duplicates expected as 'dup']
  const plan: Array<[Buffer | null, string | null, string | null]> = [];
  for (const [i, g] of good.entries()) plan.push([i % 2 === 0 ? json(g) : await encoded(g), String(g['card_number']), null]);
  // Copies at other coordinates: JSON copies of Avro records and the other way round.
  for (const g of good.slice(0, 10)) plan.push([json(g), String(g['card_number']), 'dup']);
  for (const g of good.slice(10, 15)) plan.push([await encoded(g), String(g['card_number']), 'dup']);
  plan.push(
    [json(liveTx(900, { amount: -5, card_number: badCard })), badCard, 'AMOUNT_OUT_OF_RANGE'],
    [json(liveTx(901, { card_number: wrongCheck })), wrongCheck, 'CARD_NUMBER_INVALID'],
    [json(liveTx(902, { card_number: badCard.replace(/(\d{4})(?=\d)/g, '$1-') })), badCard, 'CARD_NUMBER_INVALID'],
    [json(liveTx(903, { currency: 'eur', card_number: badCard })), badCard, 'CURRENCY_INVALID'],
    [json(liveTx(904, { event_time: Date.now() + 3_600_000, card_number: badCard })), badCard, 'EVENT_TIME_IN_FUTURE'],
    [json(liveTx(905, { customer_id: badCard, card_number: badCard })), badCard, 'ID_CONTAINS_CARD_NUMBER'],
    [Buffer.from(`{"transaction_id":"tx-906","card_number":"${escaped}","amount":1,"currency":"ABC","event_time":${Date.now()}}`), null, 'CURRENCY_INVALID'],
    [Buffer.from(`card ${badCard} expired`), badCard, 'DECODE_FAILED'],
    [Buffer.from(`{"card_number": "${badCard}", oops`), badCard, 'DECODE_FAILED'],
    [json([liveTx(907, { card_number: badCard })] as unknown as Record<string, unknown>), badCard, 'DECODE_FAILED'],
    [Buffer.from(JSON.stringify(liveTx(908, { card_number: badCard })), 'utf16le'), badCard, 'DECODE_FAILED'],
    [Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from(`garbage ${badCard}`)]), badCard, 'DECODE_FAILED'],
    [validAvroBody.subarray(0, validAvroBody.length - 12), badCard, 'DECODE_FAILED'],
    [await encoded(liveTx(909, { amount: 2_000_000, card_number: badCard })), badCard, 'AMOUNT_OUT_OF_RANGE'],
    [null, badCard, 'DECODE_FAILED'],
  );
  // Spread over two partitions, in order, so the same-partition copies come after their originals.
  const p0 = plan.filter((_, i) => i % 2 === 0);
  const p1 = plan.filter((_, i) => i % 2 === 1);
  const coords = [...(await produceMany(env, p0.map(([value, key]) => ({ value, key })), 0)), ...(await produceMany(env, p1.map(([value, key]) => ({ value, key })), 1))];
  const ordered = [...p0, ...p1];
  const expectedDlq = new Map<string, string>();
  ordered.forEach(([, , reason], i) => {
    if (reason !== null && reason !== 'dup') expectedDlq.set(`${coords[i]!.partition}:${coords[i]!.offset}`, reason);
  });

  const ingest = await startIngest(t, env);
  const { messages, values } = await readValid(env, good.length);
  const ids = values.map((v) => v.transaction_id).sort();
  assert.deepEqual(ids, good.map((g) => String(g['transaction_id'])).sort(), 'each good record exactly once');
  for (const v of values) {
    const src = good.find((g) => g['transaction_id'] === v.transaction_id)!;
    const card = String(src['card_number']);
    assert.ok(tokenizer.verify(card, v.card_token, v.card_key_id), 'token is the HMAC under the active key');
    assert.equal(v.card_bin, card.slice(0, 6));
    assert.equal(v.card_last4, card.slice(-4));
    assert.equal(v.amount, src['amount']);
  }
  assert.ok(messages.every((m, i) => m.key!.toString() === values[i]!.card_token), 'keyed by card token');

  const dlq = await readTopic(env.kafka, env.names.transactionsDlq, { count: expectedDlq.size, timeoutMs: 30000, settleMs: 1000 });
  assert.equal(dlq.length, expectedDlq.size);
  const seen = new Map(dlq.map((m) => [`${m.headers![DLQ_HEADERS.partition]}:${m.headers![DLQ_HEADERS.offset]}`, m]));
  for (const [at, reason] of expectedDlq) {
    const m = seen.get(at);
    assert.ok(m, `DLQ record for ${at}`);
    assert.equal(m.headers![DLQ_HEADERS.reason]!.toString(), reason, `reason of ${at}`);
    assert.equal(m.headers![DLQ_HEADERS.service]!.toString(), 'ingest');
    assert.equal(m.headers![DLQ_HEADERS.topic]!.toString(), env.names.transactionsRaw);
  }

  const allPans = [...good.map((g) => String(g['card_number'])), badCard, wrongCheck];
  const dlqText = allBytes(dlq);
  assert.deepEqual(findKnownCardNumbers(allBytes(messages), allPans), [], 'no card number on valid');
  assert.deepEqual(findKnownCardNumbers(dlqText, allPans), [], 'no card number on the DLQ (keys, values, headers)');
  // The original record's Kafka timestamp (13 digits, epoch ms) is the one long number a DLQ record may carry.
  const withoutTimestamps = dlqText.replace(new RegExp(`${DLQ_HEADERS.timestamp.replace(/\./g, '\\.')}=\\d{13}`, 'g'), '');
  assert.deepEqual(findLuhnValidRuns(withoutTimestamps), [], 'no Luhn-valid 12-19 digit run on the DLQ');
  const masked = [...seen.values()].map((m) => m.value?.toString('latin1') ?? '').join('\n');
  assert.ok(masked.includes(`${badCard.slice(0, 6)}******${badCard.slice(-4)}`), 'the DLQ keeps BIN and last four for debugging');

  const redis = await redisEntries(ingest.redisPrefix);
  assert.equal(redis.size, good.length, 'one marker per unique transaction');
  for (const [key, value] of redis) {
    assert.match(key.slice(ingest.redisPrefix.length), /^t-ingest-mixed-[^:]+\.[0-9a-f]{64}$/);
    assert.match(value ?? '', new RegExp(`^${env.names.transactionsRaw.replace(/\./g, '\\.')}:[01]:\\d+$`));
  }
  assert.deepEqual(findKnownCardNumbers([...redis].flat().join('\n'), allPans), [], 'no card number in Redis');

  // Counters count processing: exact unless a micro-batch was processed again because its transaction
  // did not commit (a rebalance or a failed commit: riskstream_transaction_failures_total); the topics
  // above are exact either way.
  const reprocessed = (await ingest.metric('riskstream_transaction_failures_total')) > 0;
  const counted = async (name: string, expected: number, labels?: Record<string, string>) => {
    const value = await ingest.metric(name, labels);
    if (reprocessed) assert.ok(value >= expected, name);
    else assert.equal(value, expected, name);
  };
  await counted('ingest_records_total', good.length, { outcome: 'valid' });
  await counted('ingest_records_total', 15, { outcome: 'duplicate' });
  await counted('ingest_duplicates_total', 15);
  await counted('ingest_records_total', expectedDlq.size, { outcome: 'rejected' });
  await counted('ingest_rejections_total', 7, { reason: 'DECODE_FAILED' });
  await counted('riskstream_dlq_messages_total', expectedDlq.size);
  const metricsText = await ingest.service.ctx.registry.metrics();
  assert.deepEqual(findKnownCardNumbers(metricsText, allPans), [], 'no card number in metrics');
});

test('integration: a redelivery (marker already at the same coordinates) is processed; other coordinates are duplicates', async (t) => {
  const env = await integrationEnv('ingest-redeliver');
  t.after(() => env.cleanup());
  const [a, b, c] = [liveTx(1), liveTx(2), liveTx(3)];
  const json = (v: Record<string, unknown>) => ({ value: Buffer.from(JSON.stringify(v)), key: String(v['card_number']) });
  // a: its marker holds its own coordinates, as after an aborted transaction -> processed.
  // a (copy): same id, later offset -> duplicate. b: marker held by a record elsewhere -> duplicate.
  // c: no marker -> first.
  const coords = await produceMany(env, [json(a), json(a), json(b), json(c)], 3);
  const ingestVars = { INGEST_DEDUP_KEY_PREFIX: `test:ingest:redeliver-${Date.now()}:` };
  const prefix = ingestVars.INGEST_DEDUP_KEY_PREFIX + env.namespace;
  const key = (id: unknown) => prefix + createHash('sha256').update(String(id)).digest('hex');
  const redis = testRedis();
  try {
    await redis.set(key(a['transaction_id']), `${env.names.transactionsRaw}:3:${coords[0]!.offset}`, 'EX', 600);
    await redis.set(key(b['transaction_id']), `${env.names.transactionsRaw}:5:12345`, 'EX', 600);
  } finally {
    redis.disconnect();
  }

  const ingest = await startIngest(t, env, ingestVars);
  const { values } = await readValid(env, 2);
  assert.deepEqual(values.map((v) => v.transaction_id).sort(), ['tx-000001', 'tx-000003']);
  assert.equal(await ingest.metric('ingest_redeliveries_total'), 1);
  assert.equal(await ingest.metric('ingest_duplicates_total'), 2);
});

test('integration: POST /transactions -> 202 with per-record results, 400, 413, 429, and the accepted records reach valid once', async (t) => {
  const env = await integrationEnv('ingest-http');
  t.after(() => env.cleanup());
  const ingest = await startIngest(t, env, { INGEST_HTTP_MAX_BODY_BYTES: '20000', INGEST_HTTP_MAX_RECORDS: '50', INGEST_HTTP_MAX_IN_FLIGHT_REQUESTS: '1' });
  const url = `${ingest.url}/transactions`;
  const post = async (body: string) => {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  const batch = [liveTx(1), liveTx(2, { amount: -1 }), liveTx(3), liveTx(4, { card_number: '1234' })];
  const first = await post(JSON.stringify(batch));
  assert.equal(first.status, 202);
  assert.equal(first.body['accepted'], 2);
  assert.deepEqual((first.body['rejected'] as Array<{ index: number; reason: string }>).map((r) => [r.index, r.reason]), [[1, 'AMOUNT_OUT_OF_RANGE'], [3, 'CARD_NUMBER_INVALID']]);
  assert.equal((await post(JSON.stringify(liveTx(5)))).status, 202, 'a single object');
  assert.equal((await post(JSON.stringify(liveTx(1)))).status, 202, 'a resubmission is accepted here and dropped downstream');

  const bad = await post(`{"card_number":"${pan(1)}"`);
  assert.equal(bad.status, 400);
  assert.ok(!JSON.stringify(bad.body).includes(pan(1)));
  assert.equal((await post(JSON.stringify(Array.from({ length: 51 }, (_, i) => liveTx(i))))).status, 413, 'too many records');
  assert.equal((await post(JSON.stringify({ pad: 'x'.repeat(25000) }))).status, 413, 'body too large');

  // Hold one request open mid-body: with one request allowed in flight, the next one gets 429.
  const body = JSON.stringify(liveTx(6));
  const holding = new Promise<{ status: number }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode! }));
    });
    req.on('error', reject);
    req.write(body.slice(0, 10));
    void waitFor('held request in flight', async () => (await ingest.metric('ingest_http_in_flight_requests')) === 1, 10000).then(async () => {
      const busy = await post(JSON.stringify(liveTx(7)));
      assert.equal(busy.status, 429);
      assert.equal(busy.headers.get('retry-after'), '1');
      req.end(body.slice(10));
    }, reject);
  });
  assert.equal((await holding).status, 202);

  const { values } = await readValid(env, 4);
  assert.deepEqual(values.map((v) => v.transaction_id).sort(), ['tx-000001', 'tx-000003', 'tx-000005', 'tx-000006']);
  assert.equal(await ingest.metric('ingest_http_requests_total', { status: '202' }), 4);
  assert.equal(await ingest.metric('ingest_http_requests_total', { status: '429' }), 1);
  assert.equal(await ingest.metric('ingest_http_requests_total', { status: '413' }), 2);
  // The resubmission was dropped (valid holds each id once, above). The counter counts processing: a
  // micro-batch processed again (its transaction not committed before a rebalance or restart) counts it
  // again, which the CI rehearsal saw once (2); riskstream_transaction_failures_total says so.
  const duplicates = await ingest.metric('ingest_duplicates_total');
  if ((await ingest.metric('riskstream_transaction_failures_total')) > 0) assert.ok(duplicates >= 1);
  else assert.equal(duplicates, 1);
  const raw = await readTopic(env.kafka, env.names.transactionsRaw, { count: 5, timeoutMs: 10000, settleMs: 500 });
  assert.ok(raw.every((m) => /^[0-9a-f]{64}$/.test(m.key!.toString())), 'HTTP records are keyed by card token on raw');
  for (const m of raw) {
    const card = String(((await env.codec.decode('transactionsRaw', m.value)) as { card_number: unknown }).card_number);
    assert.equal(m.partition, partitionForKey(card, TOPICS.transactionsRaw.partitions), 'on the partition a producer keying by card number picks');
  }
});

test('integration: a Redis outage pauses the stream (no drops, no DLQ) and it resumes when Redis is back', async (t) => {
  const env = await integrationEnv('ingest-redis-down');
  t.after(() => env.cleanup());
  const proxy = new TcpProxy({ host: '127.0.0.1', port: 6379 });
  await proxy.start();
  t.after(() => proxy.stop());
  const ingest = await startIngest(t, env, { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, INGEST_REDIS_TIMEOUT_MS: '500' });
  const json = (v: Record<string, unknown>) => ({ value: Buffer.from(JSON.stringify(v)), key: String(v['card_number']) });

  await produceMany(env, Array.from({ length: 20 }, (_, i) => json(liveTx(i))), 0);
  await waitFor('first records through', async () => (await ingest.metric('ingest_records_total', { outcome: 'valid' })) === 20, 60000);

  await proxy.stop();
  await produceMany(env, Array.from({ length: 20 }, (_, i) => json(liveTx(100 + i))), 0);
  await waitFor('retries under way', async () => (await ingest.metric('riskstream_handler_retries_total', { code: 'DEPENDENCY_UNAVAILABLE' })) >= 2, 30000);
  assert.equal(await ingest.metric('ingest_records_total', { outcome: 'valid' }), 20, 'nothing passes while Redis is down');
  const ready = await fetch(`${ingest.url}/readyz`);
  assert.equal(ready.status, 503, 'readiness reports Redis');

  await proxy.start();
  const { values } = await readValid(env, 40);
  assert.equal(values.length, 40);
  assert.equal(new Set(values.map((v) => v.transaction_id)).size, 40);
  const dlq = await readTopic(env.kafka, env.names.transactionsDlq, { count: 1, timeoutMs: 2000, settleMs: 0 });
  assert.equal(dlq.length, 0, 'an outage never dead-letters');
  t.diagnostic(`retries during the outage: ${await ingest.metric('riskstream_handler_retries_total')}`);
});

test('integration: POST /transactions with INGEST_HTTP_API_KEYS: 401 without a listed bearer key, 202 with either key', async (t) => {
  const env = await integrationEnv('ingest-auth');
  t.after(() => env.cleanup());
  const ingest = await startIngest(t, env, { INGEST_HTTP_API_KEYS: 'old:0123456789abcdef0123,new:fedcba9876543210fedc' });
  const post = (headers: Record<string, string>) =>
    fetch(`${ingest.url}/transactions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(rawTx(900)) });
  assert.equal((await post({})).status, 401);
  assert.equal((await post({ authorization: 'Bearer 0123456789abcdef012' })).status, 401);
  assert.equal((await post({ authorization: 'Bearer 0123456789abcdef0123' })).status, 202);
  assert.equal((await post({ authorization: 'Bearer fedcba9876543210fedc' })).status, 202);
  assert.equal(await ingest.metric('ingest_http_requests_total', { status: '401' }), 2);
});
