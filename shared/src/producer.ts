import type { Kafka, Message, Producer, Transaction, TopicMessages, IHeaders } from 'kafkajs';
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
}

/**
 * Idempotent producer settings: acks from all in-sync replicas, one request in flight so kafkajs's
 * sequence numbers keep per-partition order across retries.
 */
export function createIdempotentProducer(kafka: Kafka, transactionalId?: string): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    ...(transactionalId ? { transactionalId, transactionTimeout: 60000 } : {}),
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
    } else if (encoding === 'avro-or-json' && Buffer.isBuffer(r.value)) {
      // User-input topics also take plain JSON bytes, exactly as a client without Avro would send them.
      value = r.value;
    } else {
      value = await codec.encode(r.topic, r.value);
    }
    const msg: Message = { key: r.key, value };
    if (r.headers) msg.headers = r.headers as IHeaders;
    if (r.timestamp) msg.timestamp = r.timestamp;
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
