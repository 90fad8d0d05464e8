/**
 * The bad-input cases of ingest-input.test.ts on the real stack: random bytes, wrong magic byte, an unknown
 * schema id (unknown to the real registry), truncated and bit-flipped Avro (that no longer decodes), deep
 * JSON and invalid records, produced into a real transactions.raw.v1 among good ones (Avro with the
 * registry's own schema id, and JSON). A fused process (ingest, features and scoring in one transaction per
 * commit) must dead-letter each bad one with its coordinates and reason, and score every good one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avsc from 'avsc';
import fc from 'fast-check';
import { DLQ_HEADERS, loadConfig, readSchemaFile, runService } from '@riskstream/shared';
import { ModelRegistry } from '@riskstream/training';
import { buildFused, checkFusedConfig, fusedConfigSchema } from '../../services/fused/src/app.ts';
import { integrationEnv, readTopic, uniqueId } from '../support/integration.ts';
import { pipelineEnv } from '../support/pipeline-env.ts';
import { handMadeEnsemble, registerModel } from '../services/scoring/scoring-fixtures.ts';
import { pan } from '../services/ingest/transaction-fixtures.ts';
import { confluentFrame, deepJson, privateRedis } from './property-support.ts';

const rawType = avsc.Type.forSchema(JSON.parse(readSchemaFile('transaction-raw')) as avsc.Schema);
const GOOD = 24;
const SEED = 20261207;

test('integration: bad raw records (random bytes, wrong magic, unknown schema id, broken Avro, bad JSON) go to the DLQ; the good ones around them are scored', async (t) => {
  const env = await integrationEnv('bad-records');
  t.after(() => env.cleanup());
  const root = await mkdtemp(join(tmpdir(), 'rs-bad-records-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  // A small model over real feature names: scoring reads features by name.
  const registry = await ModelRegistry.open(join(root, 'registry'));
  await registerModel(registry, 'fraud', { ...handMadeEnsemble(), featureNames: ['TX_AMOUNT', 'TX_DURING_NIGHT', 'CUSTOMER_ID_NB_TX_1DAY_WINDOW'] }, { promote: true });

  const run = uniqueId();
  const now = Date.now();
  const tx = (i: number) => ({
    transaction_id: `${run}-${i}`,
    card_number: pan(i % 7),
    customer_id: `c-${i % 5}`,
    terminal_id: `t-${i % 3}`,
    amount: 10 + i,
    currency: 'EUR',
    channel: 'pos',
    event_time: now - 60_000 * (GOOD - i),
  });
  const avroId = env.codec.schemaId('transactionsRaw');
  const avroOf = async (v: Record<string, unknown>) => env.codec.encode('transactionsRaw', v);

  // Bad values, generated with a fixed seed (printed on failure by the assertion messages).
  const sample = <T>(arb: fc.Arbitrary<T>, n: number) => fc.sample(arb, { numRuns: n, seed: SEED });
  const goodAvro = await avroOf(tx(1_000));
  const undecodableFlip = (bits: number[]): Buffer | undefined => {
    const b = Buffer.from(goodAvro);
    for (const bit of bits) b[5 + ((bit >> 3) % (b.length - 5))]! ^= 1 << (bit & 7);
    try {
      rawType.fromBuffer(b.subarray(5));
      return undefined;
    } catch {
      return b;
    }
  };
  const bad: { kind: string; value: Buffer; code?: 'VALIDATION_FAILED' }[] = [
    ...sample(fc.uint8Array({ minLength: 1, maxLength: 200 }), 4).map((b) => ({ kind: 'random bytes', value: Buffer.concat([Buffer.from([0xff]), Buffer.from(b)]) })),
    ...sample(fc.integer({ min: 1, max: 255 }), 3).map((m) => ({ kind: 'wrong magic byte', value: Buffer.concat([Buffer.from([m]), goodAvro.subarray(1)]) })),
    { kind: 'unknown schema id', value: confluentFrame(2_000_000_000 + (randomBytes(2).readUInt16BE() % 1000), goodAvro.subarray(5)) },
    { kind: 'truncated header', value: Buffer.from([0, 0, 0]) },
    { kind: 'truncated Avro', value: goodAvro.subarray(0, goodAvro.length - 3) },
    ...sample(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), 60).flatMap((bits) => undecodableFlip(bits) ?? []).slice(0, 3).map((value) => ({ kind: 'bit-flipped Avro', value })),
    { kind: 'deep JSON', value: Buffer.from(deepJson(50_000, 'array')) },
    { kind: 'malformed JSON', value: Buffer.from('{"transaction_id": "x", ') },
    { kind: 'negative amount (Avro)', code: 'VALIDATION_FAILED', value: await avroOf({ ...tx(1_001), amount: -5 }) },
    { kind: 'NaN amount (Avro)', code: 'VALIDATION_FAILED', value: confluentFrame(avroId, rawType.toBuffer({ ...tx(1_002), amount: Number.NaN })) },
    { kind: 'control character in id (JSON)', code: 'VALIDATION_FAILED', value: Buffer.from(JSON.stringify({ ...tx(1_003), transaction_id: 'a\u0000b' })) },
    { kind: 'bad date (JSON)', code: 'VALIDATION_FAILED', value: Buffer.from(JSON.stringify({ ...tx(1_004), event_time: '2025-13-45T00:00:00Z' })) },
  ];
  assert.ok(bad.filter((b) => b.kind === 'bit-flipped Avro').length >= 1, 'some bit flips break the Avro body');

  // Good and bad interleaved on one partition, in this order.
  const values: { value: Buffer; good: boolean; kind: string; code?: string }[] = [];
  for (let i = 0; i < GOOD; i++) {
    values.push({ value: i % 2 ? await avroOf(tx(i)) : Buffer.from(JSON.stringify(tx(i))), good: true, kind: 'good' });
    const b = bad[i % bad.length];
    if (i < bad.length && b) values.push({ ...b, good: false });
  }
  for (const b of bad.slice(GOOD)) values.push({ ...b, good: false });

  const redisPrefix = `test:bad-records:${run}:`;
  const vars = { ...pipelineEnv(env, join(root, 'registry'), redisPrefix), LOG_LEVEL: 'silent', REDIS_URL: await privateRedis(t) };
  const config = loadConfig(fusedConfigSchema, { ...process.env, ...vars }, checkFusedConfig);
  const t0 = Date.now();
  const service = await runService('fused', config, (ctx) => buildFused(ctx, config), { installSignalHandlers: false });
  t.after(() => service.stop());
  const started = Date.now();

  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const [meta] = await producer.send({ topic: env.names.transactionsRaw, acks: -1, messages: values.map((v) => ({ key: null, value: v.value, partition: 0 })) });
  await producer.disconnect();
  const base = BigInt(meta!.baseOffset!);
  const badOffsets = new Map(values.flatMap((v, i) => (v.good ? [] : [[String(base + BigInt(i)), { kind: v.kind, expected: v.code ?? 'DECODE_FAILED' }] as const])));
  const produced = Date.now();

  const [scored, dlq] = await Promise.all([
    readTopic(env.kafka, env.names.transactionsScored, { count: GOOD, timeoutMs: 90_000, settleMs: 1_500 }),
    readTopic(env.kafka, env.names.transactionsDlq, { count: badOffsets.size, timeoutMs: 90_000, settleMs: 1_500 }),
  ]);

  const scoredIds = await Promise.all(scored.map(async (m) => ((await env.codec.decode('transactionsScored', m.value)) as { transaction_id: string }).transaction_id));
  assert.deepEqual(scoredIds.sort(), Array.from({ length: GOOD }, (_, i) => `${run}-${i}`).sort(), 'every good record scored, once, and nothing else');
  const dead = new Map(dlq.map((m) => [m.headers?.[DLQ_HEADERS.offset]?.toString(), m]));
  assert.equal(dlq.length, badOffsets.size, 'one DLQ record per bad record');
  t.diagnostic(`start ${started - t0} ms; all outputs read ${Date.now() - produced} ms after producing`);
  for (const [offset, { kind, expected }] of badOffsets) {
    const d = dead.get(offset);
    assert.ok(d, `${kind} at offset ${offset} was not dead-lettered`);
    assert.equal(d.headers?.[DLQ_HEADERS.topic]?.toString(), env.names.transactionsRaw);
    const code = d.headers?.[DLQ_HEADERS.code]?.toString();
    const reason = d.headers?.[DLQ_HEADERS.reason]?.toString();
    assert.equal(code, expected, `${kind}: code ${code}, reason ${reason}`);
    if (expected === 'DECODE_FAILED') assert.equal(reason, 'DECODE_FAILED', kind);
  }
  t.diagnostic(`${GOOD} good scored, ${badOffsets.size} bad dead-lettered: ${[...new Set([...badOffsets.values()].map((b) => b.kind))].join(', ')}`);
});
