/**
 * Bad input against ingest's decoders and validator, 10,000+ generated cases each. What is covered:
 *
 *  - services/ingest/src/transaction-validation.ts validateTransaction (used by the Kafka path,
 *    POST /transactions and POST /v1/decisions): NaN/Infinity/negative/huge amounts, bad dates, control
 *    and format characters in ids, wrong types, nested or huge values;
 *  - shared/src/schema-registry.ts TopicCodec.decode and services/ingest/src/raw-record-codec.ts
 *    RawRecordCodec (Confluent Avro or JSON on transactions.raw.v1, Avro only elsewhere): random bytes,
 *    wrong magic byte, truncated header, unknown schema id, truncated and bit-flipped Avro, another topic's
 *    schema, deep and huge JSON; decoded by the real @kafkajs/confluent-schema-registry client against a
 *    local registry stand-in;
 *  - services/ingest/src/ingest-handler.ts with shared/src/dlq.ts: a micro-batch of good and bad records,
 *    where each bad one becomes a masked DLQ record with a reason code, duplicates are dropped, and the
 *    good ones come out exactly as they do from a batch of good records alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import avsc from 'avsc';
import fc from 'fast-check';
import {
  AppError,
  createLogger,
  createMetricsRegistry,
  DecodeError,
  DLQ_HEADERS,
  readSchemaFile,
  TopicCodec,
  topicNames,
  type InputMessage,
  type OutputRecord,
} from '@riskstream/shared';
import { CardTokenizer, parseCardTokenKeys } from '../../services/ingest/src/card-token.ts';
import { createIngestHandler } from '../../services/ingest/src/ingest-handler.ts';
import { ingestMetrics } from '../../services/ingest/src/ingest-metrics.ts';
import { RawRecordCodec, UndecodableRecord, type RawInput } from '../../services/ingest/src/raw-record-codec.ts';
import { REJECTION_REASONS } from '../../services/ingest/src/rejection-reasons.ts';
import { TransactionDedup } from '../../services/ingest/src/transaction-dedup.ts';
import { TransactionValidationError, validateTransaction } from '../../services/ingest/src/transaction-validation.ts';
import { FakeMarkerStore, findKnownCardNumbers, NOW, pan, TEST_KEYS } from '../services/ingest/transaction-fixtures.ts';
import { assertTimedProperty, CaseClock, confluentFrame, deepJson, FORBIDDEN_ID_CHARS, localSchemaRegistry } from './property-support.ts';

const RULES = { maxAmount: 1_000_000, maxFutureMs: 600_000 };
const RAW_ID = 1;
const VALID_ID = 2;
const rawType = avsc.Type.forSchema(JSON.parse(readSchemaFile('transaction-raw')) as avsc.Schema);
const validType = avsc.Type.forSchema(JSON.parse(readSchemaFile('transaction-valid')) as avsc.Schema);

// ---- arbitraries -------------------------------------------------------------------------------------

const printableId = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,30}$/),
  // Non-Latin letters, marks and symbols are printable: they pass.
  fc.constantFrom('tx-é', 'ид-42', '交易-7', 'tx-😀', 'ﾃｽﾄ', 'α/β'),
);

/** A transaction the validator must accept. `i` makes the id unique within a batch. */
const goodTx = (i: number) =>
  fc.record({
    transaction_id: printableId.map((s) => `g${i}-${s}`),
    card_number: fc.integer({ min: 0, max: 999_999 }).map((n) => pan(n)),
    customer_id: fc.option(printableId, { nil: null }),
    terminal_id: fc.option(printableId, { nil: null }),
    amount: fc.double({ min: 0, max: RULES.maxAmount, noNaN: true }),
    currency: fc.constantFrom('EUR', 'USD', 'GBP', 'JPY'),
    channel: fc.constantFrom('pos', 'ecom', 'atm', null),
    event_time: fc.integer({ min: NOW - 400 * 86_400_000, max: NOW + RULES.maxFutureMs }),
  });

type Tx = Record<string, unknown>;
/** A field broken in one of the issue's ways; `path` is the field the validator must name. */
interface Breakage {
  readonly path: string;
  readonly apply: (tx: Tx) => unknown;
}

