import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createMetricsRegistry, DependencyError, DLQ_HEADERS, pipelineMetrics, SOURCE_PARTITION_HEADER, type InputMessage, type OutputRecord } from '@riskstream/shared';
import { CardTokenizer, parseCardTokenKeys } from '../../../services/ingest/src/card-token.ts';
import { createIngestHandler, type ValidRecord } from '../../../services/ingest/src/ingest-handler.ts';
import { ingestMetrics } from '../../../services/ingest/src/ingest-metrics.ts';
import { UndecodableRecord, type RawInput } from '../../../services/ingest/src/raw-record-codec.ts';
import { TransactionDedup } from '../../../services/ingest/src/transaction-dedup.ts';
import { FakeMarkerStore, findKnownCardNumbers, findLuhnValidRuns, NOW, pan, rawTx, TEST_KEYS } from './transaction-fixtures.ts';

const signal = new AbortController().signal;
const ctx = { heartbeat: async () => undefined, signal };

function setup() {
  const registry = createMetricsRegistry('ingest-test', { defaultMetrics: false });
  const store = new FakeMarkerStore();
  const tokenizer = new CardTokenizer(parseCardTokenKeys(TEST_KEYS), 'k1');
  const handler = createIngestHandler({
    service: 'ingest',
    rules: { maxAmount: 1_000_000, maxFutureMs: 600_000 },
    tokenizer,
    dedup: new TransactionDedup({ store, keyPrefix: 'p:', horizonSeconds: 3600 }),
    metrics: ingestMetrics(registry),
    dlqCounter: pipelineMetrics(registry).dlq,
    logger: createLogger('ingest-test', { level: 'silent' }),
    now: () => NOW,
  });
  return { registry, store, tokenizer, handler };
}

let nextOffset = 0;
function msg(value: RawInput, raw: Buffer | null, key: string | null = null, partition = 0): InputMessage<RawInput> {
  return {
    topic: 'transactionsRaw',
    topicName: 'transactions.raw.v1',
    partition,
    offset: String(nextOffset++),
    timestamp: String(NOW),
    key: key === null ? null : Buffer.from(key),
    headers: {},
    raw,
    value,
  };
}

function jsonMsg(v: Record<string, unknown>): InputMessage<RawInput> {
  return msg(v, Buffer.from(JSON.stringify(v)), String(v['card_number']));
}

const valid = (outputs: readonly OutputRecord[]) => outputs.filter((o) => o.topic === 'transactionsValid');
const dlq = (outputs: readonly OutputRecord[]) => outputs.filter((o) => o.topic === 'transactionsDlq');

test('good records come out tokenised and keyed by card token; no card number in any output', async () => {
  const { handler, tokenizer } = setup();
  const inputs = [rawTx(1), rawTx(2), rawTx(3, { channel: null, customer_id: null })];
  const { outputs } = await handler(inputs.map(jsonMsg), ctx);
  const out = valid(outputs);
  assert.equal(out.length, 3);
  assert.equal(dlq(outputs).length, 0);
  for (const [i, o] of out.entries()) {
    const v = o.value as ValidRecord;
    assert.equal(v.transaction_id, inputs[i]!['transaction_id']);
    assert.equal(o.key, v.card_token);
    assert.ok(tokenizer.verify(String(inputs[i]!['card_number']), v.card_token, v.card_key_id));
    assert.equal(v.ingest_time, NOW);
    assert.ok(!('card_number' in v));
  }
  assert.deepEqual(findKnownCardNumbers(JSON.stringify(outputs), inputs.map((i) => String(i['card_number']))), []);
});

