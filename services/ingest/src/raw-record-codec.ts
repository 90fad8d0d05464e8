import { AppError, TopicCodec, type TopicKey } from '@riskstream/shared';
import { maskCardNumbers } from './card-number-masking.ts';

/**
 * A raw value that could not be decoded, handed to the ingest handler as a value instead of failing in
 * the runner.
 *
 * Why not let the runner dead-letter it: the runner's DLQ record copies the input key as it is (raw
 * records are keyed by card number) and puts the decoder's message in a header, and V8's JSON.parse
 * quotes the input in its message ("Unexpected token 'x', "card 4111..." is not valid JSON"). Either
 * would carry a clear card number to the DLQ. The ingest handler dead-letters these records itself with
 * a masked key, payload and message.
 */
export class UndecodableRecord {
  /** The decoder's reason, masked. */
  readonly message: string;
  constructor(message: string) {
    this.message = maskCardNumbers(message);
  }
}

export type RawInput = Record<string, unknown> | UndecodableRecord;

/**
 * The shared codec, except that a non-retriable decode failure on transactions.raw.v1 becomes an
 * UndecodableRecord. Retriable failures (registry unreachable) still throw, so the runner retries.
 */
export class RawRecordCodec extends TopicCodec {
  override async decode(key: TopicKey, value: Buffer | null): Promise<unknown> {
    try {
      return await super.decode(key, value);
    } catch (err) {
      if (key !== 'transactionsRaw' || !(err instanceof AppError) || err.retriable) throw err;
      return new UndecodableRecord(err.message);
    }
  }
}
