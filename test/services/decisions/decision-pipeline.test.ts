/**
 * The decision pipeline's rules with fakes for Kafka, Redis and the stages: Kafka down gives no decision
 * and a retry gives the same one; the Redis policies; a transaction the stream took; a retry inside a
 * batch. The real components are in decisions*.integration.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { createLogger, DependencyError, type BatchHandler, type OutputRecord, type TopicKey } from '@riskstream/shared';
import { topicNames } from '@riskstream/shared';
import { CardTokenizer, parseCardTokenKeys, TransactionDedup, validateTransaction, type ValidTransaction } from '@riskstream/ingest';
import { AnswerStore } from '../../../services/decisions/src/answer-store.ts';
import { DecisionPipeline, type DecisionOutcome } from '../../../services/decisions/src/decision-pipeline.ts';
import { decisionsMetrics } from '../../../services/decisions/src/decisions-metrics.ts';
import { OutboxPublisher } from '../../../services/decisions/src/outbox-publisher.ts';
import type { RedisPolicy } from '../../../services/decisions/src/config.ts';
import { FakeMarkerStore, NOW, rawTx, TEST_KEYS } from '../ingest/transaction-fixtures.ts';

/** The two Redis calls AnswerStore makes (MGET; a pipeline of SET ... NX GET / XX KEEPTTL). */
class FakeRedis {
  readonly values = new Map<string, string>();
  down = false;
  async mget(keys: string[]): Promise<(string | null)[]> {
    if (this.down) throw new Error('connection refused');
    return keys.map((k) => this.values.get(k) ?? null);
  }
  pipeline() {
    const calls: string[][] = [];
    const pipe = {
      call: (...args: string[]) => (calls.push(args), pipe),
      exec: async () => {
        if (this.down) throw new Error('connection refused');
        return calls.map(([, key, value, mode]) => {
          const before = this.values.get(key!) ?? null;
          if (mode === 'NX' && before === null) this.values.set(key!, value!);
          if (mode === 'XX' && before !== null) this.values.set(key!, value!);
          return [null, mode === 'NX' ? before : 'OK'];
        });
      },
    };
    return pipe;
  }
}

function setup(policy: RedisPolicy = 'fail-closed') {
  const markers = new FakeMarkerStore();
  const redis = new FakeRedis();
  const sent: OutputRecord[] = [];
  const kafka = { down: false };
  const features: BatchHandler<unknown> = async (messages) => {
    if (redis.down) throw new DependencyError('redis', 'feature store down');
    return { outputs: messages.map((m) => ({ topic: 'transactionsEnriched', key: 'k', value: { ...(m.value as object), features: { TX_AMOUNT: (m.value as ValidTransaction).amount } } })) };
  };
  const scoring: BatchHandler<unknown> = async (messages) => ({
    outputs: messages.map((m) => {
      const e = m.value as { transaction_id: string; card_token: string; amount: number; features: { TX_AMOUNT: number } };
      return { topic: 'transactionsScored', key: e.card_token, value: { transaction_id: e.transaction_id, card_token: e.card_token, score: e.features.TX_AMOUNT / 1000, decision: 'APPROVE', reasons: [], model_name: 'fraud', model_version: 1, challenger_score: null } };
    }),
  });
  const publisher = new OutboxPublisher(async (records) => {
    if (kafka.down) throw new DependencyError('kafka', 'broker down');
    sent.push(...records);
  }, 1000);
  const pipeline = new DecisionPipeline({
    tokenizer: new CardTokenizer(parseCardTokenKeys(TEST_KEYS), 'k1'),
    dedup: new TransactionDedup({ store: markers, keyPrefix: 'dedup:', horizonSeconds: 3600 }),
    answers: new AnswerStore(redis as unknown as Redis, 'd:', 3600),
    features: features as BatchHandler<any>,
    validateValid: (_t: TopicKey, v: unknown) => v as never,
    scoring: scoring as BatchHandler<any>,
    publisher,
    names: topicNames(''),
    policy,
    metrics: decisionsMetrics(new Registry()),
    logger: createLogger('test', { level: 'silent' }),
    now: () => NOW,
  });
  const decide = async (txs: ValidTransaction[]): Promise<DecisionOutcome[]> => (await pipeline.decide(txs))();
  return { markers, redis, kafka, sent, decide };
}

const tx = (i: number, overrides: Record<string, unknown> = {}) => validateTransaction(rawTx(i, overrides), { maxAmount: 1e6, maxFutureMs: 600_000 }, NOW);

function answer(o: DecisionOutcome) {
  assert.equal(o.kind, 'decided', JSON.stringify(o));
  return (o as Extract<DecisionOutcome, { kind: 'decided' }>).answer;
}

test('Kafka down: no decision is given (a retriable failure, 503); the retry after it answers the same and records it once', async () => {
  const s = setup();
  s.kafka.down = true;
  const [down] = await s.decide([tx(1)]);
  assert.equal(down!.kind, 'failed');
  assert.equal((down as Extract<DecisionOutcome, { kind: 'failed' }>).error.retriable, true);
  assert.equal(s.sent.length, 0);
  s.kafka.down = false;
  const [retry] = await s.decide([tx(1)]);
  assert.equal(answer(retry!).transaction_id, rawTx(1)['transaction_id']);
  assert.equal((retry as Extract<DecisionOutcome, { kind: 'decided' }>).replayed, true, 'the stored (pending) answer, not a new one');
  assert.equal(s.sent.length, 1, 'one outbox record');
  const envelope = JSON.parse(String(s.sent[0]!.value)) as { records: OutputRecord[] };
  assert.deepEqual(envelope.records.map((r) => r.topic), ['transactionsValid', 'transactionsEnriched', 'transactionsScored']);
  // Recorded now: a further retry answers from the store without sending again.
  await new Promise((r) => setImmediate(r));
  const [third] = await s.decide([tx(1)]);
  assert.deepEqual(answer(third!), answer(retry!));
  assert.equal(s.sent.length, 1);
});

test('a transaction the stream claimed first is a duplicate; the answer carries no card number', async () => {
  const s = setup();
  const t = tx(2);
  await s.markers.claim([{ key: new TransactionDedup({ store: s.markers, keyPrefix: 'dedup:', horizonSeconds: 1 }).key(t.transaction_id), value: 'raw:0:17' }], 60);
  const [o] = await s.decide([t]);
  assert.equal(o!.kind, 'duplicate');
  const [fresh] = await s.decide([tx(3)]);
  assert.ok(!JSON.stringify(answer(fresh!)).includes(tx(3).card_number));
});

test('Redis down: fail-closed fails the batch; fail-open decides on default features and says so', async () => {
  const closed = setup('fail-closed');
  closed.redis.down = true;
  closed.markers.failWith = new DependencyError('redis', 'down');
  const [c] = await closed.decide([tx(4)]);
  assert.equal(c!.kind, 'failed');
  assert.equal(closed.sent.length, 0);

  const open = setup('fail-open');
  open.redis.down = true;
  open.markers.failWith = new DependencyError('redis', 'down');
  const [o] = await open.decide([tx(5)]);
  assert.equal(answer(o!).features_degraded, true);
  const scored = (JSON.parse(String(open.sent[0]!.value)) as { records: OutputRecord[] }).records[2]!.value as { features_degraded: boolean };
  assert.equal(scored.features_degraded, true, 'the recorded decision is marked degraded too');
});

test('the same transaction twice in one batch gets one answer', async () => {
  const s = setup();
  const [a, b] = await s.decide([tx(6), tx(6)]);
  assert.deepEqual(answer(a!), answer(b!));
});
