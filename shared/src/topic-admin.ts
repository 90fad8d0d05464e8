import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { DependencyError } from './errors.ts';
import { TOPICS, TOPIC_KEYS, type TopicKey, type TopicNames } from './topics.ts';

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
}

/**
 * Creates every catalog topic that does not exist yet. Idempotent: existing topics are left as they are
 * (partition counts are never changed behind the operator's back, since that would break key ordering).
 */
export async function ensureTopics(
  kafka: Kafka,
  names: TopicNames,
  options: { keys?: readonly TopicKey[]; replicationFactor?: number; attempt?: number } = {},
): Promise<EnsureTopicsResult> {
  const keys = options.keys ?? TOPIC_KEYS;
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existingNames = new Set(await admin.listTopics());
    const missing = keys.filter((k) => !existingNames.has(names[k]));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((k) => ({
          topic: names[k],
          numPartitions: TOPICS[k].partitions,
          replicationFactor: options.replicationFactor ?? 1,
          configEntries: Object.entries(TOPICS[k].config).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    return {
      created: missing.map((k) => names[k]),
      existing: keys.filter((k) => existingNames.has(names[k])).map((k) => names[k]),
    };
  } catch (err) {
    // createTopics races with a concurrent creator (TOPIC_ALREADY_EXISTS: someone else won), and
    // waitForLeaders can see metadata that lags the creation (UNKNOWN_TOPIC_OR_PARTITION, retriable).
    const attempt = options.attempt ?? 1;
    const e = err as { type?: string; retriable?: boolean };
    if ((e.type === 'TOPIC_ALREADY_EXISTS' || e.retriable === true) && attempt < 5) {
      await sleep(200 * attempt);
      return ensureTopics(kafka, names, { ...options, attempt: attempt + 1 });
    }
    throw new DependencyError('kafka', `ensureTopics failed: ${(err as Error).message}`, err);
  } finally {
    await admin.disconnect();
  }
}