test('bad records go to the DLQ with reason headers and a masked key, payload and message', async () => {
  const { handler, registry } = setup();
  const card = pan(77);
  const badJson = Buffer.from(`card ${card} is not json`);
  const inputs = [
    jsonMsg(rawTx(1)),
    jsonMsg(rawTx(2, { amount: -5 })),
    msg(new UndecodableRecord(`Unexpected token 'c', "card ${card} is"... is not valid JSON`), badJson, card),
    jsonMsg(rawTx(3, { card_number: card.slice(0, -1) + ((Number(card.at(-1)) + 1) % 10) })),
    jsonMsg(rawTx(4, { customer_id: pan(4) })),
    jsonMsg(rawTx(5)),
  ];
  const { outputs } = await handler(inputs, ctx);
  assert.deepEqual(valid(outputs).map((o) => (o.value as ValidRecord).transaction_id), ['tx-000001', 'tx-000005']);
  const dead = dlq(outputs);
  assert.deepEqual(dead.map((d) => d.headers![DLQ_HEADERS.reason]), ['AMOUNT_OUT_OF_RANGE', 'DECODE_FAILED', 'CARD_NUMBER_INVALID', 'ID_CONTAINS_CARD_NUMBER']);
  assert.deepEqual(dead.map((d) => d.headers![DLQ_HEADERS.offset]), [inputs[1]!.offset, inputs[2]!.offset, inputs[3]!.offset, inputs[4]!.offset]);
  for (const d of dead) {
    assert.equal(d.headers![DLQ_HEADERS.service], 'ingest');
    const text = [String((d.key as Buffer | null)?.toString('latin1')), (d.value as Buffer).toString('latin1'), JSON.stringify(d.headers)].join('\n');
    assert.deepEqual(findKnownCardNumbers(text, [card, pan(1), pan(2), pan(3), pan(4), pan(5)]), []);
    assert.deepEqual(findLuhnValidRuns(text), []);
  }
  assert.equal((dead[1]!.key as Buffer).toString(), card.slice(0, 6) + '******' + card.slice(-4));
  assert.match((dead[1]!.value as Buffer).toString(), /^card 400000\*{6}\d{4} is not json$/);
  const metrics = await registry.getMetricsAsJSON();
  const value = (name: string, labels: Record<string, string>) =>
    metrics.find((m) => m.name === name)!.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
  assert.equal(value('ingest_records_total', { outcome: 'valid' }), 2);
  assert.equal(value('ingest_records_total', { outcome: 'rejected' }), 4);
  assert.equal(value('ingest_rejections_total', { source: 'kafka', reason: 'DECODE_FAILED' }), 1);
  assert.equal(value('riskstream_dlq_messages_total', { code: 'VALIDATION_FAILED' }), 3);
});

test('duplicates are dropped and counted; a rejected record does not claim its id', async () => {
  const { handler, registry } = setup();
  const first = await handler([jsonMsg(rawTx(1)), jsonMsg(rawTx(1)), jsonMsg(rawTx(2, { amount: -1 }))], ctx);
  assert.equal(valid(first.outputs).length, 1);
  const second = await handler([jsonMsg(rawTx(1)), jsonMsg(rawTx(2))], ctx);
  assert.deepEqual(valid(second.outputs).map((o) => (o.value as ValidRecord).transaction_id), ['tx-000002'], 'the fixed tx-000002 is accepted');
  const text = await registry.metrics();
  assert.match(text, /ingest_records_total\{outcome="duplicate",service="ingest-test"\} 2/);
  assert.match(text, /ingest_duplicates_total\{service="ingest-test"\} 2/);
});

test('a redelivered batch (same coordinates) produces the same outputs again', async () => {
  const { handler, registry } = setup();
  const batch = [jsonMsg(rawTx(1)), jsonMsg(rawTx(2))];
  const a = await handler(batch, ctx);
  const b = await handler(batch, ctx);
  assert.deepEqual(valid(b.outputs).map((o) => o.value), valid(a.outputs).map((o) => o.value));
  assert.match(await registry.metrics(), /ingest_redeliveries_total\{service="ingest-test"\} 2/);
});

test('Redis down: the handler throws a retriable error and produces nothing', async () => {
  const { handler, store } = setup();
  store.failWith = new DependencyError('redis', 'connect ECONNREFUSED');
  await assert.rejects(handler([jsonMsg(rawTx(1)), jsonMsg(rawTx(2, { amount: -1 }))], ctx), { retriable: true, code: 'DEPENDENCY_UNAVAILABLE' });
  store.failWith = undefined;
  const { outputs } = await handler([jsonMsg(rawTx(1))], ctx);
  assert.equal(valid(outputs).length, 1, 'and carries on once Redis is back');
});

test('each valid record names the raw partition it came from, for the features stage\'s lateness', async () => {
  const { handler } = setup();
  const inputs = [msg(rawTx(11), Buffer.from(JSON.stringify(rawTx(11))), null, 4), msg(rawTx(12), Buffer.from(JSON.stringify(rawTx(12))), null, 1)];
  const { outputs } = await handler(inputs, ctx);
  assert.deepEqual(valid(outputs).map((o) => o.headers), [
    { [SOURCE_PARTITION_HEADER]: 'transactions.raw.v1:4' },
    { [SOURCE_PARTITION_HEADER]: 'transactions.raw.v1:1' },
  ]);
});
