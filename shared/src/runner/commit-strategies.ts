import { setTimeout as sleep } from 'node:timers/promises';
import type { EachBatchPayload, Kafka, Producer, TopicMessages } from 'kafkajs';
import type { PipelineMetrics } from '../metrics.ts';
import { createIdempotentProducer, sendEncoded } from '../producer.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import type { TransactionCadence } from './transaction-cadence.ts';

/** One processed micro-batch of one input partition: its outputs (DLQ records included) and offsets. */
export interface ProcessedBatch {
  readonly topicName: string;
  readonly partition: number;
  readonly nextOffset: string;
  readonly records: readonly TopicMessages[];
  readonly inputs: number;
}

/** How a delivery mode makes processed work durable. */
export interface CommitStrategy {
  start(): Promise<void>;
  /** False when the work was refused: the caller must not move its position past these records. */
  commit(batch: ProcessedBatch, payload: EachBatchPayload, generationId: number | undefined): Promise<boolean>;
  /** Everything handed to commit() is durable when this resolves (shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * at-least-once: outputs acknowledged (acks=-1, idempotent producer), then the offsets committed, per
 * micro-batch. A crash between the two redelivers the micro-batch.
 */
export function atLeastOnceCommits(kafka: Kafka, metrics: PipelineMetrics, retry: RetryPolicy): CommitStrategy {
  let producer: Producer | undefined;
  return {
    async start() {
      producer = createIdempotentProducer(kafka);
      await producer.connect();
    },
    async commit(b, payload) {
      await withRetry(retry, 'produce', payload.heartbeat, () => sendEncoded(producer!, b.records, metrics));
      // Not consumer.commitOffsets: kafkajs turns that into a no-op once stop() began, which would drop
      // the commit of the batch being drained. The batch payload's commit goes straight to the group.
      await payload.commitOffsetsIfNecessary({ topics: [{ topic: b.topicName, partitions: [{ partition: b.partition, offset: b.nextOffset }] }] });
      return true;
    },
    flush: async () => undefined,
    close: async () => producer?.disconnect(),
  };
}

const REFUSED_PAUSE_MS = 50;

/**
 * transactional: the member's commit cadence. The caller moves on without waiting for the commit
 * (that is what lets one transaction span fetches) except when the pending transaction is full
 * (backpressure) or the runner is stopping.
 */
export function transactionalCommits(cadence: TransactionCadence, stopping: AbortSignal): CommitStrategy {
  return {
    start: async () => undefined,
    async commit(b, payload, generationId) {
      if (generationId === undefined || payload.isStale()) return false;
      const committed = cadence.add(generationId, b.topicName, b.partition, b.nextOffset, b.records, b.inputs);
      if (!committed) {
        // Refused while a failed commit is settled and the consumer restarted: do not spin on refetches.
        await sleep(REFUSED_PAUSE_MS);
        return false;
      }
      if (cadence.backlogged || stopping.aborted) {
        if (stopping.aborted) await cadence.flush();
        return committed.then(
          () => true,
          () => false,
        );
      }
      return true;
    },
    flush: () => cadence.flush(),
    close: () => cadence.close(),
  };
}