const set = (path: string, value: unknown): Breakage => ({ path, apply: (tx) => ({ ...tx, [path]: value }) });
const weirdValue = fc.oneof(
  fc.constant(true),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.constant(deepJson(200, 'array')).map((s) => JSON.parse(s) as unknown),
);

const badAmount = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.01, -1e308, RULES.maxAmount * 1.0001, Number.MAX_VALUE),
  fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
  fc.double({ min: RULES.maxAmount + 1, noNaN: true }),
  fc.string({ maxLength: 8 }),
  weirdValue,
).map((v) => set('amount', v));

const badEventTime = fc.oneof(
  fc.constantFrom('2025-13-01T00:00:00Z', '2025-02-30', 'yesterday', '', '2025-06-01 12:00:00', '2025-06-01T12:00:00', 'NaN', '1e12'),
  fc.double({ noNaN: false }).filter((d) => !Number.isSafeInteger(d)),
  fc.integer({ min: -1e15, max: Date.UTC(2000, 0, 1) - 1 }),
  fc.integer({ min: NOW + RULES.maxFutureMs + 1, max: 8.64e15 }),
  fc.string({ maxLength: 30 }).filter((s) => !/^\d{4}-/.test(s)),
  fc.constant(new Date(Number.NaN)),
  weirdValue,
).map((v) => set('event_time', v));

const badId = fc
  .tuple(
    fc.constantFrom('transaction_id', 'customer_id', 'terminal_id'),
    fc.oneof(
      fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...FORBIDDEN_ID_CHARS), fc.string({ maxLength: 10 })).map(([a, c, b]) => `a${a}${c}${b}`),
      fc.string({ minLength: 65, maxLength: 5_000 }).filter((s) => [...s].length > 64),
      fc.constantFrom(' ', '   ', '\u00a0'),
      // Finite only: JSON writes NaN and infinities as null, which is "no value" for an optional id.
      fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), weirdValue),
    ),
  )
  .map(([path, value]) => set(path, value));

const badCard = fc
  .oneof(
    fc.integer({ min: 0, max: 999_999 }).map((n) => {
      const p = pan(n);
      return p.slice(0, -1) + String((Number(p.at(-1)) + 1) % 10);
    }),
    fc.stringMatching(/^[0-9]{0,11}$/),
    fc.stringMatching(/^[0-9]{20,40}$/),
    fc.constantFrom('4000-0012-3456-7899', ' 4000001234567899', '４０００００１２３４５６７８９９'),
    fc.integer(),
    weirdValue,
  )
  .map((v) => set('card_number', v));

const badOther = fc.oneof(
  fc.constantFrom('eur', 'EURO', 'XXX1', '', '€').map((v) => set('currency', v)),
  fc.constantFrom('POS', 'web', 'Pos ', 7).map((v) => set('channel', v)),
  fc.constantFrom('transaction_id', 'card_number', 'amount', 'currency', 'event_time').map((path): Breakage => ({
    path,
    apply: (tx) => Object.fromEntries(Object.entries(tx).filter(([k]) => k !== path)),
  })),
);

const notARecord: fc.Arbitrary<Breakage> = fc
  .oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.constant([]))
  .map((v) => ({ path: '', apply: () => v }));

const breakage = fc.oneof(badAmount, badEventTime, badId, badCard, badOther, notARecord);

// ---- validateTransaction -----------------------------------------------------------------------------

