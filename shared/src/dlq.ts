import type { AppError } from './errors.ts';
import type { OutputRecord } from './producer.ts';

/** Header names on every dead-letter record; consumers of the DLQ rely on these exact names. */
export const DLQ_HEADERS = Object.freeze({
  topic: 'dlq.original.topic',
  partition: 'dlq.original.partition',
  offset: 'dlq.original.offset',
  timestamp: 'dlq.original.timestamp',
  code: 'dlq.error.code',
  reason: 'dlq.error.reason',
  message: 'dlq.error.message',
  service: 'dlq.service',
});

export interface DlqSource {
  readonly topicName: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
}

/** Longest error message kept in a header; payloads stay in the value, never in headers. */
const MAX_MESSAGE_CHARS = 500;

/** `message` replaces the error's message in the headers (a masked copy of it). */
export function dlqRecord(source: DlqSource, error: AppError, service: string, maskedValue: Buffer, message = error.message): OutputRecord {
  const reason = (error as { reason?: unknown }).reason;
  return {
    topic: 'transactionsDlq',
    key: source.key,
    value: maskedValue,
    headers: {
      [DLQ_HEADERS.topic]: source.topicName,
      [DLQ_HEADERS.partition]: String(source.partition),
      [DLQ_HEADERS.offset]: source.offset,
      [DLQ_HEADERS.timestamp]: source.timestamp,
      [DLQ_HEADERS.code]: error.code,
      [DLQ_HEADERS.reason]: typeof reason === 'string' ? reason : error.code,
      [DLQ_HEADERS.message]: message.slice(0, MAX_MESSAGE_CHARS),
      [DLQ_HEADERS.service]: service,
    },
  };
}
