import { Partitioners, type ICustomPartitioner, type Kafka, type Message, type Producer, type Transaction, type TopicMessages, type IHeaders } from 'kafkajs';
import { AppError, DependencyError } from './errors.ts';
import type { PipelineMetrics } from './metrics.ts';
import type { TopicCodec } from './schema-registry.ts';
import { TOPICS, type TopicKey } from './topics.ts';

/** A record a handler wants written. `value` is a plain object for Avro topics, a Buffer for byte topics. */
export interface OutputRecord {
  readonly topic: TopicKey;
  readonly key: string | Buffer | null;
  readonly value: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timestamp?: string;
  /** Set only when the key must not decide the partition (see key-partition.ts). */
  readonly partition?: number;
}

/**
 * Retries of a transactional producer. A transaction that starts right after the previous one committed
 * usually meets CONCURRENT_TRANSACTIONS for a few milliseconds, while the coordinator writes the commit
 * markers; kafkajs answers with its retry backoff. With the client default (200 ms, then doubling) every
 * back-to-back transaction on a partition stalled: measured p90 of the first send 342 ms, against 17.5 ms
 * with a 5 ms first backoff (bench/pipeline/transaction-floor.ts). Since kafkajs no longer looks the
 * coordinator up before every request (scripts/dependency-patches/kafkajs-eos-manager.cjs), the retry
 * arrives sooner, so the first backoff is 1 ms: 18 transactional ids committing at once went from ~750 to
 * ~950 transactions/s here, p50 19 -> 15 ms each. Real outages still get a capped exponential backoff
 * (about 8 s in all), and the runner retries around it.
 */
export const TRANSACTIONAL_RETRY = Object.freeze({ initialRetryTime: 1, multiplier: 2, maxRetryTime: 2000, retries: 14 });

/** Keys remembered per producer before the memo starts over (card tokens repeat; memory stays bounded). */
const PARTITION_MEMO_LIMIT = 100_000;

/**
 * kafkajs's default (Java-compatible murmur2) partitioner, remembering each key's partition. Every output
 * is keyed by card token and cards repeat, yet the default hashed the key and filtered the partition list
 * afresh for every message: 6% of the features and scoring services' CPU under load. A keyed message's
 * partition depends only on the key and the topic's partition count, so both are part of the memo key.
 */
export const memoizedDefaultPartitioner: ICustomPartitioner = () => {
  const partition = Partitioners.DefaultPartitioner();
  const memo = new Map<string, number>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    const key = message.key;
    if ((message.partition !== null && message.partition !== undefined) || key === null || key === undefined) return partition(args);
    const memoKey = `${topic}\u0000${partitionMetadata.length}\u0000${typeof key === 'string' ? key : key.toString('latin1')}`;
    let p = memo.get(memoKey);
    if (p === undefined) {
      p = partition(args);
      if (memo.size >= PARTITION_MEMO_LIMIT) memo.clear();
      memo.set(memoKey, p);
    }
    return p;
  };
};

/**
 * Idempotent producer settings: acks from all in-sync replicas, one request in flight so kafkajs's
 * sequence numbers keep per-partition order across retries.
 */
export function createIdempotentProducer(kafka: Kafka, transactionalId?: string, transactionTimeoutMs = 60000): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: memoizedDefaultPartitioner,
    ...(transactionalId ? { transactionalId, transactionTimeout: transactionTimeoutMs, retry: { ...TRANSACTIONAL_RETRY } } : {}),
  });
}

/** Encodes records with the topic catalog's schemas and groups them by topic for one sendBatch. */
export async function encodeRecords(codec: TopicCodec, records: readonly OutputRecord[]): Promise<TopicMessages[]> {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    const name = codec.names[r.topic];
    let value: Buffer;
    const encoding = TOPICS[r.topic].encoding;
    if (encoding === 'bytes') {
      if (!Buffer.isBuffer(r.value)) throw new AppError('VALIDATION_FAILED', `${name} carries bytes; got ${typeof r.value}`);
      value = r.value;
    } else if (encoding === 'json') {
      value = Buffer.isBuffer(r.value) ? r.value : Buffer.from(JSON.stringify(r.value), 'utf8');
    } else if (encoding === 'avro-or-json' && Buffer.isBuffer(r.value)) {
      // User-input topics also take plain JSON bytes, exactly as a client without Avro would send them.
      value = r.value;
    } else {
      value = await codec.encode(r.topic, r.value);
    }
    const msg: Message = { key: r.key, value };
    if (r.headers) msg.headers = r.headers as IHeaders;
    if (r.timestamp) msg.timestamp = r.timestamp;
    if (r.partition !== undefined) msg.partition = r.partition;
    let list = byTopic.get(name);
    if (!list) byTopic.set(name, (list = []));
    list.push(msg);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** Sends encoded messages and resolves only when every partition leader acknowledged them (acks=-1). */
export async function sendEncoded(sender: Producer | Transaction, topicMessages: readonly TopicMessages[], metrics?: PipelineMetrics): Promise<void> {
  if (topicMessages.length === 0) return;
  try {
    await sender.sendBatch({ topicMessages: [...topicMessages], acks: -1 });
  } catch (err) {
    // Fencing means another instance owns this transactional id now: not retriable by us.
    const type = (err as { type?: string }).type;
    if (type === 'INVALID_PRODUCER_EPOCH' || type === 'PRODUCER_FENCED') {
      throw new AppError('HANDLER_FAILED', `producer fenced: ${(err as Error).message}`, { cause: err });
    }
    throw new DependencyError('kafka', `produce failed: ${(err as Error).message}`, err);
  }
  if (metrics) for (const tm of topicMessages) metrics.produced.inc({ topic: tm.topic }, tm.messages.length);
}

/** Encodes and sends records (acks=-1). */
export async function sendRecords(
  sender: Producer | Transaction,
  codec: TopicCodec,
  records: readonly OutputRecord[],
  metrics?: PipelineMetrics,
): Promise<void> {
  if (records.length === 0) return;
  await sendEncoded(sender, await encodeRecords(codec, records), metrics);
}
