import avsc from 'avsc';
import type { Counter } from 'prom-client';
import type { ValidTransaction as ValidTopicRecord } from '@riskstream/shared';
import {
  AppError,
  DecodeError,
  dlqRecord,
  readSchemaFile,
  SOURCE_PARTITION_HEADER,
  sourcePartition,
  toAppError,
  TOPICS,
  type BatchHandler,
  type InputMessage,
  type Logger,
  type OutputRecord,
} from '@riskstream/shared';
import { maskCardNumbers, maskKey, maskPayload } from './card-number-masking.ts';
import type { CardTokenizer } from './card-token.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { UndecodableRecord, type RawInput } from './raw-record-codec.ts';
import type { RejectionReason } from './rejection-reasons.ts';
import { recordCoordinates, type TransactionDedup } from './transaction-dedup.ts';
import { validateTransaction, type ValidationRules, type ValidTransaction } from './transaction-validation.ts';

/**
 * raw -> valid for one micro-batch: decode failures and invalid records to the DLQ (masked), the rest
 * deduplicated in one Redis round trip, tokenised, and written keyed by card token.
 *
 * The handler dead-letters records itself, as ordinary outputs of the same Kafka transaction, instead of
 * returning them as `rejected`: the runner's DLQ record would copy the input key, which on this topic is
 * the card number. For the same reason it never throws for a single record: a throw makes the runner
 * isolate and dead-letter records on its own. The one throw left is a DependencyError when Redis is
 * down, which the runner retries (heartbeating, without committing) until Redis answers.
 */

export interface IngestHandlerDeps {
  readonly service: string;
  readonly rules: ValidationRules;
  readonly tokenizer: CardTokenizer;
  readonly dedup: TransactionDedup;
  readonly metrics: IngestMetrics;
  /** The runner's riskstream_dlq_messages_total, so DLQ dashboards count ingest's own dead letters too. */
  readonly dlqCounter?: Counter<'topic' | 'code'>;
  readonly logger: Logger;
  readonly now: () => number;
}

/** A transactions.valid.v1 value (declared once, in shared/src/topic-records.ts). */
export type ValidRecord = ValidTopicRecord;

/** A refusal: `reason` goes to the DLQ header and the metric; the message is masked before use. */
class IngestRejection extends AppError {
  readonly reason: RejectionReason;
  constructor(code: AppError['code'], reason: RejectionReason, message: string) {
    super(code, maskCardNumbers(message));
    this.reason = reason;
  }
}

export function toValidRecord(tx: ValidTransaction, tokenizer: CardTokenizer, ingestTime: number): ValidRecord {
  return {
    transaction_id: tx.transaction_id,
    ...tokenizer.tokenize(tx.card_number),
    customer_id: tx.customer_id,
    terminal_id: tx.terminal_id,
    amount: tx.amount,
    currency: tx.currency,
    channel: tx.channel,
    event_time: tx.event_time,
    ingest_time: ingestTime,
  };
}

export function createIngestHandler(deps: IngestHandlerDeps): BatchHandler<RawInput> {
  const validType = avsc.Type.forSchema(JSON.parse(readSchemaFile(TOPICS.transactionsValid.schema!)) as avsc.Schema);
  const log = deps.logger.child({ component: 'ingest-handler' });

  function reject(m: InputMessage<RawInput>, err: unknown): OutputRecord {
    const e = refusal(err);
    deps.metrics.records.inc({ outcome: 'rejected' });
    deps.metrics.rejections.inc({ source: 'kafka', reason: e.reason });
    deps.dlqCounter?.inc({ topic: m.topicName, code: e.code });
    log.warn({ code: e.code, reason: e.reason, topic: m.topicName, partition: m.partition, offset: m.offset }, 'record dead-lettered');
    return dlqRecord({ ...m, key: maskKey(m.key) }, e, deps.service, maskPayload(m.raw));
  }

  return async (messages) => {
    const now = deps.now();
    const outputs: OutputRecord[] = [];
    const candidates: { message: InputMessage<RawInput>; tx: ValidTransaction }[] = [];
    for (const m of messages) {
      try {
        if (m.value instanceof UndecodableRecord) throw new DecodeError(m.topicName, m.value.message);
        candidates.push({ message: m, tx: validateTransaction(m.value, deps.rules, now) });
      } catch (err) {
        outputs.push(reject(m, err));
      }
    }

    const started = process.hrtime.bigint();
    const verdicts = await deps.dedup.check(
      candidates.map((c) => ({ transactionId: c.tx.transaction_id, coordinates: recordCoordinates(c.message.topicName, c.message.partition, c.message.offset) })),
    );
    if (candidates.length > 0) deps.metrics.dedupDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);

    for (const [i, { message, tx }] of candidates.entries()) {
      const verdict = verdicts[i];
      if (verdict === 'duplicate') {
        deps.metrics.records.inc({ outcome: 'duplicate' });
        deps.metrics.duplicates.inc();
        continue;
      }
      if (verdict === 'redelivery') deps.metrics.redeliveries.inc();
      try {
        const value = toValidRecord(tx, deps.tokenizer, now);
        // Checked here rather than left to the runner's encoder: an encoding failure there is dead-lettered
        // by the runner, with the input key (the card number) copied as it is.
        if (!validType.isValid(value)) throw new IngestRejection('VALIDATION_FAILED', 'OUTPUT_INVALID', 'pseudonymised record does not fit the valid schema');
        // Which raw partition it came from: the features stage judges lateness per source (event-order.ts).
        outputs.push({ topic: 'transactionsValid', key: value.card_token, value, headers: { [SOURCE_PARTITION_HEADER]: sourcePartition(message.topicName, message.partition) } });
        deps.metrics.records.inc({ outcome: 'valid' });
      } catch (err) {
        outputs.push(reject(message, err));
      }
    }
    return { outputs };
  };
}

/** Any per-record failure as an AppError with a masked message and a reason code. */
function refusal(err: unknown): AppError & { reason: RejectionReason } {
  if (err instanceof IngestRejection) return err;
  const e = toAppError(err);
  const reason = (e as { reason?: unknown }).reason;
  if (e.code === 'VALIDATION_FAILED' && typeof reason === 'string') {
    return new IngestRejection(e.code, reason as RejectionReason, e.message);
  }
  if (e.code === 'DECODE_FAILED') return new IngestRejection(e.code, 'DECODE_FAILED', e.message);
  return new IngestRejection('HANDLER_FAILED', 'HANDLER_FAILED', e.message);
}
