import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import {
  DLQ_HEADERS,
  ValidationError,
  createConsumerRunner,
  createLogger,
  createMetricsRegistry,
  createIdempotentProducer,
  sendRecords,
  type OutputRecord,
} from '@riskstream/shared';
import { integrationEnv, readTopic, type IntegrationEnv } from '../support/integration.ts';
import { startChild, waitFor } from '../support/child-service.ts';

function rawTx(i: number, amount = 10 + (i % 90)): Record<string, unknown> {
  return {
    transaction_id: `tx-${String(i).padStart(6, '0')}`,
    card_number: `40000000000${String(i % 50).padStart(5, '0')}`,
    customer_id: null,
    terminal_id: `t-${i % 7}`,
    amount,
    currency: 'EUR',
    channel: null,
    event_time: 1522540800000 + i * 1000,
  };
}

async function produceRaw(env: IntegrationEnv, values: Array<Record<string, unknown>>): Promise<void> {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  const records: OutputRecord[] = values.map((v) => ({ topic: 'transactionsRaw', key: String(v['card_number']), value: v }));
  for (let i = 0; i < records.length; i += 500) await sendRecords(producer, env.codec, records.slice(i, i + 500));
  await producer.disconnect();
}

async function committedByPartition(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((res?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
  } finally {
    await admin.disconnect();
  }
}

async function committedTotal(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  return [...(await committedByPartition(kafka, groupId, topic)).values()].reduce((a, b) => a + b, 0);
}

interface Output {
  id: string;
  /** partition and offset of the input record, from the relay's header */
  sourcePartition: number;
  sourceOffset: number;
}

async function outputs(env: IntegrationEnv, expected: number): Promise<Output[]> {
  const msgs = await readTopic(env.kafka, env.names.transactionsValid, { count: expected, timeoutMs: 60000, settleMs: 2000 });
  const out: Output[] = [];
  for (const m of msgs) {
    const [p, o] = m.headers!['source.offset']!.toString().split(':').map(Number);
    const id = ((await env.codec.decode('transactionsValid', m.value)) as { transaction_id: string }).transaction_id;
    out.push({ id, sourcePartition: p!, sourceOffset: o! });
  }
  return out;
}

async function outputIds(env: IntegrationEnv, expected: number): Promise<string[]> {
  return (await outputs(env, expected)).map((o) => o.id);
}

test('integration: an Avro record round-trips through Kafka and the registry in Confluent wire format', async (t) => {
  const env = await integrationEnv('avro');
  t.after(() => env.cleanup());
  const value = rawTx(1);
  await produceRaw(env, [value]);
  const [msg] = await readTopic(env.kafka, env.names.transactionsRaw, { count: 1, settleMs: 0 });
  assert.ok(msg?.value);
  assert.equal(msg.value[0], 0, 'magic byte');
  assert.equal(msg.value.readUInt32BE(1), env.codec.schemaId('transactionsRaw'));
  assert.deepEqual({ ...(await env.codec.decode('transactionsRaw', msg.value)) as object }, value);
});

test('integration: a poison message lands on the DLQ with its headers while the good ones around it are processed', async (t) => {
  const env = await integrationEnv('poison');
  t.after(() => env.cleanup());
  const logger = createLogger('test-poison', { level: 'silent' });
  const producer = env.kafka.producer();
  await producer.connect();
  const good = [rawTx(1), rawTx(2), rawTx(3), rawTx(4)];
  const encoded = await Promise.all(good.map((g) => env.codec.encode('transactionsRaw', g)));
  const unknownSchema = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from('garbage')]);
  await producer.send({
    topic: env.names.transactionsRaw,
    messages: [
      { key: 'k', partition: 2, value: encoded[0]! },
      { key: 'k', partition: 2, value: Buffer.from('{not json') },
      { key: 'k', partition: 2, value: encoded[1]! },
      { key: 'k', partition: 2, value: Buffer.from(JSON.stringify(rawTx(5, -3))) },
      { key: 'k', partition: 2, value: unknownSchema },
      { key: 'k', partition: 2, value: Buffer.from(JSON.stringify(good[2])) },
      { key: 'k', partition: 2, value: Buffer.from(JSON.stringify({ ...rawTx(6), explode: true })) },
      { key: 'k', partition: 2, value: encoded[3]! },
    ],
  });
  await producer.disconnect();

  const seen: string[] = [];
  const runner = createConsumerRunner<Record<string, unknown>>({
    service: 'poison-test',
    kafka: env.kafka,
    codec: env.codec,
    groupId: env.uniqueGroup('poison'),
    inputs: ['transactionsRaw'],
    microBatchSize: 100,
    registry: createMetricsRegistry('poison-test', { defaultMetrics: false }),
    logger,
    validate: (_t, v) => {
      const value = v as Record<string, unknown>;
      if (typeof value['amount'] !== 'number' || (value['amount'] as number) < 0) {
        throw new ValidationError('AMOUNT_OUT_OF_RANGE', [{ path: 'amount', problem: 'must be >= 0' }]);
      }
      return value;
    },
    handler: async (messages) => {
      // A handler bug on one record: the runner isolates it instead of failing its neighbours.
      if (messages.some((m) => m.value['explode'] === true)) throw new TypeError('cannot handle this record');
      seen.push(...messages.map((m) => String(m.value['transaction_id'])));
      return { outputs: [] };
    },
  });
  t.after(() => runner.stop());
  void runner.start();

  const dlq = await readTopic(env.kafka, env.names.transactionsDlq, { count: 4, timeoutMs: 60000, settleMs: 1500 });
  await waitFor('good records handled', () => seen.length >= 4, 30000);
  assert.deepEqual([...new Set(seen)].sort(), ['tx-000001', 'tx-000002', 'tx-000003', 'tx-000004']);
  assert.equal(dlq.length, 4);
  const byOffset = new Map(dlq.map((m) => [m.headers![DLQ_HEADERS.offset]!.toString(), m]));
  const expectations: Array<[string, string, string]> = [
    ['1', 'DECODE_FAILED', 'DECODE_FAILED'],
    ['3', 'VALIDATION_FAILED', 'AMOUNT_OUT_OF_RANGE'],
    ['4', 'DECODE_FAILED', 'DECODE_FAILED'],
    ['6', 'HANDLER_FAILED', 'HANDLER_FAILED'],
  ];
  for (const [offset, code, reason] of expectations) {
    const m = byOffset.get(offset);
    assert.ok(m, `DLQ record for offset ${offset}`);
    const h = m.headers!;
    assert.equal(h[DLQ_HEADERS.code]!.toString(), code);
    assert.equal(h[DLQ_HEADERS.reason]!.toString(), reason);
    assert.equal(h[DLQ_HEADERS.topic]!.toString(), env.names.transactionsRaw);
    assert.equal(h[DLQ_HEADERS.partition]!.toString(), '2');
    assert.match(h[DLQ_HEADERS.timestamp]!.toString(), /^\d{13}$/);
    assert.ok(h[DLQ_HEADERS.message]!.toString().length > 0);
  }
  assert.equal(byOffset.get('1')!.value!.toString(), '{not json', 'DLQ keeps the original payload');
});

