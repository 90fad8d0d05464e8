import { hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DependencyError, redisUnavailable } from '@riskstream/shared';
import type { DecisionAnswer } from './decision-answer.ts';

/**
 * Answers given by POST /v1/decisions, kept for retries with the same transaction_id. An answer is stored
 * with its records before they are sent ("pending"); once Kafka acknowledged them it is marked recorded
 * and the records are dropped. A retry that finds a pending answer sends its records again: the relay
 * copies each transaction once (outbox.ts), so a second copy in the outbox changes nothing.
 *
 * Keys are `<prefix>answer:<sha256(transaction_id)>`: fixed length, and no client id is kept in clear.
 */
export interface StoredAnswer {
  readonly answer: DecisionAnswer;
  /** The outbox envelope (JSON), present until the records are known to be in Kafka. */
  readonly pending?: string;
}

export class AnswerStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number;

  constructor(redis: Redis, prefix: string, ttlSeconds: number) {
    this.#redis = redis;
    this.#prefix = `${prefix}answer:`;
    this.#ttlSeconds = ttlSeconds;
  }

  async get(ids: readonly string[]): Promise<(StoredAnswer | null)[]> {
    if (ids.length === 0) return [];
    let values: (string | null)[];
    try {
      values = await this.#redis.mget(ids.map((id) => this.#key(id)));
    } catch (err) {
      throw redisUnavailable('answer lookup failed', err);
    }
    return values.map(parseStored);
  }

  /** Stores each answer unless one is stored already; returns what was there before (null: this one is kept). */
  async claim(entries: readonly StoredAnswer[]): Promise<(StoredAnswer | null)[]> {
    if (entries.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const e of entries) pipeline.call('SET', this.#key(e.answer.transaction_id), storedValue(e), 'NX', 'GET', 'EX', String(this.#ttlSeconds));
    return (await this.#exec(pipeline, 'answer store failed')).map((v) => parseStored(v === null ? null : String(v)));
  }

  /** Drops the records of answers now in Kafka (only where the answer is still stored). */
  async markRecorded(answers: readonly DecisionAnswer[]): Promise<void> {
    if (answers.length === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const answer of answers) pipeline.call('SET', this.#key(answer.transaction_id), storedValue({ answer }), 'XX', 'KEEPTTL');
    await this.#exec(pipeline, 'marking answers recorded failed');
  }

  #key(transactionId: string): string {
    return this.#prefix + hash('sha256', transactionId, 'hex');
  }

  async #exec(pipeline: ReturnType<Redis['pipeline']>, what: string): Promise<unknown[]> {
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (err) {
      throw redisUnavailable(what, err);
    }
    if (!results) throw new DependencyError('redis', `${what}: no results`);
    return results.map(([err, value]) => {
      if (err) throw redisUnavailable(what, err);
      return value;
    });
  }
}

/** The envelope goes in as the JSON it already is, not as a string of JSON: one serialisation per decision. */
function storedValue(s: StoredAnswer): string {
  return s.pending === undefined ? `{"answer":${JSON.stringify(s.answer)}}` : `{"answer":${JSON.stringify(s.answer)},"pending":${s.pending}}`;
}

function parseStored(raw: string | null): StoredAnswer | null {
  if (raw === null) return null;
  const v = JSON.parse(raw) as { answer: DecisionAnswer; pending?: unknown };
  return v.pending === undefined ? { answer: v.answer } : { answer: v.answer, pending: JSON.stringify(v.pending) };
}
