import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import type { ConnectionConfig } from './config.ts';
import { ConfigError, DependencyError, type ConfigIssue } from './errors.ts';
import { TOPICS, TOPIC_KEYS, type TopicKey, type TopicNames } from './topics.ts';

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
  /** What the created topics got; undefined when nothing was created. */
  replication?: TopicReplication;
}

/** How many copies a topic keeps, and how many must have a write before it is acknowledged (acks=all). */
export interface TopicReplication {
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
}

/** Replication settings as configured; what is unset comes from the cluster (topicReplication). */
export interface ReplicationSettings {
  readonly replicationFactor?: number | undefined;
  readonly minInsyncReplicas?: number | undefined;
}

export function replicationSettings(config: Pick<ConnectionConfig, 'topicReplicationFactor' | 'topicMinInsyncReplicas'>): ReplicationSettings {
  return { replicationFactor: config.topicReplicationFactor, minInsyncReplicas: config.topicMinInsyncReplicas };
}

/**
 * What the cluster says about replication: the brokers registered now, and the defaults its brokers are
 * configured with (default.replication.factor, min.insync.replicas), when they could be read.
 */
export interface ClusterReplicationFacts {
  readonly brokers: number;
  readonly defaultReplicationFactor?: number | undefined;
  readonly defaultMinInsyncReplicas?: number | undefined;
}

/**
 * The replication of new topics: what is configured, else 3 copies on a cluster of 3 or more brokers
 * (a write acknowledged by 2 survives losing any broker, and one broker down does not stop producers),
 * else 1 (a single broker can keep no more); min.insync.replicas 2 with 3 or more copies, else 1. The
 * brokers' own defaults are a floor: a topic created while a broker of three is down, or before it has
 * registered, would otherwise get 1 copy for ever. Throws ConfigError for configured values that cannot
 * work, and DependencyError (retriable) when fewer brokers are up than the derived replication factor.
 */
export function topicReplication(cluster: ClusterReplicationFacts, configured: ReplicationSettings = {}): TopicReplication {
  const { brokers } = cluster;
  const replicationFactor = configured.replicationFactor ?? Math.max(cluster.defaultReplicationFactor ?? 1, brokers >= 3 ? 3 : 1);
  const minInsyncReplicas =
    configured.minInsyncReplicas ?? Math.min(replicationFactor, Math.max(cluster.defaultMinInsyncReplicas ?? 1, replicationFactor >= 3 ? 2 : 1));
  const issues: ConfigIssue[] = [];
  if (configured.replicationFactor !== undefined && replicationFactor > brokers) {
    issues.push({ field: 'TOPIC_REPLICATION_FACTOR', problem: `is ${replicationFactor} but the cluster has ${brokers} broker${brokers === 1 ? '' : 's'}` });
  }
  if (minInsyncReplicas > replicationFactor) {
    issues.push({ field: 'TOPIC_MIN_INSYNC_REPLICAS', problem: `is ${minInsyncReplicas}, more than the replication factor ${replicationFactor}: no write could be acknowledged` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  if (replicationFactor > brokers) {
    throw new DependencyError('kafka', `new topics need ${replicationFactor} replicas (the brokers' default.replication.factor) but ${brokers} broker${brokers === 1 ? ' is' : 's are'} up`);
  }
  return { replicationFactor, minInsyncReplicas };
}

/** kafkajs's ConfigResourceTypes.BROKER: the enum is not among the named exports Node finds in kafkajs. */
const BROKER_CONFIG = 4;

/** The facts topicReplication needs; the brokers' defaults are left out when they cannot be read (ACLs). */
async function clusterReplicationFacts(admin: Admin): Promise<ClusterReplicationFacts> {
  const { brokers } = await admin.describeCluster();
  const facts = { brokers: brokers.length };
  const broker = brokers[0];
  if (broker === undefined) return facts;
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: BROKER_CONFIG, name: String(broker.nodeId), configNames: ['default.replication.factor', 'min.insync.replicas'] }],
    });
    const entries = resources[0]?.configEntries ?? [];
    const value = (name: string) => {
      const n = Number(entries.find((e) => e.configName === name)?.configValue);
      return Number.isInteger(n) && n > 0 ? n : undefined;
    };
    return { ...facts, defaultReplicationFactor: value('default.replication.factor'), defaultMinInsyncReplicas: value('min.insync.replicas') };
  } catch {
    return facts;
  }
}

/**
 * Creates every catalog topic that does not exist yet, with `topicReplication` for what the cluster
 * reports (a shortfall of brokers is retried a few times: a restarted broker registers within seconds).
 * Idempotent: existing topics are left as they are
 * (partition counts are never changed behind the operator's back, since that would break key ordering;
 * nor is their replication).
 */
export async function ensureTopics(
  kafka: Kafka,
  names: TopicNames,
  options: { keys?: readonly TopicKey[]; attempt?: number } & ReplicationSettings = {},
): Promise<EnsureTopicsResult> {
  const keys = options.keys ?? TOPIC_KEYS;
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existingNames = new Set(await admin.listTopics());
    const missing = keys.filter((k) => !existingNames.has(names[k]));
    let replication: TopicReplication | undefined;
    if (missing.length > 0) {
      replication = topicReplication(await clusterReplicationFacts(admin), options);
      const { replicationFactor, minInsyncReplicas } = replication;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((k) => ({
          topic: names[k],
          numPartitions: TOPICS[k].partitions,
          replicationFactor,
          configEntries: Object.entries({ 'min.insync.replicas': String(minInsyncReplicas), ...TOPICS[k].config }).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    return {
      created: missing.map((k) => names[k]),
      existing: keys.filter((k) => existingNames.has(names[k])).map((k) => names[k]),
      ...(replication ? { replication } : {}),
    };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // createTopics races with a concurrent creator (TOPIC_ALREADY_EXISTS: someone else won), and
    // waitForLeaders can see metadata that lags the creation (UNKNOWN_TOPIC_OR_PARTITION, retriable), and
    // a broker restarted a moment ago may not be registered yet (topicReplication's DependencyError).
    const attempt = options.attempt ?? 1;
    const e = err as { type?: string; retriable?: boolean };
    if ((e.type === 'TOPIC_ALREADY_EXISTS' || e.retriable === true) && attempt < 5) {
      await sleep(200 * attempt);
      return ensureTopics(kafka, names, { ...options, attempt: attempt + 1 });
    }
    if (err instanceof DependencyError) throw err;
    throw new DependencyError('kafka', `ensureTopics failed: ${(err as Error).message}`, err);
  } finally {
    await admin.disconnect();
  }
}
