import type { Producer } from 'kafkajs';
import {
  checkConnectionConfig,
  connectionSchema,
  createIdempotentProducer,
  createKafka,
  createLogger,
  createSchemaRegistryClient,
  ensureTopics,
  loadConfig,
  replicationSettings,
  TopicCodec,
  topicNames,
  type TopicKey,
  type TopicNames,
} from '@riskstream/shared';

export interface TopicProducer {
  readonly producer: Producer;
  readonly codec: TopicCodec;
  readonly names: TopicNames;
}

/**
 * What every CLI command that writes to Kafka needs first, from the environment: config validated,
 * the topics ensured (namespace from TOPIC_NAMESPACE), their schemas registered, an idempotent producer
 * connected. The caller disconnects `producer` when done.
 */
export async function connectTopicProducer(env: Readonly<Record<string, string | undefined>>, client: string, keys: readonly TopicKey[]): Promise<TopicProducer> {
  const config = loadConfig({ ...connectionSchema }, env, checkConnectionConfig);
  const names = topicNames(env['TOPIC_NAMESPACE'] ?? '');
  const kafka = createKafka(config, client, createLogger(client, { level: 'error' }));
  await ensureTopics(kafka, names, { keys, ...replicationSettings(config) });
  const codec = new TopicCodec(createSchemaRegistryClient(config), names);
  await codec.register(keys);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  return { producer, codec, names };
}
