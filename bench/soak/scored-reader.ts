/**
 * The soak's reader: a read_committed consumer on the scored topic that, for every record, notes its
 * end-to-end latency (batch arrival - event_time, both this machine's epoch ms: the generator stamps
 * event_time when it sends) into the current window, and marks its record number seen, counting a
 * number seen twice as a duplicate. Memory stays one byte per record sent, however long the soak runs.
 */
import type { Kafka } from 'kafkajs';
import type { TopicCodec } from '@riskstream/shared';
import { uniqueId } from '../../test/support/integration.ts';
import { recordNumber } from './steady-load.ts';

const MAX_WAIT_MS = 200;
const JOIN_TIMEOUT_MS = 60_000;

export interface ScoredReader {
  /** Distinct soak records read so far. */
  distinct(): number;
  duplicates(): number;
  /** Records read that are not this run's (should stay 0: the topics are the soak's own). */
  foreign(): number;
  /** Arrival times (performance.now()) of the `n`-th distinct record, for the probe's rate. */
  arrivalsSince(fromDistinct: number): readonly number[];
  /** Latencies (ms) read since the last call, and starts a new window. */
  takeWindow(): number[];
  stop(): Promise<void>;
}

export async function startScoredReader(kafka: Kafka, codec: TopicCodec, topic: string, idPrefix: string): Promise<ScoredReader> {
  let seen = new Uint8Array(1 << 20);
  let distinct = 0;
  let duplicates = 0;
  let foreign = 0;
  let window: number[] = [];
  const arrivals: number[] = [];
  let keepArrivals = true;

  function mark(n: number): void {
    if (n >= seen.length) {
      const bigger = new Uint8Array(Math.max(seen.length * 2, n + 1));
      bigger.set(seen);
      seen = bigger;
    }
    if (seen[n] === 1) duplicates++;
    else {
      seen[n] = 1;
      distinct++;
    }
  }

  const consumer = kafka.consumer({ groupId: `soak-reader-${uniqueId()}`, readUncommitted: false, maxWaitTimeInMs: MAX_WAIT_MS });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the soak reader of ${topic} did not join its group in ${JOIN_TIMEOUT_MS / 1000} s`)), JOIN_TIMEOUT_MS);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const receivedAt = Date.now();
      const arrivedAt = performance.now();
      for (const m of batch.messages) {
        if (!m.value) continue;
        const scored = (await codec.decode('transactionsScored', m.value)) as { transaction_id: string; event_time: number };
        const n = recordNumber(idPrefix, scored.transaction_id);
        if (n < 0 || !Number.isInteger(n)) {
          foreign++;
          continue;
        }
        const before = distinct;
        mark(n);
        if (distinct > before) {
          window.push(receivedAt - Number(scored.event_time));
          if (keepArrivals) arrivals.push(arrivedAt);
        }
        resolveOffset(m.offset);
      }
      await heartbeat();
    },
  });
  await joined;
  return {
    distinct: () => distinct,
    duplicates: () => duplicates,
    foreign: () => foreign,
    arrivalsSince(fromDistinct) {
      const out = arrivals.slice(fromDistinct);
      // Only the probe needs arrival times: stop keeping them once it has read them.
      keepArrivals = false;
      arrivals.length = 0;
      return out;
    },
    takeWindow() {
      const w = window;
      window = [];
      return w;
    },
    stop: () => consumer.disconnect(),
  };
}
