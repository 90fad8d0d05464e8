import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer, TopicMessages } from 'kafkajs';
import type { Registry } from 'prom-client';
import { dlqRecord } from './dlq.ts';
import { AppError, toAppError } from './errors.ts';
import type { Logger } from './logger.ts';
import { pipelineMetrics, type PipelineMetrics } from './metrics.ts';
import { createIdempotentProducer, encodeRecords, sendEncoded, type OutputRecord } from './producer.ts';
import type { TopicCodec } from './schema-registry.ts';
import { TOPIC_KEYS, TOPICS, type TopicKey } from './topics.ts';

/**
 * The one consumer loop of the repo. Services supply a handler; the runner does the rest:
 *
 *   fetch -> split into micro-batches -> decode -> validate -> handler -> produce outputs + DLQ records
 *   -> commit offsets (only after every output is acknowledged) -> resolve -> heartbeat
 *
 * Failure policy:
 *  - decode/validation failures and non-retriable handler failures go to the DLQ with their coordinates;
 *    the good records around them carry on.
 *  - retriable failures (a dependency is down) are retried with capped exponential backoff, forever,
 *    without committing, heartbeating so the group keeps the partition; shutdown interrupts the wait.
 *  - a crash of the kafkajs consumer restarts it; uncommitted records are fetched again.
 *
 * Delivery modes:
 *  - 'at-least-once': outputs acked, then offsets committed. A crash between the two redelivers.
 *  - 'transactional': per input partition a transactional producer (transactional.id derived from
 *    group, topic and partition, so a restarted instance fences its zombie) writes outputs, DLQ records
 *    and the consumed offsets in one Kafka transaction. read_committed consumers see each output once.
 */

export interface InputMessage<T> {
  readonly topic: TopicKey;
  readonly topicName: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly headers: KafkaMessage['headers'];
  readonly raw: Buffer | null;
  readonly value: T;
}

export interface HandlerContext {
  /** Keeps group membership alive during long work; cheap to call often (kafkajs throttles it). */
  heartbeat(): Promise<void>;
  /** Aborted when the runner is asked to stop. */
  readonly signal: AbortSignal;
}

export interface Rejection<T> {
  readonly message: InputMessage<T>;
  readonly error: AppError;
}

export interface HandlerResult<T> {
  readonly outputs: readonly OutputRecord[];
  /** Records the handler refuses (non-retriable, per record); they go to the DLQ. */
  readonly rejected?: readonly Rejection<T>[];
}

export type BatchHandler<T> = (messages: readonly InputMessage<T>[], ctx: HandlerContext) => Promise<HandlerResult<T>>;

export interface RunnerOptions<T> {
  readonly service: string;
  readonly kafka: Kafka;
  readonly codec: TopicCodec;
  readonly groupId: string;
  readonly inputs: readonly TopicKey[];
  readonly handler: BatchHandler<T>;
  /** Turns a decoded value into the handler's type; throw ValidationError to dead-letter it. */
  readonly validate?: (topic: TopicKey, value: unknown) => T;
  /** What the DLQ keeps of a rejected record; ingest masks card numbers here. Default: the raw bytes. */
  readonly dlqPayload?: (raw: Buffer | null, topic: TopicKey) => Buffer;
  readonly mode?: 'at-least-once' | 'transactional';
  readonly microBatchSize?: number;
  readonly fromBeginning?: boolean;
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly sessionTimeoutMs?: number;
  /**
   * Partitions processed at once (order within a partition is always kept). Default: the largest
   * partition count among the inputs, so each assigned partition has its own transaction in flight and a
   * record never waits behind other partitions' commits (with one at a time, a fetch spanning 6
   * partitions ran 6 transactions back to back: ~6 x 15-25 ms per hop). Each partition has its own
   * transactional id, so the transactions are independent.
   */
  readonly partitionsConcurrently?: number;
  /**
   * Longest time the broker holds a fetch waiting for data (kafkajs maxWaitTimeInMs, default 5000).
   * Measured: 100 ms made end-to-end latency worse (more empty fetch round trips), so it stays opt-in.
   */
  readonly maxWaitMs?: number;
  readonly registry: Registry;
  readonly logger: Logger;
}

export interface ConsumerRunner {
  start(): Promise<void>;
  /** Finishes the in-flight micro-batch, commits it, then disconnects. Idempotent. */
  stop(): Promise<void>;
  isReady(): boolean;
  readonly groupId: string;
}

interface Decoded<T> {
  ok: InputMessage<T>[];
  rejected: Rejection<unknown>[];
}