test('validateTransaction: every broken record is a TransactionValidationError naming the broken field with a documented reason', async (t) => {
  await assertTimedProperty(
    'validateTransaction',
    [goodTx(0), breakage],
    (tx, broken) => {
      const input = broken.apply(tx);
      let error: unknown;
      try {
        validateTransaction(input, RULES, NOW);
      } catch (err) {
        error = err;
      }
      assert.ok(error instanceof TransactionValidationError, `expected a TransactionValidationError, got ${String(error)}`);
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.ok(error.reason in REJECTION_REASONS, `undocumented reason ${error.reason}`);
      for (const r of error.reasons) assert.ok(r in REJECTION_REASONS);
      assert.ok(error.issues.some((i) => i.path === broken.path), `no issue names ${broken.path}: ${JSON.stringify(error.issues)}`);
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});

test('validateTransaction: good records (unicode ids included) pass unchanged', async (t) => {
  await assertTimedProperty(
    'validateTransaction good',
    [goodTx(0)],
    (tx) => {
      const v = validateTransaction(tx, RULES, NOW);
      assert.equal(v.transaction_id, tx.transaction_id);
      assert.equal(v.amount, tx.amount);
      assert.equal(v.event_time, tx.event_time);
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});

// ---- decoding --------------------------------------------------------------------------------------

const registry = await localSchemaRegistry({ [RAW_ID]: 'transaction-raw', [VALID_ID]: 'transaction-valid' });
test.after(() => registry.server.close());
const names = topicNames();
const rawCodec = new RawRecordCodec(registry.client, names);
const plainCodec = new TopicCodec(registry.client, names);

function avroOf(tx: Tx): Buffer {
  return confluentFrame(RAW_ID, rawType.toBuffer(tx));
}

// Built once: generating megabytes per case would time the generator, not the decoder.
const DEEP = [65, 1_000, 100_000, 400_000].flatMap((depth) => [Buffer.from(deepJson(depth, 'array')), Buffer.from(deepJson(depth, 'object'))]);
const HUGE = [100_000, 300_000, 900_000].map((n) => Buffer.from(JSON.stringify({ transaction_id: 'x'.repeat(n), amount: 1 })));

/** Bytes that are not a good raw record, each with the kind the generator chose. */
const badBytes: fc.Arbitrary<{ kind: string; bytes: Buffer }> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'random bytes', bytes: Buffer.from(b) })),
  fc.tuple(fc.integer({ min: 1, max: 255 }), fc.uint8Array({ minLength: 4, maxLength: 200 })).map(([magic, b]) => ({
    kind: 'wrong magic byte',
    bytes: Buffer.concat([Buffer.from([magic]), Buffer.from(b)]),
  })),
  fc.uint8Array({ minLength: 0, maxLength: 3 }).map((b) => ({ kind: 'truncated header', bytes: Buffer.concat([Buffer.from([0]), Buffer.from(b)]) })),
  fc.tuple(fc.integer({ min: 3, max: 0xffffffff }), goodTx(0)).map(([id, tx]) => ({ kind: 'unknown schema id', bytes: confluentFrame(id, rawType.toBuffer(tx)) })),
  fc.tuple(goodTx(0), fc.double({ min: 0, max: 0.999, noNaN: true })).map(([tx, cut]) => {
    const full = avroOf(tx);
    return { kind: 'truncated Avro', bytes: full.subarray(0, 5 + Math.floor((full.length - 5) * cut)) };
  }),
  fc.tuple(goodTx(0), fc.array(fc.nat(), { minLength: 1, maxLength: 4 })).map(([tx, flips]) => {
    const bytes = Buffer.from(avroOf(tx));
    for (const f of flips) {
      const bit = f % ((bytes.length - 5) * 8);
      bytes[5 + (bit >> 3)]! ^= 1 << (bit & 7);
    }
    return { kind: 'bit-flipped Avro', bytes };
  }),
  fc.tuple(goodTx(0), fc.uint8Array({ minLength: 1, maxLength: 20 })).map(([tx, extra]) => ({ kind: 'trailing bytes', bytes: Buffer.concat([avroOf(tx), Buffer.from(extra)]) })),
  fc.constantFrom(...DEEP).map((bytes) => ({ kind: 'deep JSON', bytes })),
  fc.constantFrom(...HUGE).map((bytes) => ({ kind: 'huge JSON', bytes })),
  fc.string({ maxLength: 100 }).map((s) => ({ kind: 'text', bytes: Buffer.from(s) })),
  fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'JSON value', bytes: Buffer.from(JSON.stringify(v) ?? 'null') })),
);