for (const mode of ['at-least-once', 'transactional'] as const) {
  test(`integration: ${mode}: a consumer killed mid-batch and restarted loses nothing and reprocesses nothing it had committed`, async (t) => {
    const env = await integrationEnv(`kill-${mode === 'transactional' ? 'tx' : 'alo'}`);
    t.after(() => env.cleanup());
    const total = 3000;
    await produceRaw(env, Array.from({ length: total }, (_, i) => rawTx(i)));
    const groupId = env.uniqueGroup('relay');
    const childEnv = { TOPIC_NAMESPACE: env.namespace, GROUP_ID: groupId, DELIVERY_MODE: mode, MICRO_BATCH: '50', HANDLER_DELAY_MS: '100' };

    const first = startChild('test/fixtures/relay-service.ts', childEnv);
    await waitFor('some progress before the kill', async () => (await committedTotal(env.kafka, groupId, env.names.transactionsRaw)) >= 600, 90000);
    first.child.kill('SIGKILL');
    await first.exited();
    const atKill = await committedByPartition(env.kafka, groupId, env.names.transactionsRaw);
    const committedAtKill = [...atKill.values()].reduce((a, b) => a + b, 0);
    assert.ok(committedAtKill < total, 'killed mid-stream');

    const second = startChild('test/fixtures/relay-service.ts', childEnv);
    t.after(async () => {
      second.child.kill('SIGTERM');
      await second.exited();
    });
    await waitFor('all input committed', async () => (await committedTotal(env.kafka, groupId, env.names.transactionsRaw)) >= total, 120000);

    const outs = await outputs(env, total);
    const ids = outs.map((o) => o.id);
    const unique = new Set(ids);
    assert.equal(unique.size, total, `lost ${total - unique.size}`);
    const duplicates = ids.length - unique.size;
    // Nothing committed before the kill is processed again.
    const countById = new Map<string, number>();
    for (const id of ids) countById.set(id, (countById.get(id) ?? 0) + 1);
    const committedBefore = outs.filter((o) => o.sourceOffset < (atKill.get(o.sourcePartition) ?? 0));
    assert.equal(committedBefore.length, committedAtKill, 'one output per input committed before the kill');
    assert.ok(committedBefore.every((o) => countById.get(o.id) === 1), 'a record committed before the kill was reprocessed');
    if (mode === 'transactional') {
      assert.equal(duplicates, 0, 'read_committed output has no duplicates');
    } else {
      // At-least-once may redeliver only what was uncommitted at the kill: at most one micro-batch per partition.
      assert.ok(duplicates <= 6 * 50, `duplicates ${duplicates} exceed one in-flight micro-batch per partition`);
    }
    t.diagnostic(`${mode}: committed at kill ${committedAtKill}, outputs ${ids.length}, duplicates ${duplicates}`);
  });
}

