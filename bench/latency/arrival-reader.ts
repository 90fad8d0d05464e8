/**
 * The one reader every system gets: a read_committed kafkajs consumer on the system's last topic that
 * notes when each record arrived. It only stamps and keeps the bytes; decoding (Avro for riskstream) is
 * done afterwards, so a slow decode never delays the next arrival's stamp.
 */
import type { Kafka } from 'kafkajs';
import { uniqueId } from '../../test/support/integration.ts';

export interface Arrival {
  readonly value: Buffer;
  /** performance.now() when the record's batch reached the reader. */
  readonly receivedAt: number;
}

export interface ArrivalReader {
  /** Every record read so far, in arrival order. */
  readonly arrivals: readonly Arrival[];
  stop(): Promise<void>;
}

// A fetch waits at most this long for data; a record that becomes visible (its transaction committed)
// completes the waiting fetch at once, so this bounds only an idle reader's polling.
const MAX_WAIT_MS = 500;
const JOIN_TIMEOUT_MS = 60_000;

export async function startArrivalReader(kafka: Kafka, topic: string): Promise<ArrivalReader> {
  const arrivals: Arrival[] = [];
  const consumer = kafka.consumer({ groupId: `latency-reader-${uniqueId()}`, readUncommitted: false, maxWaitTimeInMs: MAX_WAIT_MS });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  // Joined before the system starts: records that pile up while the reader joins would arrive together
  // and make a backlog's drain look faster than it was.
  const joined = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the reader of ${topic} did not join its group in ${JOIN_TIMEOUT_MS / 1000} s`)), JOIN_TIMEOUT_MS);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const receivedAt = performance.now();
      for (const m of batch.messages) if (m.value) arrivals.push({ value: m.value, receivedAt });
    },
  });
  await joined;
  return { arrivals, stop: () => consumer.disconnect() };
}
