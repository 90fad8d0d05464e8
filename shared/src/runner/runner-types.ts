import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { OutputRecord } from '../producer.ts';
import type { TopicCodec } from '../schema-registry.ts';
import type { TopicKey } from '../topics.ts';
import type { TestHandlerDelay } from './test-handler-delay.ts';

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

/** What the DLQ keeps of a rejected record: the masking hook sees key, payload and error message. */
export interface DlqContent {
  readonly key: Buffer | null;
  readonly payload: Buffer;
  readonly message: string;
}

/**
 * Transactional mode's commit cadence, like Kafka Streams' commit.interval.ms: a member accumulates the
 * outputs and offsets of everything it processed (all its partitions, across fetches) and commits them
 * in one transaction when `maxRecords` inputs or `intervalMs` have accumulated, whichever comes first.
 */
export interface CommitCadence {
  readonly intervalMs: number;
  readonly maxRecords: number;
}

export interface RunnerOptions<T> {
  readonly service: string;
  readonly kafka: Kafka;
  readonly codec: TopicCodec;
  readonly groupId: string;
  readonly inputs: readonly TopicKey[];
  readonly handler: BatchHandler<T>;
  /** Turns a decoded value into the handler's type; throw ValidationError to dead-letter it. */
  readonly validate?: (topic: TopicKey, value: unknown) => T;
  /** Masks what a DLQ record keeps (ingest removes card numbers). Default: key and raw bytes as they are. */
  readonly maskDlq?: (content: DlqContent, topic: TopicKey) => DlqContent;
  readonly mode?: 'at-least-once' | 'transactional';
  readonly microBatchSize?: number;
  readonly fromBeginning?: boolean;
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly sessionTimeoutMs?: number;
  /** Transactional mode: this member's stable name; the transactional id is `<groupId>.<instanceId>`. */
  readonly instanceId?: string;
  readonly cadence?: Partial<CommitCadence>;
  /** Inputs larger than this are dead-lettered undecoded. */
  readonly maxInputBytes?: number;
  /** An output larger than this dead-letters the input that produced it (the broker would refuse it). */
  readonly maxOutputBytes?: number;
  /** Partitions processed at once (order within a partition is always kept). Default: all of them. */
  readonly partitionsConcurrently?: number;
  /** Longest time the broker holds a fetch waiting for data (kafkajs maxWaitTimeInMs). */
  readonly maxWaitMs?: number;
  /** Bytes the broker waits for (up to maxWaitMs) before answering a fetch (kafkajs minBytes; default 1). */
  readonly minBytes?: number;
  /** TEST ONLY: every `every`-th handler call first waits `ms` (runner/test-handler-delay.ts). */
  readonly testHandlerDelay?: TestHandlerDelay;
  readonly registry: Registry;
  readonly logger: Logger;
}

export interface ConsumerRunner {
  start(): Promise<void>;
  /** Finishes the in-flight micro-batch, commits everything processed, then disconnects. Idempotent. */
  stop(): Promise<void>;
  isReady(): boolean;
  readonly groupId: string;
}
