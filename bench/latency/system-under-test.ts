/**
 * What the bench needs of each system it measures (riskstream, the kafkajs pass-through, Kafka Streams):
 * where to write and read, how to read a transaction id back, and how to start and stop its processes.
 */
import type { IdOf } from './latency-stats.ts';

export interface RunningSystem {
  /** Every process of the system by name, for the CPU meters. */
  readonly pids: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

export interface SystemUnderTest {
  /** Key of the system in the report, e.g. riskstream-split, reference, kafka-streams-100. */
  readonly name: string;
  /** The topic the load generator writes. */
  readonly input: string;
  /** The topic the reader reads. */
  readonly output: string;
  readonly idOf: IdOf;
  start(): Promise<RunningSystem>;
  /** What its processes say went wrong, for a failure's message (before dispose deletes their logs). */
  diagnose?(): Promise<string>;
  /** Stops whatever still runs and deletes the system's topics and state; safe to call twice. */
  dispose(): Promise<void>;
}

/** The transaction id of a pass-through's output record: the raw JSON, forwarded untouched. */
export function rawTransactionId(value: Buffer): string {
  return String((JSON.parse(value.toString()) as { transaction_id: unknown }).transaction_id);
}

/** Runs `dispose` once, however many times it is called (the teardown on Ctrl-C and the normal path). */
export function once(dispose: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= dispose());
}
