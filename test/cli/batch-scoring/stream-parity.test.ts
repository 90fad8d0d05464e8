/**
 * Batch scoring from raw transactions against the streaming path's own pieces, for the same simulated
 * events: ingest's validator and tokeniser, the features service's handler (its online computation on a
 * store's pre-state; an in-memory store here, the Redis store's equivalence to it is the feature store's
 * own tests), and the scoring service's loaded model and scorer. No Kafka: the records are handed from
 * piece to piece in micro-batches, labels after each batch as a label feed would bring them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createMetricsRegistry, type InputMessage } from '@riskstream/shared';
import { applyEventToBuckets, applyLabelToBuckets, BUCKET_RETENTION_DAYS, MS_PER_DAY, type MutableDailyBucket } from '@riskstream/shared/features';
import { CardTokenizer, parseCardTokenKeys, validateTransaction } from '@riskstream/ingest';
import { loadScoringModel, scoreBatch, type EnrichedTransaction, type ScoredTransaction } from '@riskstream/scoring';
import { transactionsInOrder } from '@riskstream/training';
import { fetchModel, parseModelRef } from '../../../cli/src/batch-scoring/model-ref.ts';
import { RawTransactions } from '../../../cli/src/batch-scoring/raw-transactions.ts';
import { scoreFile } from '../../../cli/src/batch-scoring/score-file.ts';
import { openTableReader } from '../../../cli/src/batch-scoring/table-reader.ts';
import { simulatedTraffic, type SimulatedTraffic } from '../../../cli/src/simulated-traffic.ts';
import type { ProducibleTransaction } from '../../../cli/src/transaction-producer.ts';
import { toValidRecord } from '../../../services/ingest/src/ingest-handler.ts';
import { EventTimeWatermarks } from '../../../services/features/src/event-time-watermark.ts';
import { createFeatureHandler, type FeatureHandlerDeps } from '../../../services/features/src/feature-handler.ts';
import { featuresMetrics } from '../../../services/features/src/features-metrics.ts';
import type { FeaturesInput } from '../../../services/features/src/input-records.ts';
import { INGEST_RULES, simulatedCsv, tempDir, testRegistry } from './batch-scoring-fixtures.ts';

type Store = FeatureHandlerDeps['store'];
type StoreEvent = Parameters<Store['applyEvents']>[0][number];
type StoreLabel = Parameters<Store['applyLabels']>[0][number];

/** The feature store's contract on in-memory buckets: pre-state per event, each transaction and label once. */
class MemoryFeatureStore implements Store {
  readonly #customers = new Map<string, MutableDailyBucket[]>();
  readonly #terminals = new Map<string, MutableDailyBucket[]>();
  readonly #applied = new Set<string>();
  readonly #labelled = new Set<string>();

