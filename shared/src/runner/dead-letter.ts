import type { TopicMessages } from 'kafkajs';
import { dlqRecord } from '../dlq.ts';
import { RecordTooLargeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PipelineMetrics } from '../metrics.ts';
import type { OutputRecord } from '../producer.ts';
import type { TopicKey } from '../topics.ts';
import type { DlqContent, Rejection } from './runner-types.ts';

export interface DeadLetterOptions {
  readonly service: string;
  readonly maskDlq?: (content: DlqContent, topic: TopicKey) => DlqContent;
  readonly metrics: PipelineMetrics;
  readonly log: Logger;
}

/**
 * The DLQ record of a rejected input: its coordinates and error in headers, its (masked) key and bytes
 * in the record. An input rejected for its size keeps no payload: the DLQ record would be as large.
 */
export function deadLetter(options: DeadLetterOptions, r: Rejection<unknown>): OutputRecord {
  const m = r.message;
  const tooLarge = r.error instanceof RecordTooLargeError && r.error.direction === 'input';
  const content: DlqContent = { key: m.key, payload: tooLarge ? Buffer.alloc(0) : (m.raw ?? Buffer.alloc(0)), message: r.error.message };
  const masked = options.maskDlq ? options.maskDlq(content, m.topic) : content;
  options.metrics.dlq.inc({ topic: m.topicName, code: r.error.code });
  options.log.warn({ code: r.error.code, topic: m.topicName, partition: m.partition, offset: m.offset }, 'record dead-lettered');
  return dlqRecord({ ...m, key: masked.key }, r.error, options.service, masked.payload, masked.message);
}

/** Bytes a message occupies in a record batch, near enough to compare with the broker's limit. */
export function encodedSize(m: TopicMessages['messages'][number]): number {
  let size = 70 + byteLength(m.key) + byteLength(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {})) size += k.length + byteLength(v as Buffer | string | null | undefined);
  return size;
}

function byteLength(v: Buffer | string | null | undefined | readonly unknown[]): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Buffer.isBuffer(v)) return v.length;
  return 0;
}

/** Throws RecordTooLargeError when one of the encoded outputs exceeds `limit` bytes. */
export function checkOutputSizes(outputs: readonly TopicMessages[], limit: number): void {
  for (const tm of outputs) {
    for (const m of tm.messages) {
      const size = encodedSize(m);
      if (size > limit) throw new RecordTooLargeError('output', size, limit, tm.topic);
    }
  }
}
