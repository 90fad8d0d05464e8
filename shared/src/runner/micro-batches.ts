import type { EachBatchPayload } from 'kafkajs';
import { toAppError } from '../errors.ts';
import type { PipelineMetrics } from '../metrics.ts';
import { encodeRecords } from '../producer.ts';
import type { TopicKey } from '../topics.ts';
import type { CommitStrategy } from './commit-strategies.ts';
import { deadLetter, type DeadLetterOptions } from './dead-letter.ts';
import { handleIsolated, type IsolationOptions } from './handler-isolation.ts';
import { decodeRecords, type DecodeOptions } from './record-decoding.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import type { HandlerContext } from './runner-types.ts';

export interface MicroBatchDeps<T> {
  readonly topicOf: (topicName: string) => TopicKey;
  readonly microBatchSize: number;
  readonly decode: DecodeOptions<T>;
  readonly handle: IsolationOptions<T>;
  readonly deadLetter: DeadLetterOptions;
  readonly commits: CommitStrategy;
  readonly generationId: () => number | undefined;
  readonly retry: RetryPolicy;
  readonly metrics: PipelineMetrics;
  readonly signal: AbortSignal;
}

/**
 * One fetched batch of one partition, in micro-batches, in order:
 *   decode + validate -> handler -> DLQ records -> commit strategy -> resolve the position.
 * Stops at a micro-batch boundary on shutdown, on a rebalance (isRunning/isStale), or when the commit
 * strategy refuses the work (a failed transaction is being settled; the consumer will be restarted).
 */
export async function processFetchedBatch<T>(deps: MicroBatchDeps<T>, payload: EachBatchPayload): Promise<void> {
  const { batch, heartbeat, resolveOffset, isRunning, isStale } = payload;
  const topic = deps.topicOf(batch.topic);
  const generationId = deps.generationId();
  const ctx: HandlerContext = { heartbeat, signal: deps.signal };
  for (let i = 0; i < batch.messages.length; i += deps.microBatchSize) {
    if (!isRunning() || isStale() || deps.signal.aborted) return;
    const chunk = batch.messages.slice(i, i + deps.microBatchSize);
    const last = chunk[chunk.length - 1]!;
    const started = process.hrtime.bigint();
    deps.metrics.inFlight.inc();
    // Long handlers (a retrain, a Redis outage) must not cost us the partition.
    const beat = setInterval(() => void heartbeat().catch(() => undefined), 1000);
    try {
      const decoded = await withRetry(deps.retry, 'decode', heartbeat, () => decodeRecords(deps.decode, topic, batch.partition, chunk));
      const decodedAt = process.hrtime.bigint();
      const handled = await handleIsolated(deps.handle, decoded.ok, ctx);
      const handledAt = process.hrtime.bigint();
      const dlq = [...decoded.rejected, ...handled.rejected].map((r) => deadLetter(deps.deadLetter, r));
      const records = [...handled.outputs, ...(await encodeRecords(deps.decode.codec, dlq))];
      const nextOffset = (BigInt(last.offset) + 1n).toString();
      const work = { topicName: batch.topic, partition: batch.partition, nextOffset, records, inputs: chunk.length };
      if (!(await deps.commits.commit(work, payload, generationId))) return;
      resolveOffset(last.offset);
      count(deps.metrics, batch.topic, { started, decodedAt, handledAt }, chunk.length);
      deps.metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(nextOffset))));
    } catch (err) {
      if (toAppError(err).code === 'SHUTDOWN') return;
      throw err;
    } finally {
      clearInterval(beat);
      deps.metrics.inFlight.dec();
      deps.metrics.batchDuration.observe({ topic: batch.topic }, Number(process.hrtime.bigint() - started) / 1e9);
    }
    await heartbeat().catch(() => undefined);
  }
}

function count(metrics: PipelineMetrics, topic: string, t: { started: bigint; decodedAt: bigint; handledAt: bigint }, inputs: number): void {
  const phase = metrics.batchPhase;
  phase.inc({ topic, phase: 'decode' }, Number(t.decodedAt - t.started) / 1e9);
  phase.inc({ topic, phase: 'handle' }, Number(t.handledAt - t.decodedAt) / 1e9);
  phase.inc({ topic, phase: 'commit' }, Number(process.hrtime.bigint() - t.handledAt) / 1e9);
  metrics.consumed.inc({ topic }, inputs);
  metrics.batchSize.observe({ topic }, inputs);
}
