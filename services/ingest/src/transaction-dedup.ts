import { hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DependencyError, redisUnavailable } from '@riskstream/shared';

/**
 * Drops resubmitted transactions (same transaction_id within the horizon) without losing a record when
 * a Kafka transaction aborts.
 *
 * The marker of a transaction_id stores where the record that claimed it sits: "<topic>:<partition>:
 * <offset>". Claiming is SET NX, so the first sighting wins, and GET in the same command returns the
 * previous holder:
 *  - no previous holder: first sighting, process it.
 *  - previous holder at the SAME coordinates: this very record was claimed before, but its output was
 *    never committed (the transaction aborted, the instance died, a retry ran the batch again) and Kafka
 *    is delivering it again. Process it; dropping it would lose it, since the aborted output is invisible
 *    to read_committed consumers.
 *  - previous holder at OTHER coordinates: a duplicate. Drop it.
 * The marker is not released on abort: redelivery always comes back with the same coordinates, so it
 * does not need to be.
 *
 * Keys are `<prefix><sha256(transaction_id)>`: fixed length, and a client that (against the rules) puts
 * card data in its ids leaves none of it in Redis.
 */

export type DedupVerdict = 'first' | 'redelivery' | 'duplicate';

export interface DedupEntry {
  readonly transactionId: string;
  /** Where this sighting sits in Kafka, from `recordCoordinates`. */
  readonly coordinates: string;
}

/** The storage primitive, so the logic can be tested against a fake. */
export interface MarkerStore {
  /**
   * For each entry in order, in ONE round trip: set key to value with a TTL if the key is absent, and
   * return the value it held before (null if it was absent). Fails as a whole with a DependencyError.
   */
  claim(entries: readonly { key: string; value: string }[], ttlSeconds: number): Promise<(string | null)[]>;
}

export function recordCoordinates(topicName: string, partition: number, offset: string): string {
  return `${topicName}:${partition}:${offset}`;
}

export interface TransactionDedupOptions {
  readonly store: MarkerStore;
  /** Namespaces the markers (deployment, topic namespace, test run). */
  readonly keyPrefix: string;
  readonly horizonSeconds: number;
}

export class TransactionDedup {
  readonly #store: MarkerStore;
  readonly #prefix: string;
  readonly #horizonSeconds: number;

  constructor(options: TransactionDedupOptions) {
    this.#store = options.store;
    this.#prefix = options.keyPrefix;
    this.#horizonSeconds = options.horizonSeconds;
  }

  key(transactionId: string): string {
    return this.#prefix + hash('sha256', transactionId, 'hex');
  }

  /**
   * Verdicts in input order. Two sightings of one id in the same batch resolve like any other pair: the
   * store applies the claims in order, so the second sees the first as a holder at other coordinates.
   */
  async check(entries: readonly DedupEntry[]): Promise<DedupVerdict[]> {
    if (entries.length === 0) return [];
    const previous = await this.#store.claim(
      entries.map((e) => ({ key: this.key(e.transactionId), value: e.coordinates })),
      this.#horizonSeconds,
    );
    if (previous.length !== entries.length) {
      throw new DependencyError('redis', `dedup answered ${previous.length} results for ${entries.length} claims`);
    }
    return entries.map((e, i) => {
      const holder = previous[i];
      if (holder === null || holder === undefined) return 'first';
      return holder === e.coordinates ? 'redelivery' : 'duplicate';
    });
  }
}

/**
 * Redis marker store: a pipeline of `SET key value NX GET EX ttl` (NX with GET needs Redis >= 7.0), sent
 * as one round trip. Each SET is atomic on its own, which is all the protocol above needs. On Redis
 * Cluster the keys of one pipeline may live on several nodes; ioredis then needs a cluster client.
 */
export function redisMarkerStore(redis: Redis): MarkerStore {
  return {
    async claim(entries, ttlSeconds) {
      const pipeline = redis.pipeline();
      for (const { key, value } of entries) pipeline.call('SET', key, value, 'NX', 'GET', 'EX', String(ttlSeconds));
      let results: [Error | null, unknown][] | null;
      try {
        results = await pipeline.exec();
      } catch (err) {
        throw redisUnavailable('dedup claim failed', err);
      }
      if (!results) throw new DependencyError('redis', 'dedup pipeline returned no results');
      return results.map(([err, value]) => {
        if (err) throw redisUnavailable('dedup claim failed', err);
        return value === null ? null : String(value);
      });
    },
  };
}
