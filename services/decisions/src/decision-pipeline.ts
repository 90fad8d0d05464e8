import {
  AppError,
  DependencyError,
  FUSED_HEADER,
  FUSED_HEADER_VALUE,
  partitionForKey,
  SOURCE_PARTITION_HEADER,
  sourcePartition,
  toAppError,
  TOPICS,
  type BatchHandler,
  type HandlerContext,
  type InputMessage,
  type Logger,
  type OutputRecord,
  type ScoredTransaction,
  type TopicKey,
  type TopicNames,
} from '@riskstream/shared';
import { toValidRecord, type CardTokenizer, type DedupVerdict, type TransactionDedup, type ValidRecord, type ValidTransaction } from '@riskstream/ingest';
import { enrichedRecord, type FeaturesInput } from '@riskstream/features';
import type { EnrichedTransaction } from '@riskstream/scoring';
import { answerOf, type Decided, type DecisionAnswer } from './decision-answer.ts';
import type { AnswerStore, StoredAnswer } from './answer-store.ts';
import type { DecisionsMetrics } from './decisions-metrics.ts';
import type { RedisPolicy } from './config.ts';
import { outboxEnvelope, outboxRecord } from './outbox.ts';
import type { OutboxPublisher } from './outbox-publisher.ts';

/** Where a decision's records say they came from (dedup coordinates, the lateness stream). */
export const DECISIONS_SOURCE = 'decisions';

export type DecisionOutcome =
  | { readonly kind: 'decided'; readonly answer: DecisionAnswer; readonly replayed: boolean }
  /** The transaction_id was first seen on transactions.raw.v1: the stream decided it. */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'failed'; readonly error: AppError };

export interface DecisionPipelineDeps {
  readonly tokenizer: CardTokenizer;
  /** Ingest's dedup markers: a decided transaction arriving later on the raw topic is dropped there. */
  readonly dedup: TransactionDedup;
  readonly answers: AnswerStore;
  readonly features: BatchHandler<FeaturesInput>;
  readonly validateValid: (topic: TopicKey, value: unknown) => FeaturesInput;
  readonly scoring: BatchHandler<EnrichedTransaction>;
  readonly publisher: OutboxPublisher;
  readonly names: TopicNames;
  readonly policy: RedisPolicy;
  readonly metrics: DecisionsMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}

/** An answer whose outbox record is to be sent. */
type Pending = Decided;

interface Prepared {
  readonly outcomes: DecisionOutcome[];
  /** Outbox records to send before answering. */
  readonly send: OutputRecord[];
  /** Answers to mark recorded once sent. */
  readonly recorded: DecisionAnswer[];
}

const NO_HEARTBEAT: HandlerContext = { heartbeat: async () => undefined, signal: new AbortController().signal };

/**
 * Decides a batch of valid transactions the way the stream does (ingest's tokeniser and dedup, the
 * feature store, the scoring handler), records them through the outbox, and only then answers:
 *
 *  1. claim each transaction_id in ingest's dedup markers at coordinates `decisions:<id>`. Taken at other
 *     coordinates: the stream has it (duplicate). Taken at ours: a retry; answer what was stored.
 *  2. features from Redis, applied atomically and idempotently by transaction_id (a retry that computes
 *     again reads the same pre-state), then the champion, thresholds, reasons and shadow challenger.
 *  3. store the answer with its records (pending), publish the outbox record, and answer after the ack.
 *
 * Redis unavailable: fail-closed fails the batch (503); fail-open decides on default features, marked
 * features_degraded, and skips dedup and the answer store (a retry then computes again).
 */
export class DecisionPipeline {
  readonly #d: DecisionPipelineDeps;

  constructor(deps: DecisionPipelineDeps) {
    this.#d = deps;
  }

