import { AppError } from './errors.ts';

/**
 * The topic catalog: the only place a topic name, its partition count, its key and its value schema are
 * declared. Everything else refers to topics by catalog key (e.g. `TOPICS.transactionsScored`), and a
 * contract test fails if a topic name literal appears anywhere else in the code.
 */

export type ValueEncoding =
  /** Avro in Confluent wire format (magic byte 0, 4-byte schema id, Avro body). */
  | 'avro'
  /** User input: Confluent-framed Avro or plain UTF-8 JSON on the same topic. */
  | 'avro-or-json'
  /** Opaque bytes (the DLQ keeps the original, masked payload). */
  | 'bytes'
  /** An internal envelope of UTF-8 JSON whose reader validates it (the decisions outbox). */
  | 'json';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** What the record key is; per-key ordering is what Kafka guarantees. */
  readonly key: 'card' | 'card_token' | 'transaction_id' | 'model_name' | 'original';
  /** File name in schemas/ without .avsc; null for opaque bytes. */
  readonly schema: string | null;
  readonly encoding: ValueEncoding;
  readonly config: Readonly<Record<string, string>>;
  readonly description: string;
}

const DAY_MS = 24 * 3600 * 1000;

function topic(spec: TopicSpec): TopicSpec {
  return Object.freeze(spec);
}

export const TOPICS = Object.freeze({
  transactionsRaw: topic({
    name: 'transactions.raw.v1',
    partitions: 6,
    key: 'card',
    schema: 'transaction-raw',
    encoding: 'avro-or-json',
    config: { 'retention.ms': String(7 * DAY_MS) },
    description: 'user input: card transactions as submitted (JSON or Avro)',
  }),
  transactionsValid: topic({
    name: 'transactions.valid.v1',
    partitions: 6,
    key: 'card_token',
    schema: 'transaction-valid',
    encoding: 'avro',
    config: { 'retention.ms': String(7 * DAY_MS) },
    description: 'validated, pseudonymised transactions (no clear card number); header riskstream.source.partition names the raw partition each came from (event-order.ts)',
  }),
  transactionsEnriched: topic({
    name: 'transactions.enriched.v1',
    partitions: 6,
    key: 'card_token',
    schema: 'transaction-enriched',
    encoding: 'avro',
    config: { 'retention.ms': String(7 * DAY_MS) },
    description: 'valid transactions plus point-in-time features',
  }),
  transactionsScored: topic({
    name: 'transactions.scored.v1',
    partitions: 6,
    key: 'card_token',
    schema: 'transaction-scored',
    encoding: 'avro',
    config: { 'retention.ms': String(7 * DAY_MS) },
    description: 'user output: score, decision, model version and reasons per transaction',
  }),
  transactionsLabels: topic({
    name: 'transactions.labels.v1',
    partitions: 3,
    key: 'transaction_id',
    schema: 'transaction-label',
    encoding: 'avro-or-json',
    config: { 'retention.ms': String(90 * DAY_MS) },
    description: 'user input: delayed fraud labels',
  }),
  transactionsDlq: topic({
    name: 'transactions.dlq.v1',
    partitions: 3,
    key: 'original',
    schema: null,
    encoding: 'bytes',
    config: { 'retention.ms': String(30 * DAY_MS) },
    description: 'rejected records: masked original payload, reason and coordinates in headers',
  }),
  transactionsDecisions: topic({
    name: 'transactions.decisions.v1',
    partitions: 6,
    key: 'card_token',
    schema: null,
    encoding: 'json',
    config: { 'retention.ms': String(7 * DAY_MS) },
    description:
      'outbox of POST /v1/decisions: each answered decision as its valid, enriched and scored records (Avro-checked JSON), ' +
      'copied exactly once to those topics by the decisions relay',
  }),
  modelsRetrain: topic({
    name: 'models.retrain.v1',
    partitions: 1,
    key: 'model_name',
    schema: 'retrain-requested',
    encoding: 'avro',
    config: { 'retention.ms': String(90 * DAY_MS) },
    description: 'retraining requests published by the alert receiver',
  }),
  modelsLifecycle: topic({
    name: 'models.lifecycle.v1',
    partitions: 1,
    key: 'model_name',
    schema: 'model-lifecycle',
    encoding: 'avro',
    config: { 'retention.ms': String(365 * DAY_MS) },
    description: 'model registrations, promotions, rejections and rollbacks',
  }),
});

export type TopicKey = keyof typeof TOPICS;

export const TOPIC_KEYS = Object.freeze(Object.keys(TOPICS) as TopicKey[]);

export function topicSpec(key: TopicKey): TopicSpec {
  return TOPICS[key];
}

/** Finds the catalog entry for a concrete (possibly namespaced) topic name. */
export function specForTopicName(name: string): TopicSpec {
  for (const key of TOPIC_KEYS) {
    if (name.endsWith(TOPICS[key].name)) return TOPICS[key];
  }
  throw new AppError('TOPIC_UNKNOWN', `topic "${name}" is not declared in the topic catalog`);
}

/** Subject under the TopicNameStrategy, which is what kcat -s avro and Confluent serdes expect. */
export function valueSubject(topicName: string): string {
  return `${topicName}-value`;
}

export type TopicNames = Readonly<Record<TopicKey, string>>;

/**
 * Concrete topic names. A namespace (config TOPIC_NAMESPACE, or a unique prefix per integration test)
 * isolates runs that share one cluster without a second catalog.
 */
export function topicNames(namespace = ''): TopicNames {
  if (namespace !== '' && !/^[A-Za-z0-9._-]+$/.test(namespace)) {
    throw new AppError('TOPIC_UNKNOWN', `topic namespace "${namespace}" may only use [A-Za-z0-9._-]`);
  }
  const out = {} as Record<TopicKey, string>;
  for (const key of TOPIC_KEYS) out[key] = namespace + TOPICS[key].name;
  return Object.freeze(out);
}
