import type { KafkaMessage } from 'kafkajs';
import { RecordTooLargeError, toAppError, type AppError } from '../errors.ts';
import type { TopicCodec } from '../schema-registry.ts';
import type { TopicKey } from '../topics.ts';
import type { InputMessage, Rejection } from './runner-types.ts';

export interface Decoded<T> {
  readonly ok: InputMessage<T>[];
  readonly rejected: Rejection<unknown>[];
}

export interface DecodeOptions<T> {
  readonly codec: TopicCodec;
  readonly validate?: (topic: TopicKey, value: unknown) => T;
  /** Larger input values are dead-lettered undecoded. */
  readonly maxInputBytes: number;
}

/**
 * Decodes and validates each record of a micro-batch. A record that fails goes to `rejected` (for the
 * DLQ) and its neighbours carry on; a retriable failure (the registry unreachable) throws so the caller
 * retries the whole micro-batch.
 */
export async function decodeRecords<T>(options: DecodeOptions<T>, topic: TopicKey, partition: number, msgs: readonly KafkaMessage[]): Promise<Decoded<T>> {
  const ok: InputMessage<T>[] = [];
  const rejected: Rejection<unknown>[] = [];
  const topicName = options.codec.names[topic];
  for (const m of msgs) {
    const base = { topic, topicName, partition, offset: m.offset, timestamp: m.timestamp, key: m.key, headers: m.headers, raw: m.value };
    const size = m.value?.length ?? 0;
    if (size > options.maxInputBytes) {
      rejected.push({ message: { ...base, value: undefined }, error: new RecordTooLargeError('input', size, options.maxInputBytes) });
      continue;
    }
    let value: unknown;
    try {
      value = await options.codec.decode(topic, m.value);
    } catch (err) {
      rejected.push({ message: { ...base, value: undefined }, error: nonRetriable(err) });
      continue;
    }
    try {
      ok.push({ ...base, value: options.validate ? options.validate(topic, value) : (value as T) });
    } catch (err) {
      rejected.push({ message: { ...base, value }, error: nonRetriable(err) });
    }
  }
  return { ok, rejected };
}

function nonRetriable(err: unknown): AppError {
  const e = toAppError(err);
  if (e.retriable) throw e;
  return e;
}
