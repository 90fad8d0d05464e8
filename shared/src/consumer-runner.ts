import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { AppError } from './errors.ts';
import { pipelineMetrics } from './metrics.ts';
import { atLeastOnceCommits, transactionalCommits, type CommitStrategy } from './runner/commit-strategies.ts';
import { processFetchedBatch, type MicroBatchDeps } from './runner/micro-batches.ts';
import type { RetryPolicy } from './runner/retry.ts';
import { DEFAULT_CADENCE, DEFAULT_MAX_RECORD_BYTES } from './runner/runner-defaults.ts';
import type { ConsumerRunner, RunnerOptions } from './runner/runner-types.ts';
import { slowedHandler } from './runner/test-handler-delay.ts';
import { TransactionCadence } from './runner/transaction-cadence.ts';
import { TOPIC_KEYS, TOPICS, type TopicKey } from './topics.ts';

export type { InputMessage, HandlerContext, Rejection, HandlerResult, BatchHandler, RunnerOptions, ConsumerRunner, CommitCadence, DlqContent } from './runner/runner-types.ts';

/**
 * The one consumer loop of the repo. Services supply a handler; the runner does the rest:
 *
 *   fetch -> micro-batches (runner/micro-batches.ts) -> decode + validate -> handler -> outputs + DLQ
 *   records -> commit strategy (runner/commit-strategies.ts) -> resolve the position
 *
 * Failure policy: decode/validation failures, non-retriable handler failures and records too large for
 * the broker go to the DLQ with their coordinates while the good records around them carry on;
 * retriable failures (a dependency down) are retried with capped exponential backoff (runner/retry.ts),
 * heartbeating so the group keeps the partition; a crashed kafkajs consumer is restarted.
 *
 * Delivery modes:
 *  - 'at-least-once': outputs acked, then offsets committed, per micro-batch.
 *  - 'transactional' (exactly-once for read_committed consumers): one transactional producer per
 *    member commits the outputs, DLQ records and offsets of everything the member processed, every
 *    `cadence.intervalMs` or `cadence.maxRecords` inputs (runner/transaction-cadence.ts, which also
 *    states how zombies are fenced and how a failed commit is settled).
 */

export { DEFAULT_CADENCE, DEFAULT_MAX_RECORD_BYTES };

export function createConsumerRunner<T>(options: RunnerOptions<T>): ConsumerRunner {
  const log = options.logger.child({ component: 'consumer-runner', groupId: options.groupId });
  const metrics = pipelineMetrics(options.registry);
  const abort = new AbortController();
  const retry: RetryPolicy = {
    initialMs: options.retry?.initialMs ?? 100,
    maxMs: options.retry?.maxMs ?? 5000,
    signal: abort.signal,
    log,
    onRetry: (e) => metrics.retries.inc({ code: e.code }),
  };
  const topicKeyByName = new Map<string, TopicKey>(options.inputs.map((k) => [options.codec.names[k], k]));

  let consumer: Consumer | undefined;
  let joined = false;
  let generationId: number | undefined;
  let stopping: Promise<void> | undefined;

  const cadence =
    (options.mode ?? 'at-least-once') === 'transactional'
      ? new TransactionCadence({
          kafka: options.kafka,
          groupId: options.groupId,
          transactionalId: `${options.groupId}.${options.instanceId ?? `${hostname()}-${process.pid}`}`,
          cadence: { ...DEFAULT_CADENCE, ...options.cadence },
          maxRequestBytes: options.maxOutputBytes ?? DEFAULT_MAX_RECORD_BYTES,
          retry,
          metrics,
          log,
          restartConsumer: () => restart(consumer),
        })
      : undefined;
  const commits: CommitStrategy = cadence ? transactionalCommits(cadence, abort.signal) : atLeastOnceCommits(options.kafka, metrics, retry);

  const deps: MicroBatchDeps<T> = {
    topicOf: (name) => {
      const key = topicKeyByName.get(name);
      if (!key) throw new AppError('TOPIC_UNKNOWN', `subscribed to unexpected topic ${name}`);
      return key;
    },
    microBatchSize: options.microBatchSize ?? 500,
    decode: { codec: options.codec, validate: options.validate, maxInputBytes: options.maxInputBytes ?? DEFAULT_MAX_RECORD_BYTES },
    handle: { handler: options.testHandlerDelay ? slowedHandler(options.handler, options.testHandlerDelay) : options.handler, codec: options.codec, maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_RECORD_BYTES, retry, log },
    deadLetter: { service: options.service, maskDlq: options.maskDlq, metrics, log },
    commits,
    generationId: () => generationId,
    retry,
    metrics,
    signal: abort.signal,
  };
  const eachBatch = (payload: EachBatchPayload) => processFetchedBatch(deps, payload);

  /**
   * kafkajs restarts its consumer itself after retriable crashes. After a non-retriable one it gives up
   * and the service would sit idle with a live process; we rebuild the consumer instead, after a pause,
   * so uncommitted records are fetched again.
   */
  async function launch(): Promise<void> {
    const c = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30000,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      ...(options.maxWaitMs !== undefined ? { maxWaitTimeInMs: options.maxWaitMs } : {}),
      ...(options.minBytes !== undefined ? { minBytes: options.minBytes } : {}),
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
      // generationId: our kafkajs patch adds it to the event (KIP-447 fencing needs it).
      generationId = (e.payload as { generationId?: number }).generationId ?? -1;
      cadence?.joined({ generationId, memberId: e.payload.memberId });
      log.info({ generationId, assignment: e.payload.memberAssignment }, 'joined group');
    });
    c.on(c.events.CRASH, (e) => {
      joined = false;
      metrics.crashes.inc();
      log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crash');
      if (e.payload.restart || abort.signal.aborted) return;
      void rebuild(c).catch((err: unknown) => log.error({ err }, 'consumer rebuild failed'));
    });
    await c.connect();
    await c.subscribe({ topics: options.inputs.map((k) => options.codec.names[k]), fromBeginning: options.fromBeginning ?? true });
    const concurrency = options.partitionsConcurrently ?? Math.max(...options.inputs.map((k) => TOPICS[k].partitions));
    await c.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: concurrency, eachBatch });
  }

  async function rebuild(c: Consumer): Promise<void> {
    await c.disconnect().catch(() => undefined);
    await sleep(retry.maxMs, undefined, { signal: abort.signal }).catch(() => undefined);
    if (abort.signal.aborted || consumer !== c) return;
    log.warn('rebuilding the consumer after a non-retriable crash');
    await launch();
  }

  /** A new consumer (a new member) that resumes from the group's committed offsets, at once. */
  async function restart(c: Consumer | undefined): Promise<void> {
    if (!c || abort.signal.aborted || consumer !== c) return;
    joined = false;
    await c.disconnect();
    if (abort.signal.aborted) return;
    log.warn('restarting the consumer to resume from the committed offsets');
    await launch();
  }

  return {
    groupId: options.groupId,
    isReady: () => joined && !abort.signal.aborted,
    async start() {
      if (!options.inputs.every((k) => TOPIC_KEYS.includes(k))) throw new AppError('TOPIC_UNKNOWN', 'unknown input topic key');
      await commits.start();
      await launch();
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        // Commit what is pending while this member still belongs to the group; micro-batches still
        // running commit their own work before returning, and kafkajs waits for them in disconnect().
        await commits.flush().catch((err: unknown) => log.warn({ err }, 'final commit failed; the next owner reprocesses it'));
        await consumer?.disconnect();
        await commits.close();
        joined = false;
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