  /**
   * Decides in two phases: `decide` runs claim, features, scoring and the answer store (callers run
   * batches through it one at a time, which keeps a card's events in order in the feature store), and
   * returns the second phase, publishing and answering, which may overlap the next batch's first.
   */
  async decide(txs: readonly ValidTransaction[]): Promise<() => Promise<DecisionOutcome[]>> {
    try {
      const prepared = await this.#prepare(txs);
      return () => this.#publish(prepared).catch((err: unknown) => this.#failAll(txs, err));
    } catch (err) {
      const failed = this.#failAll(txs, err);
      return () => Promise.resolve(failed);
    }
  }

  #failAll(txs: readonly ValidTransaction[], err: unknown): DecisionOutcome[] {
    const error = toAppError(err);
    if (!error.retriable) this.#d.logger.error({ err: error, code: error.code }, 'deciding a batch failed');
    return txs.map(() => ({ kind: 'failed', error }));
  }

  async #prepare(txs: readonly ValidTransaction[]): Promise<Prepared> {
    const outcomes = new Array<DecisionOutcome>(txs.length);
    const verdicts = await this.#claim(txs);
    const stored = await this.#storedAnswers(txs, verdicts);
    const pending: Pending[] = [];
    const fresh: number[] = [];
    txs.forEach((_, i) => {
      if (verdicts?.[i] === 'duplicate') return void (outcomes[i] = { kind: 'duplicate' });
      const s = stored.get(i);
      if (!s) return void fresh.push(i);
      outcomes[i] = { kind: 'decided', answer: s.answer, replayed: true };
      // Stored but maybe never sent (Kafka was down, or the process died before the ack): send again.
      if (s.pending) pending.push({ answer: s.answer, envelope: s.pending });
    });
    const kept = await this.#keepAnswers(await this.#compute(fresh.map((i) => txs[i]!), verdicts === null));
    fresh.forEach((i, k) => (outcomes[i] = kept[k]!.outcome));
    for (const k of kept) if (k.pending) pending.push(k.pending);
    return { outcomes, send: pending.map((p) => outboxRecord(p.answer.card_token, p.envelope)), recorded: verdicts === null ? [] : pending.map((p) => p.answer) };
  }

  async #publish(p: Prepared): Promise<DecisionOutcome[]> {
    const started = process.hrtime.bigint();
    await this.#d.publisher.publish(p.send);
    this.#d.metrics.recordDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.#markRecorded(p.recorded);
    return p.outcomes;
  }

  /** Dedup verdicts; null when Redis is down and the policy is fail-open (decide without them). */
  async #claim(txs: readonly ValidTransaction[]): Promise<DedupVerdict[] | null> {
    try {
      return await this.#d.dedup.check(txs.map((tx) => ({ transactionId: tx.transaction_id, coordinates: `${DECISIONS_SOURCE}:${tx.transaction_id}` })));
    } catch (err) {
      return this.#degradeOrThrow(err, null);
    }
  }

  /** The stored answers of retries (verdict 'redelivery'), by position in `txs`. */
  async #storedAnswers(txs: readonly ValidTransaction[], verdicts: readonly DedupVerdict[] | null): Promise<Map<number, StoredAnswer>> {
    const found = new Map<number, StoredAnswer>();
    const retried = txs.flatMap((_, i) => (verdicts?.[i] === 'redelivery' ? [i] : []));
    if (retried.length === 0) return found;
    const values = await this.#d.answers.get(retried.map((i) => txs[i]!.transaction_id)).catch((err: unknown) => this.#degradeOrThrow(err, [] as (StoredAnswer | null)[]));
    values.forEach((v, k) => v && found.set(retried[k]!, v));
    return found;
  }

  async #compute(txs: readonly ValidTransaction[], degraded: boolean): Promise<Decided[]> {
    if (txs.length === 0) return [];
    const now = this.#d.now();
    const valid = txs.map((tx) => this.#validRecord(tx, now));
    let enriched: readonly OutputRecord[];
    try {
      enriched = degraded ? valid.map(defaultEnriched) : (await this.#d.features(valid.map((v) => this.#asInput(v, (x) => this.#d.validateValid('transactionsValid', x))), NO_HEARTBEAT)).outputs;
    } catch (err) {
      enriched = this.#degradeOrThrow(err, null) ?? valid.map(defaultEnriched);
      degraded = true;
    }
    if (degraded) enriched = enriched.map(markDegraded);
    const scored = await this.#d.scoring(enriched.map((e) => this.#asInput(e, (x) => x as EnrichedTransaction)), NO_HEARTBEAT);
    const failed = scored.rejected?.[0];
    if (failed) throw failed.error;
    if (degraded) this.#d.metrics.degraded.inc(txs.length);
    return scored.outputs.map((out, i) => {
      const s = degraded ? { ...out, value: { ...(out.value as ScoredTransaction), features_degraded: true } } : out;
      const answer = answerOf(s.value as ScoredTransaction, (valid[i]!.value as ValidRecord).card_last4);
      return { answer, envelope: outboxEnvelope(answer.transaction_id, [valid[i]!, enriched[i]!, s].map(markFused)) };
    });
  }

  /** Keeps each answer unless a concurrent request for the same transaction stored one first. */
  async #keepAnswers(decided: readonly Decided[]): Promise<{ outcome: DecisionOutcome; pending?: Pending }[]> {
    const previous = await this.#d.answers
      .claim(decided.map((d) => ({ answer: d.answer, pending: d.envelope })))
      .catch((err: unknown) => this.#degradeOrThrow(err, decided.map(() => null)));
    return decided.map((d, i) => {
      const before = previous[i];
      if (!before) return { outcome: { kind: 'decided', answer: d.answer, replayed: false }, pending: d };
      return { outcome: { kind: 'decided', answer: before.answer, replayed: true }, ...(before.pending ? { pending: { answer: before.answer, envelope: before.pending } } : {}) };
    });
  }

  #markRecorded(answers: readonly DecisionAnswer[]): void {
    // Not awaited: until it lands, a retry re-sends the records, which the relay drops as a second copy.
    this.#d.answers.markRecorded(answers).catch((err: unknown) => this.#d.logger.warn({ err }, 'marking answers recorded failed; a retry will re-send them'));
  }

  #validRecord(tx: ValidTransaction, now: number): OutputRecord {
    const value = toValidRecord(tx, this.#d.tokenizer, now);
    // The raw partition a Kafka producer keying by card number would pick: the same lateness stream
    // shape as the stream's (shared/src/event-order.ts), under a source of its own.
    const partition = partitionForKey(tx.card_number, TOPICS.transactionsRaw.partitions);
    return { topic: 'transactionsValid', key: value.card_token, value, headers: { [SOURCE_PARTITION_HEADER]: sourcePartition(DECISIONS_SOURCE, partition) } };
  }

  #asInput<T>(record: OutputRecord, validate: (value: unknown) => T): InputMessage<T> {
    return {
      topic: record.topic,
      topicName: this.#d.names[record.topic],
      partition: 0,
      offset: '-1',
      timestamp: String(this.#d.now()),
      key: null,
      headers: record.headers ?? {},
      raw: null,
      value: validate(record.value),
    };
  }

  #degradeOrThrow<T>(err: unknown, fallback: T): T {
    const e = toAppError(err);
    if (this.#d.policy === 'fail-open' && e instanceof DependencyError && e.dependency === 'redis') return fallback;
    throw e;
  }
}

/** The features of a card and terminal with no history: what fail-open decides on. */
function defaultEnriched(valid: OutputRecord): OutputRecord {
  const tx = valid.value as ValidRecord;
  return enrichedRecord(tx, [], tx.terminal_id === null ? null : []);
}

const DEGRADED_HEADER = 'riskstream.features';

function markDegraded(record: OutputRecord): OutputRecord {
  return { ...record, headers: { ...record.headers, [DEGRADED_HEADER]: 'degraded' } };
}

/** Split features and scoring must leave these alone: they were enriched and scored here. */
function markFused(record: OutputRecord): OutputRecord {
  if (record.topic === 'transactionsScored') return record;
  return { ...record, headers: { ...record.headers, [FUSED_HEADER]: FUSED_HEADER_VALUE } };
}