test('integration: SIGTERM drains the in-flight batch, commits it and exits 0', async (t) => {
  const env = await integrationEnv('drain');
  t.after(() => env.cleanup());
  const total = 1000;
  await produceRaw(env, Array.from({ length: total }, (_, i) => rawTx(i)));
  const groupId = env.uniqueGroup('relay');
  const svc = startChild('test/fixtures/relay-service.ts', {
    TOPIC_NAMESPACE: env.namespace,
    GROUP_ID: groupId,
    MICRO_BATCH: '25',
    HANDLER_DELAY_MS: '300',
  });
  await waitFor('processing under way', () => /joined group/.test(svc.output()), 60000);
  await waitFor('first commit', async () => (await committedTotal(env.kafka, groupId, env.names.transactionsRaw)) > 0, 60000);
  svc.child.kill('SIGTERM');
  const { code } = await svc.exited();
  assert.equal(code, 0, svc.output().slice(-2000));
  assert.match(svc.output(), /shutdown complete/);
  const committed = await committedTotal(env.kafka, groupId, env.names.transactionsRaw);
  assert.ok(committed > 0 && committed < total, `stopped mid-stream (committed ${committed})`);
  // Every committed input has its output, and nothing was produced beyond what was committed.
  const ids = await outputIds(env, committed);
  assert.equal(ids.length, committed);
  assert.equal(new Set(ids).size, committed);
});

test('integration: transactional: an input over maxInputBytes and an input whose output the broker would refuse go to the DLQ, masked by the hook, while their neighbours commit', async (t) => {
  const env = await integrationEnv('too-large');
  t.after(() => env.cleanup());
  const producer = env.kafka.producer();
  await producer.connect();
  const big = { ...rawTx(2), customer_id: 'x'.repeat(10_000) };
  await producer.send({
    topic: env.names.transactionsRaw,
    messages: [rawTx(1), big, { ...rawTx(3), bloat: true }, rawTx(4)].map((v) => ({ key: '4000000000000002', partition: 1, value: Buffer.from(JSON.stringify(v)) })),
  });
  await producer.disconnect();

  const runner = createConsumerRunner<Record<string, unknown>>({
    service: 'too-large-test',
    kafka: env.kafka,
    codec: env.codec,
    groupId: env.uniqueGroup('too-large'),
    inputs: ['transactionsRaw'],
    mode: 'transactional',
    maxInputBytes: 4096,
    registry: createMetricsRegistry('too-large-test', { defaultMetrics: false }),
    logger: createLogger('too-large-test', { level: 'silent' }),
    // One output per input on a bytes topic; record 3's carries a 1.5 MB header, over the broker's 1 MiB.
    handler: async (messages) => ({
      outputs: messages.map((m) => ({
        topic: 'transactionsDlq' as const,
        key: null,
        value: Buffer.from(String(m.value['transaction_id'])),
        headers: { kind: 'output', ...(m.value['bloat'] ? { bloat: 'y'.repeat(1_500_000) } : {}) },
      })),
    }),
    maskDlq: (c) => ({ key: c.key === null ? null : Buffer.from('masked-key'), payload: Buffer.from(`masked ${c.payload.length} bytes`), message: `masked: ${c.message.length} chars` }),
  });
  t.after(() => runner.stop());
  void runner.start();

  const all = await readTopic(env.kafka, env.names.transactionsDlq, { count: 4, timeoutMs: 60000, settleMs: 2000 });
  const outputsSeen = all.filter((m) => m.headers?.['kind']?.toString() === 'output').map((m) => m.value!.toString());
  const dead = all.filter((m) => m.headers?.[DLQ_HEADERS.code] !== undefined);
  assert.deepEqual(outputsSeen.sort(), ['tx-000001', 'tx-000004']);
  assert.deepEqual(dead.map((m) => [m.headers![DLQ_HEADERS.offset]!.toString(), m.headers![DLQ_HEADERS.code]!.toString(), m.headers![DLQ_HEADERS.reason]!.toString()]).sort(), [
    ['1', 'RECORD_TOO_LARGE', 'INPUT_TOO_LARGE'],
    ['2', 'RECORD_TOO_LARGE', 'OUTPUT_TOO_LARGE'],
  ]);
  for (const m of dead) {
    assert.equal(m.key!.toString(), 'masked-key');
    assert.match(m.value!.toString(), /^masked \d+ bytes$/);
    assert.match(m.headers![DLQ_HEADERS.message]!.toString(), /^masked: \d+ chars$/);
  }
  // The oversized input keeps no payload on the DLQ: it would be as large as the input.
  assert.equal(dead.find((m) => m.headers![DLQ_HEADERS.offset]!.toString() === '1')!.value!.toString(), 'masked 0 bytes');
  assert.equal(await committedTotal(env.kafka, runner.groupId, env.names.transactionsRaw), 4, 'all four offsets committed');
});
