import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import {
  connectionSchema,
  createKafka,
  createLogger,
  createSchemaRegistryClient,
  ensureTopics,
  loadConfig,
  replicationSettings,
  TopicCodec,
  topicNames,
  type ConnectionConfig,
  type TopicNames,
} from '@riskstream/shared';

/**
 * Integration tests run against the real stack (`riskstream stack up`, which `npm test` runs first).
 * Each test gets its own topic namespace and consumer groups so tests never see each other's records.
 */
export interface IntegrationEnv {
  readonly config: ConnectionConfig;
  readonly kafka: Kafka;
  readonly names: TopicNames;
  readonly codec: TopicCodec;
  readonly namespace: string;
  uniqueGroup(purpose: string): string;
  cleanup(): Promise<void>;
}

export function uniqueId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export async function integrationEnv(label: string): Promise<IntegrationEnv> {
  return namespaceOn(loadConfig(connectionSchema, process.env), label);
}

/** integrationEnv on any connection config (a private cluster, a secured stack): a fresh namespace, its topics and schemas. */
export async function namespaceOn(config: ConnectionConfig, label: string): Promise<IntegrationEnv> {
  const kafka = createKafka(config, `test-${label}`, createLogger(`test-${label}`, { level: 'error' }));
  const namespace = `t-${label}-${uniqueId()}.`;
  const names = topicNames(namespace);
  await ensureTopics(kafka, names, replicationSettings(config));
  const codec = new TopicCodec(createSchemaRegistryClient(config), names);
  await codec.register();
  return {
    config,
    kafka,
    names,
    codec,
    namespace,
    uniqueGroup: (purpose) => `${namespace}${purpose}-${uniqueId()}`,
    async cleanup() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: Object.values(names) });
      } finally {
        await admin.disconnect();
      }
    },
  };
}

export interface ReadOptions {
  readonly count: number;
  readonly timeoutMs?: number;
  readonly readUncommitted?: boolean;
  /** After `count` records arrived, keep listening this long to catch extras (duplicates). */
  readonly settleMs?: number;
}

/** Reads a topic from the beginning with a throwaway group until `count` records or the timeout. */
/** A record read back, with the partition it sits in. */
export type ReadMessage = KafkaMessage & { readonly partition: number };

export async function readTopic(kafka: Kafka, topic: string, options: ReadOptions): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${uniqueId()}`, readUncommitted: options.readUncommitted ?? false });
  const out: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let reachedAt = 0;
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      out.push(Object.assign(message, { partition }));
      if (out.length >= options.count && reachedAt === 0) reachedAt = Date.now();
    },
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30000);
  const settle = options.settleMs ?? 1000;
  while (Date.now() < deadline && (reachedAt === 0 || Date.now() - reachedAt < settle)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await consumer.disconnect();
  return out;
}

/** Records in a topic: the sum of its partitions' high watermarks (open transactions included). */
export async function endOffsetSum(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((s, o) => s + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}
