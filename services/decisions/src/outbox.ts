import { ValidationError, type BatchHandler, type OutputRecord, type TopicKey } from '@riskstream/shared';
import { recordCoordinates, type TransactionDedup } from '@riskstream/ingest';
import type { DecisionsMetrics } from './decisions-metrics.ts';

/**
 * The outbox of POST /v1/decisions (README: decision API). A decision is answered only after Kafka
 * acknowledged ONE record on transactions.decisions.v1 holding its valid, enriched and scored records;
 * the relay below copies them to those three topics in the runner's transactions, so a decision is
 * recorded exactly once even when the process dies right after answering, and the answer path pays one
 * idempotent produce instead of a Kafka transaction.
 *
 * A client retry after an ambiguous failure may put a second copy of a transaction in the outbox; the
 * relay claims each transaction_id with the coordinates of the outbox record that carried it (the ingest
 * dedup protocol, transaction-dedup.ts), so only the first copy is written and a redelivery of that same
 * record after an aborted transaction is written again.
 */

const RELAYED_TOPICS: ReadonlySet<TopicKey> = new Set(['transactionsValid', 'transactionsEnriched', 'transactionsScored']);

export interface OutboxEnvelope {
  readonly transaction_id: string;
  readonly records: readonly OutputRecord[];
}

/** The envelope of one decision's records, as the JSON that is both stored (answer-store.ts) and sent. */
export function outboxEnvelope(transactionId: string, records: readonly OutputRecord[]): string {
  const envelope: OutboxEnvelope = { transaction_id: transactionId, records: records.map(({ topic, key, value, headers }) => ({ topic, key, value, ...(headers ? { headers } : {}) })) };
  return JSON.stringify(envelope);
}

export function outboxRecord(cardToken: string, envelope: string): OutputRecord {
  return { topic: 'transactionsDecisions', key: cardToken, value: Buffer.from(envelope, 'utf8') };
}

/** The runner's `validate` for the outbox topic: anything else is dead-lettered, never half-relayed. */
export function parseOutboxEnvelope(_topic: TopicKey, value: unknown): OutboxEnvelope {
  const v = value as Partial<OutboxEnvelope>;
  const problems: { path: string; problem: string }[] = [];
  if (typeof v.transaction_id !== 'string' || v.transaction_id === '') problems.push({ path: 'transaction_id', problem: 'must be a non-empty string' });
  if (!Array.isArray(v.records) || v.records.length === 0) problems.push({ path: 'records', problem: 'must be a non-empty array' });
  else {
    v.records.forEach((r: Partial<OutputRecord>, i) => {
      if (!RELAYED_TOPICS.has(r.topic as TopicKey)) problems.push({ path: `records[${i}].topic`, problem: 'must be transactionsValid, transactionsEnriched or transactionsScored' });
      if (typeof r.key !== 'string') problems.push({ path: `records[${i}].key`, problem: 'must be a string' });
      if (typeof r.value !== 'object' || r.value === null) problems.push({ path: `records[${i}].value`, problem: 'must be an object' });
    });
  }
  if (problems.length > 0) throw new ValidationError('OUTBOX_ENVELOPE_INVALID', problems);
  return v as OutboxEnvelope;
}

/** Outbox -> valid, enriched, scored; the values are checked against their Avro schemas when encoded. */
export function createRelayHandler(dedup: TransactionDedup, metrics: DecisionsMetrics): BatchHandler<OutboxEnvelope> {
  return async (messages) => {
    const verdicts = await dedup.check(messages.map((m) => ({ transactionId: m.value.transaction_id, coordinates: recordCoordinates(m.topicName, m.partition, m.offset) })));
    const outputs: OutputRecord[] = [];
    messages.forEach((m, i) => {
      if (verdicts[i] === 'duplicate') {
        metrics.relayed.inc({ outcome: 'duplicate' });
        return;
      }
      metrics.relayed.inc({ outcome: 'relayed' });
      outputs.push(...m.value.records);
    });
    return { outputs };
  };
}