test('TopicCodec.decode on an Avro topic: anything but a known schema id and a whole Avro body is a DecodeError', async (t) => {
  await assertTimedProperty(
    'TopicCodec.decode (transactions.valid.v1)',
    [badBytes],
    async ({ kind, bytes }) => {
      let decoded: unknown;
      try {
        decoded = await plainCodec.decode('transactionsValid', bytes);
      } catch (err) {
        assert.ok(err instanceof DecodeError, `${kind}: expected DecodeError, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
        assert.equal(err.retriable, false, `${kind}: a bad record is not worth a retry`);
        return;
      }
      // A flipped bit may leave a well-formed record of the raw schema (id 1) or move the id to the valid
      // schema's (2): the decoder's job ends at a well-formed object, the validator's begins.
      assert.ok(typeof decoded === 'object' && decoded !== null, `${kind}: decoded to ${typeof decoded}`);
      assert.ok(bytes[0] === 0, `${kind}: only Confluent-framed bytes decode on an Avro topic`);
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});

// ---- the ingest handler on mixed batches --------------------------------------------------------------

/** One handler for the whole run (building one compiles the output schema); the dedup store is emptied per case. */
const markers = new FakeMarkerStore();
const handler = createIngestHandler({
  service: 'ingest',
  rules: RULES,
  tokenizer: new CardTokenizer(parseCardTokenKeys(TEST_KEYS), 'k1'),
  dedup: new TransactionDedup({ store: markers, keyPrefix: 'p:', horizonSeconds: 3600 }),
  metrics: ingestMetrics(createMetricsRegistry('property-ingest', { defaultMetrics: false })),
  logger: createLogger('property-ingest', { level: 'silent' }),
  now: () => NOW,
});

function ingestHandler(): typeof handler {
  markers.entries.clear();
  return handler;
}

const ctx = { heartbeat: async () => undefined, signal: new AbortController().signal };

async function message(raw: Buffer, offset: number, key: string | null): Promise<InputMessage<RawInput>> {
  // What the runner does: decode with the topic's codec (a retriable failure would be retried, not passed on).
  const value = (await rawCodec.decode('transactionsRaw', raw)) as RawInput;
  return { topic: 'transactionsRaw', topicName: 'transactions.raw.v1', partition: 0, offset: String(offset), timestamp: String(NOW), key: key === null ? null : Buffer.from(key), headers: {}, raw, value };
}

/** A bad raw record: bad bytes, or a well-formed record (JSON or Avro) broken in one of the issue's ways. */
const badRecord: fc.Arbitrary<{ kind: string; bytes: Buffer; card: string | null }> = fc.oneof(
  badBytes.map((b) => ({ ...b, card: null })),
  fc.tuple(goodTx(999), breakage).map(([tx, b]) => {
    const value = b.apply(tx);
    return { kind: `invalid ${b.path || 'record'} (JSON)`, bytes: Buffer.from(JSON.stringify(value) ?? 'null'), card: tx.card_number };
  }),
  fc.tuple(goodTx(999), badAmount).map(([tx, b]) => {
    // Avro carries NaN and infinities that JSON cannot: the validator must catch them after decoding.
    const value = b.apply(tx) as Tx;
    const amount = typeof value['amount'] === 'number' ? value['amount'] : Number.NaN;
    return { kind: 'invalid amount (Avro)', bytes: avroOf({ ...tx, amount }), card: tx.card_number };
  }),
  goodTx(999).map((tx) => ({ kind: 'another schema (Avro)', bytes: confluentFrame(VALID_ID, validType.toBuffer(validLike(tx))), card: null })),
);

function validLike(tx: Tx): Record<string, unknown> {
  return { transaction_id: tx['transaction_id'], card_token: 'a'.repeat(64), card_key_id: 'k1', card_bin: '400000', card_last4: '0000', customer_id: null, terminal_id: null, amount: tx['amount'], currency: tx['currency'], channel: null, event_time: tx['event_time'], ingest_time: NOW };
}

const batch = fc
  .tuple(
    fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => goodTx(i)))),
    fc.array(badRecord, { minLength: 1, maxLength: 3 }),
    fc.boolean(),
    fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
  )
  .map(([good, bad, avro, order]) => ({ good, bad, avro, order }));

const validOut = (outputs: readonly OutputRecord[]) => outputs.filter((o) => o.topic === 'transactionsValid');
const dlqOut = (outputs: readonly OutputRecord[]) => outputs.filter((o) => o.topic === 'transactionsDlq');

test('ingest handler: bad records in a batch are dead-lettered with a reason, duplicates dropped, good ones exactly as alone', async (t) => {
  let offset = 0;
  // Timed: decoding and handling the mixed batch (up to 13 records), as the runner does for a micro-batch.
  const clock = new CaseClock();
  await assertTimedProperty(
    'ingest handler batch',
    [batch],
    async ({ good, bad, avro, order }) => {
      const encode = (tx: Tx) => (avro ? avroOf(tx) : Buffer.from(JSON.stringify(tx)));
      const alone = await ingestHandler()(await Promise.all(good.map((tx) => message(encode(tx), offset++, tx.card_number))), ctx);

      // Bad records, and a second copy of the first good record, shuffled in among the good ones.
      const entries: { raw: Buffer; key: string | null; good: boolean }[] = [
        ...good.map((tx) => ({ raw: encode(tx), key: tx.card_number, good: true })),
        ...bad.map((b) => ({ raw: b.bytes, key: b.card, good: false })),
      ];
      const goodOrder = entries.filter((e) => e.good);
      const shuffled = [...entries].sort((a, b) => (order[entries.indexOf(a)]! % 7) - (order[entries.indexOf(b)]! % 7));
      // Good records keep their relative order (a card's order is the contract); bad ones move around them.
      let g = 0;
      const mixed = shuffled.map((e) => (e.good ? goodOrder[g++]! : e));
      mixed.push({ raw: encode(good[0]!), key: good[0]!.card_number, good: false });
      const goodIds = new Set(good.map((tx) => tx.transaction_id));
      clock.start();
      const inputs = await Promise.all(mixed.map((e) => message(e.raw, offset++, e.key)));
      // A flipped bit can leave a well-formed, valid transaction (a new one, e.g. another amount). One that
      // reuses a good record's id is a duplicate of it, not a bad input: such cases are skipped.
      const skip = inputs.some((m, i) => !mixed[i]!.good && i < mixed.length - 1 && goodIds.has((m.value as Tx)['transaction_id'] as string));
      const { outputs } = await ingestHandler()(inputs, ctx);
      clock.stop();
      fc.pre(!skip);

      const goodValid = validOut(outputs).filter((o) => goodIds.has((o.value as Tx)['transaction_id'] as string));
      assert.deepEqual(goodValid.map(({ key, value }) => ({ key, value })), validOut(alone.outputs).map(({ key, value }) => ({ key, value })));
      const dead = dlqOut(outputs);
      const surelyBad = bad.filter((b) => b.kind !== 'bit-flipped Avro').length;
      assert.ok(dead.length >= surelyBad && dead.length <= bad.length, `${dead.length} dead-lettered of ${bad.length} bad (${surelyBad} surely bad)`);
      assert.ok(validOut(outputs).length + dead.length <= good.length + bad.length, 'the second copy of a good record is dropped, not written');
      const pans = good.map((tx) => tx.card_number).concat(bad.flatMap((b) => (b.card ? [b.card] : [])));
      for (const d of dead) {
        const reason = d.headers?.[DLQ_HEADERS.reason];
        assert.ok(typeof reason === 'string' && reason in REJECTION_REASONS, `DLQ reason ${String(reason)}`);
        assert.ok(reason !== 'HANDLER_FAILED', 'no bad input is an unexpected failure');
        assert.deepEqual(findKnownCardNumbers(Buffer.concat([Buffer.from(JSON.stringify(d.headers)), Buffer.from(d.key ?? Buffer.alloc(0)), d.value as Buffer]), pans), [], 'no clear card number in the DLQ');
      }
    },
    { clock, diagnostic: (m) => t.diagnostic(m) },
  );
});

test('RawRecordCodec: every undecodable raw value becomes an UndecodableRecord (never a throw), good ones decode', async (t) => {
  await assertTimedProperty(
    'RawRecordCodec.decode',
    [badBytes, goodTx(0)],
    async ({ kind, bytes }, tx) => {
      const decoded = await rawCodec.decode('transactionsRaw', bytes);
      assert.ok(decoded instanceof UndecodableRecord || (typeof decoded === 'object' && decoded !== null), kind);
      const good = (await rawCodec.decode('transactionsRaw', avroOf(tx))) as Tx;
      assert.equal(good['transaction_id'], tx.transaction_id);
      assert.ok(!(good instanceof AppError));
    },
    { diagnostic: (m) => t.diagnostic(m) },
  );
});