export function createConsumerRunner<T>(options: RunnerOptions<T>): ConsumerRunner {
  const log = options.logger.child({ component: 'consumer-runner', groupId: options.groupId });
  const metrics = pipelineMetrics(options.registry);
  const mode = options.mode ?? 'at-least-once';
  const microBatchSize = options.microBatchSize ?? 500;
  const initialBackoff = options.retry?.initialMs ?? 100;
  const maxBackoff = options.retry?.maxMs ?? 5000;
  const topicKeyByName = new Map<string, TopicKey>(options.inputs.map((k) => [options.codec.names[k], k]));
  const abort = new AbortController();

  let consumer: Consumer | undefined;
  let sharedProducer: Producer | undefined;
  const txProducers = new Map<string, Producer>();
  let admin: Admin | undefined;
  let joined = false;
  let stopping: Promise<void> | undefined;

  async function decodeAll(topic: TopicKey, partition: number, msgs: readonly KafkaMessage[]): Promise<Decoded<T>> {
    const ok: InputMessage<T>[] = [];
    const rejected: Rejection<unknown>[] = [];
    const topicName = options.codec.names[topic];
    for (const m of msgs) {
      const base = { topic, topicName, partition, offset: m.offset, timestamp: m.timestamp, key: m.key, headers: m.headers, raw: m.value };
      let value: unknown;
      try {
        value = await options.codec.decode(topic, m.value);
      } catch (err) {
        const e = toAppError(err);
        if (e.retriable) throw e;
        rejected.push({ message: { ...base, value: undefined }, error: e });
        continue;
      }
      try {
        ok.push({ ...base, value: options.validate ? options.validate(topic, value) : (value as T) });
      } catch (err) {
        const e = toAppError(err);
        if (e.retriable) throw e;
        rejected.push({ message: { ...base, value }, error: e });
      }
    }
    return { ok, rejected };
  }

  /** Retries `fn` while it fails with retriable errors; heartbeats during waits; stops on shutdown. */
  async function withRetry<R>(what: string, heartbeat: () => Promise<void>, fn: () => Promise<R>): Promise<R> {
    let delay = initialBackoff;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = toAppError(err);
        if (!e.retriable) throw e;
        if (abort.signal.aborted) throw new AppError('SHUTDOWN', `${what} interrupted by shutdown`, { cause: e });
        metrics.retries.inc({ code: e.code });
        log.warn({ err: e, code: e.code, attempt, delayMs: delay }, `${what} failed; retrying`);
        const until = Date.now() + delay;
        while (Date.now() < until && !abort.signal.aborted) {
          await heartbeat().catch(() => undefined);
          await sleep(Math.min(1000, until - Date.now()));
        }
        delay = Math.min(maxBackoff, delay * 2);
      }
    }
  }

  /**
   * Runs the handler and encodes its outputs. Encoding is inside the isolation scope on purpose: an
   * output that does not fit its schema is a per-record failure, and must dead-letter that record
   * rather than crash-loop the partition.
   */
  async function runHandler(messages: InputMessage<T>[], ctx: HandlerContext): Promise<{ outputs: TopicMessages[]; rejected: Rejection<unknown>[] }> {
    if (messages.length === 0) return { outputs: [], rejected: [] };
    try {
      const r = await withRetry('handler', ctx.heartbeat, async () => {
        const result = await options.handler(messages, ctx);
        return { outputs: await encodeRecords(options.codec, result.outputs), rejected: [...(result.rejected ?? [])] };
      });
      return r;
    } catch (err) {
      const e = toAppError(err);
      if (e.code === 'SHUTDOWN') throw e;
      if (messages.length === 1) return { outputs: [], rejected: [{ message: messages[0]!, error: e }] };
      // One bad record must not sink its neighbours: run the batch record by record to isolate it.
      log.warn({ err: e, code: e.code, size: messages.length }, 'handler failed on a batch; isolating records');
      const outputs: TopicMessages[] = [];
      const rejected: Rejection<unknown>[] = [];
      for (const m of messages) {
        const r = await runHandler([m], ctx);
        outputs.push(...r.outputs);
        rejected.push(...r.rejected);
      }
      return { outputs, rejected };
    }
  }

  function toDlq(r: Rejection<unknown>): OutputRecord {
    const m = r.message;
    const payload = options.dlqPayload ? options.dlqPayload(m.raw, m.topic) : (m.raw ?? Buffer.alloc(0));
    metrics.dlq.inc({ topic: m.topicName, code: r.error.code });
    log.warn({ code: r.error.code, topic: m.topicName, partition: m.partition, offset: m.offset }, 'record dead-lettered');
    return dlqRecord(m, r.error, options.service, payload);
  }

  async function producerForPartition(topicName: string, partition: number): Promise<Producer> {
    const id = `${options.groupId}.${topicName}.${partition}`;
    let p = txProducers.get(id);
    if (!p) {
      p = createIdempotentProducer(options.kafka, id);
      await p.connect();
      txProducers.set(id, p);
    }
    return p;
  }

  async function commit(
    topicName: string,
    partition: number,
    nextOffset: string,
    records: TopicMessages[],
    payload: EachBatchPayload,
  ): Promise<void> {
    const heartbeat = payload.heartbeat;
    if (mode === 'at-least-once') {
      await withRetry('produce', heartbeat, () => sendEncoded(sharedProducer!, records, metrics));
      // Not consumer.commitOffsets: kafkajs turns that into a no-op once stop() began, which would drop
      // the commit of the batch we are draining. The batch payload's commit goes straight to the group.
      await payload.commitOffsetsIfNecessary({ topics: [{ topic: topicName, partitions: [{ partition, offset: nextOffset }] }] });
      return;
    }
    // A failed attempt is ambiguous: the broker may have committed although the client saw an error
    // (a timeout on EndTxn). Resending then would duplicate every output. So a retry first lets a new
    // producer with the same transactional id settle the previous attempt (its initProducerId completes
    // or aborts it), then reads the group's committed offset: already past this batch means committed.
    let ambiguous = false;
    await withRetry('transaction', heartbeat, async () => {
      const producer = await producerForPartition(topicName, partition);
      if (ambiguous && (await committedOffset(topicName, partition)) >= BigInt(nextOffset)) {
        log.warn({ topic: topicName, partition, nextOffset }, 'earlier transaction attempt had committed; not resending');
        return;
      }
      const tx = await producer.transaction();
      try {
        await sendEncoded(tx, records);
        await tx.sendOffsets({ consumerGroupId: options.groupId, topics: [{ topic: topicName, partitions: [{ partition, offset: nextOffset }] }] });
        await tx.commit();
      } catch (err) {
        ambiguous = true;
        await tx.abort().catch((abortErr: unknown) => log.warn({ err: abortErr }, 'transaction abort failed'));
        // A fenced or broken transactional producer is replaced, not reused.
        txProducers.delete(`${options.groupId}.${topicName}.${partition}`);
        await producer.disconnect().catch(() => undefined);
        throw err;
      }
      for (const tm of records) metrics.produced.inc({ topic: tm.topic }, tm.messages.length);
    });
  }

  async function committedOffset(topicName: string, partition: number): Promise<bigint> {
    admin ??= options.kafka.admin();
    await admin.connect();
    const [res] = await admin.fetchOffsets({ groupId: options.groupId, topics: [topicName] });
    const offset = res?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
    return BigInt(offset);
  }

  /**
   * Transactional mode, first batch of a partition since this member got it: settle the partition's
   * previous owner before trusting the position kafkajs fetched. A previous owner (this service killed,
   * or another instance before a rebalance) may have died with a transaction prepared but not yet
   * complete; the group then still reports the old offset, and records that transaction committed would
   * be processed twice. Creating this partition's producer (same transactional id) fences the old owner
   * and makes the coordinator finish or abort its transaction; the group's offset read after that is
   * settled. Records below it were committed by the previous owner and are skipped. (Kafka's own answer
   * is KIP-447's stable offset fetch, which kafkajs does not implement.) The window is a few ms after
   * an owner's last commit; the kill tests have not hit it, and the duplicates they did show came from
   * kafkajs's aborted-transaction filter (scripts/dependency-patches).
   */
  const settledFloor = new Map<string, bigint>();

  async function settlePartition(topicName: string, partition: number, heartbeat: () => Promise<void>): Promise<bigint> {
    const key = `${topicName}:${partition}`;
    let floor = settledFloor.get(key);
    if (floor === undefined) {
      floor = await withRetry('settle partition', heartbeat, async () => {
        await producerForPartition(topicName, partition);
        return committedOffset(topicName, partition);
      });
      settledFloor.set(key, floor);
      log.info({ topic: topicName, partition, committed: floor.toString() }, 'partition settled');
    }
    return floor;
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, resolveOffset, isRunning, isStale } = payload;
    const topic = topicKeyByName.get(batch.topic);
    if (!topic) throw new AppError('TOPIC_UNKNOWN', `subscribed to unexpected topic ${batch.topic}`);
    const ctx: HandlerContext = { heartbeat, signal: abort.signal };
    let messages = batch.messages;
    if (mode === 'transactional') {
      const floor = await settlePartition(batch.topic, batch.partition, heartbeat);
      if (messages.length > 0 && BigInt(messages[0]!.offset) < floor) {
        const skipped = messages.filter((m) => BigInt(m.offset) < floor);
        messages = messages.slice(skipped.length);
        log.warn({ topic: batch.topic, partition: batch.partition, from: skipped[0]!.offset, count: skipped.length, committed: floor.toString() }, 'skipping records a previous owner committed');
        resolveOffset(skipped[skipped.length - 1]!.offset);
      }
    }
    for (let i = 0; i < messages.length; i += microBatchSize) {
      if (!isRunning() || isStale() || abort.signal.aborted) return;
      const chunk = messages.slice(i, i + microBatchSize);
      const last = chunk[chunk.length - 1]!;
      const started = process.hrtime.bigint();
      metrics.inFlight.inc();
      // Long handlers (a retrain, a Redis outage) must not cost us the partition.
      const beat = setInterval(() => void heartbeat().catch(() => undefined), 1000);
      try {
        const decoded = await withRetry('decode', heartbeat, () => decodeAll(topic, batch.partition, chunk));
        const decodedAt = process.hrtime.bigint();
        const handled = await runHandler(decoded.ok, ctx);
        const handledAt = process.hrtime.bigint();
        const dlq = [...decoded.rejected, ...handled.rejected].map(toDlq);
        const records = [...handled.outputs, ...(await encodeRecords(options.codec, dlq))];
        const nextOffset = (BigInt(last.offset) + 1n).toString();
        await commit(batch.topic, batch.partition, nextOffset, records, payload);
        const phase = metrics.batchPhase;
        phase.inc({ topic: batch.topic, phase: 'decode' }, Number(decodedAt - started) / 1e9);
        phase.inc({ topic: batch.topic, phase: 'handle' }, Number(handledAt - decodedAt) / 1e9);
        phase.inc({ topic: batch.topic, phase: 'commit' }, Number(process.hrtime.bigint() - handledAt) / 1e9);
        resolveOffset(last.offset);
        metrics.consumed.inc({ topic: batch.topic }, chunk.length);
        metrics.batchSize.observe({ topic: batch.topic }, chunk.length);
        metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(nextOffset))));
      } catch (err) {
        const e = toAppError(err);
        if (e.code === 'SHUTDOWN') return;
        throw err;
      } finally {
        clearInterval(beat);
        metrics.inFlight.dec();
        metrics.batchDuration.observe({ topic: batch.topic }, Number(process.hrtime.bigint() - started) / 1e9);
      }
      await heartbeat().catch(() => undefined);
    }
  }

  /**
   * kafkajs restarts its consumer itself after retriable crashes. After a non-retriable one (a fenced
   * producer, a bug in a commit path) it gives up and the service would sit idle with a live process;
   * we rebuild the consumer instead, after a pause, so uncommitted records are fetched again.
   */
  async function launch(): Promise<void> {
    const c = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30000,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      ...(options.maxWaitMs !== undefined ? { maxWaitTimeInMs: options.maxWaitMs } : {}),
      retry: {
        restartOnFailure: async (err: Error) => {
          log.error({ err }, 'consumer crashed; kafkajs restarts it');
          return !abort.signal.aborted;
        },
      },
    });
    consumer = c;
    c.on(c.events.GROUP_JOIN, (e) => {
      joined = true;
      // A new assignment: every partition is settled again before its first batch.
      settledFloor.clear();
      log.info({ assignment: e.payload.memberAssignment }, 'joined group');
    });
    c.on(c.events.CRASH, (e) => {
      joined = false;
      metrics.crashes.inc();
      log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crash');
      if (e.payload.restart || abort.signal.aborted) return;
      void (async () => {
        await c.disconnect().catch(() => undefined);
        await sleep(maxBackoff, undefined, { signal: abort.signal }).catch(() => undefined);
        if (abort.signal.aborted || consumer !== c) return;
        log.warn('rebuilding the consumer after a non-retriable crash');
        await launch().catch((err: unknown) => log.error({ err }, 'consumer rebuild failed'));
      })();
    });
    await c.connect();
    await c.subscribe({ topics: options.inputs.map((k) => options.codec.names[k]), fromBeginning: options.fromBeginning ?? true });
    const concurrency = options.partitionsConcurrently ?? Math.max(...options.inputs.map((k) => TOPICS[k].partitions));
    await c.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: concurrency, eachBatch });
  }

  return {
    groupId: options.groupId,
    isReady: () => joined && !abort.signal.aborted,
    async start() {
      if (!options.inputs.every((k) => TOPIC_KEYS.includes(k))) throw new AppError('TOPIC_UNKNOWN', 'unknown input topic key');
      if (mode === 'at-least-once') {
        sharedProducer = createIdempotentProducer(options.kafka);
        await sharedProducer.connect();
      }
      await launch();
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        // kafkajs waits for the running eachBatch, which returns at the next micro-batch boundary.
        await consumer?.disconnect();
        await sharedProducer?.disconnect();
        await Promise.all([...txProducers.values()].map((p) => p.disconnect()));
        await admin?.disconnect();
        joined = false;
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