  async applyEvents(events: readonly StoreEvent[]) {
    return events.map((e) => {
      const customer = buckets(this.#customers, e.cardToken);
      const terminal = e.terminalId === null ? null : buckets(this.#terminals, e.terminalId);
      const pre = { status: 'applied' as const, customer: customer.map((b) => ({ ...b })), terminal: terminal?.map((b) => ({ ...b })) ?? null };
      if (e.apply && !this.#applied.has(e.transactionId)) {
        this.#applied.add(e.transactionId);
        const event = { eventTimeMs: e.day * MS_PER_DAY, amount: e.cents / 100 };
        applyEventToBuckets(customer, event, BUCKET_RETENTION_DAYS.customer);
        if (terminal) applyEventToBuckets(terminal, event, BUCKET_RETENTION_DAYS.terminal);
      }
      return pre;
    });
  }

  async applyLabels(labels: readonly StoreLabel[]) {
    return labels.map((l) => {
      if (this.#labelled.has(l.transactionId)) return 'duplicate' as const;
      this.#labelled.add(l.transactionId);
      applyLabelToBuckets(buckets(this.#terminals, l.terminalId), { eventTimeMs: l.day * MS_PER_DAY, isFraud: true }, BUCKET_RETENTION_DAYS.terminal);
      return 'applied' as const;
    });
  }
}

function buckets(map: Map<string, MutableDailyBucket[]>, key: string): MutableDailyBucket[] {
  let b = map.get(key);
  if (!b) map.set(key, (b = []));
  return b;
}

function message(topic: 'transactionsValid' | 'transactionsLabels', value: FeaturesInput, offset: number): InputMessage<FeaturesInput> {
  return { topic, topicName: topic, partition: 0, offset: String(offset), timestamp: '0', key: null, headers: {}, raw: null, value };
}

const INGEST_BATCH = 500;
const SCORING_BATCH = 256;

/** raw -> ingest -> features -> enriched records, in micro-batches. */
async function streamFeatures(traffic: SimulatedTraffic): Promise<EnrichedTransaction[]> {
  const tokenizer = new CardTokenizer(parseCardTokenKeys(`k1:${Buffer.alloc(32, 7).toString('base64')}`));
  const handler = createFeatureHandler({
    store: new MemoryFeatureStore(),
    watermarks: new EventTimeWatermarks(3_600_000),
    metrics: featuresMetrics(createMetricsRegistry('parity-test', { defaultMetrics: false })),
  });
  const context = { heartbeat: async () => {}, signal: new AbortController().signal };
  const enriched: EnrichedTransaction[] = [];
  let batch: ProducibleTransaction[] = [];
  let offset = 0;
  const flush = async () => {
    const now = Date.now();
    const valid = batch.map((r) => message('transactionsValid', toValidRecord(validateTransaction(r, INGEST_RULES, now), tokenizer, now), offset++));
    for (const out of (await handler(valid, context)).outputs) enriched.push(out.value as EnrichedTransaction);
    const labels = batch.map((r) => message('transactionsLabels', traffic.labelOf(r) as unknown as FeaturesInput, offset++));
    await handler(labels, context);
    batch = [];
  };
  for (const r of traffic.transactions) {
    batch.push(r);
    if (batch.length === INGEST_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return enriched;
}

test('raw transactions scored by riskstream score equal the streaming path\'s pieces on the same events (1e-6)', async (t) => {
  const registry = await testRegistry(t);
  const dir = await tempDir(t);
  const { path, sim } = await simulatedCsv(dir, 10, 23);

  // Batch: the command's library call, from the CSV `riskstream simulate --out` writes.
  const out = join(dir, 'scores.jsonl');
  await scoreFile({ input: path, output: out, source: registry.source, model: parseModelRef('fraud'), rules: INGEST_RULES });
  const batchScores = new Map<string, Record<string, unknown>>();
  const reader = await openTableReader(out);
  for await (const rows of reader.batches(4096)) for (const r of rows) batchScores.set(r.values!['transaction_id'] as string, r.values!);
  reader.close();

  // Stream: what a producer sends (labels on the side), through ingest, features and scoring.
  const enriched = await streamFeatures(simulatedTraffic(transactionsInOrder(sim)));
  assert.ok(enriched.some((e) => e.features['TERMINAL_ID_RISK_7DAY_WINDOW']! > 0), 'labels reached the terminal risk features');
  const model = await loadScoringModel(await fetchModel(registry.source, parseModelRef('fraud')));
  t.after(() => model.release());
  const streamScores: ScoredTransaction[] = [];
  for (let i = 0; i < enriched.length; i += SCORING_BATCH) {
    const result = await scoreBatch({ champion: model }, enriched.slice(i, i + SCORING_BATCH));
    assert.deepEqual(result.invalid, []);
    streamScores.push(...result.scored);
  }

  assert.equal(streamScores.length, sim.transactions.length);
  assert.equal(batchScores.size, streamScores.length);
  let maxDiff = 0;
  for (const s of streamScores) {
    const b = batchScores.get(s.transaction_id);
    assert.ok(b, `batch scored ${s.transaction_id}`);
    maxDiff = Math.max(maxDiff, Math.abs((b['score'] as number) - s.score));
    assert.equal(b['decision'], s.decision, s.transaction_id);
    const reasons = b['reasons'] as { feature: string; contribution: number }[];
    assert.deepEqual(reasons.map((r) => r.feature), s.reasons.map((r) => r.feature), s.transaction_id);
    reasons.forEach((r, k) => assert.ok(Math.abs(r.contribution - s.reasons[k]!.contribution) <= 1e-6));
  }
  assert.ok(maxDiff <= 1e-6, `max |score diff| ${maxDiff}`);
});

test('the features batch scoring computes from raw rows are the features service\'s, value for value', async (t) => {
  const dir = await tempDir(t);
  const { path, sim } = await simulatedCsv(dir, 10, 29);
  const raw = new RawTransactions({ rules: INGEST_RULES, nowMs: Date.now(), typed: false, unit: 'line' });
  const reader = await openTableReader(path);
  for await (const rows of reader.batches(1024)) for (const r of rows) assert.equal(raw.add(r), undefined);
  reader.close();
  const computed = raw.featurize();

  const enriched = await streamFeatures(simulatedTraffic(transactionsInOrder(sim)));
  assert.equal(computed.length, enriched.length);
  for (let i = 0; i < enriched.length; i++) {
    assert.equal(computed.transactionIds[i], enriched[i]!.transaction_id);
    assert.deepEqual(computed.features(i), enriched[i]!.features, enriched[i]!.transaction_id);
  }
});
