import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import type { ConnectionConfig } from './config.ts';
import { ConfigError, DependencyError, type ConfigIssue } from './errors.ts';
import { TOPICS, TOPIC_KEYS, type TopicKey, type TopicNames } from './topics.ts';

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
  /** What the created topics got; undefined when nothing was created. */
  replication?: TopicReplication;
  /** Existing topics with fewer copies than new topics get (see underReplicatedTopics). */
  underReplicated: UnderReplicatedTopic[];
}

/** How many copies a topic keeps, and how many must have a write before it is acknowledged (acks=all). */
export interface TopicReplication {
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
}

/**
 * What ensureTopics does about an existing topic with fewer copies than new topics get: log a warning
 * (the default: the process still runs, as it did before the cluster grew) or refuse to start.
 */
export type UnderReplicatedPolicy = 'warn' | 'fail';

/** Replication settings as configured; what is unset comes from the cluster (topicReplication). */
export interface ReplicationSettings {
  readonly replicationFactor?: number | undefined;
  readonly minInsyncReplicas?: number | undefined;
  readonly underReplicated?: UnderReplicatedPolicy | undefined;
}

export function replicationSettings(
  config: Pick<ConnectionConfig, 'topicReplicationFactor' | 'topicMinInsyncReplicas'> & { readonly topicUnderReplicated?: UnderReplicatedPolicy },
): ReplicationSettings {
  return {
    replicationFactor: config.topicReplicationFactor,
    minInsyncReplicas: config.topicMinInsyncReplicas,
    ...(config.topicUnderReplicated !== undefined ? { underReplicated: config.topicUnderReplicated } : {}),
  };
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
  const replicationFactor = wantedReplicationFactor(cluster, configured);
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

/** The replication factor topicReplication gives new topics, without its checks (which only creating needs). */
export function wantedReplicationFactor(cluster: ClusterReplicationFacts, configured: ReplicationSettings = {}): number {
  return configured.replicationFactor ?? Math.max(cluster.defaultReplicationFactor ?? 1, cluster.brokers >= 3 ? 3 : 1);
}

/** A topic as the cluster's metadata describes it: each partition's replicas (broker ids). */
export interface TopicReplicas {
  readonly name: string;
  readonly partitions: ReadonlyArray<{ readonly replicas: readonly number[] }>;
}

/** An existing topic with fewer copies than new topics get. */
export interface UnderReplicatedTopic {
  readonly topic: string;
  /** The fewest replicas any of its partitions has. */
  readonly replicationFactor: number;
  /** What new topics get (TOPIC_REPLICATION_FACTOR, else derived from the cluster). */
  readonly wanted: number;
}

/**
 * The topics that keep fewer copies than `wanted`: typically created with 1 replica on a single broker
 * before the cluster grew to three. ensureTopics leaves existing topics alone (reassigning replicas is an
 * operator's decision: kafka-reassign-partitions), so without this a single broker's loss would still
 * lose their records, silently. Judged by the partition with the fewest replicas.
 */
export function underReplicatedTopics(topics: readonly TopicReplicas[], wanted: number): UnderReplicatedTopic[] {
  return topics
    .map((t) => ({ topic: t.name, replicationFactor: Math.min(...t.partitions.map((p) => p.replicas.length)), wanted }))
    .filter((t) => t.replicationFactor < wanted)
    .sort((a, b) => a.topic.localeCompare(b.topic));
}

/** The ConfigError a `fail` policy throws: one issue per topic, on the variable that sets the wanted copies. */
export function underReplicatedError(topics: readonly UnderReplicatedTopic[]): ConfigError {
  return new ConfigError(
    topics.map((t) => ({
      field: 'TOPIC_REPLICATION_FACTOR',
      problem: `is ${t.wanted} but the existing topic ${t.topic} has ${t.replicationFactor} replica${t.replicationFactor === 1 ? '' : 's'} (reassign its partitions, or set TOPIC_UNDER_REPLICATED=warn)`,
    })),
  );
}

const UNDER_REPLICATED_GAUGE = 'riskstream_topics_under_replicated';

/** Sets the gauge of existing topics with fewer copies than wanted (registered on first use). */
function reportUnderReplicated(registry: Registry, count: number): void {
  const gauge = (registry.getSingleMetric(UNDER_REPLICATED_GAUGE) as Gauge | undefined) ??
    new Gauge({ name: UNDER_REPLICATED_GAUGE, help: 'Existing topics with fewer replicas than TOPIC_REPLICATION_FACTOR (or the derived factor), at start-up', registers: [registry] });
  gauge.set(count);
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

export interface EnsureTopicsOptions extends ReplicationSettings {
  readonly keys?: readonly TopicKey[] | undefined;
  readonly attempt?: number | undefined;
  /** Where the under-replicated warning goes (the service's pino logger); without one it is only in the result. */
  readonly logger?: { warn(obj: object, msg: string): void } | undefined;
  /** Gets the riskstream_topics_under_replicated gauge. */
  readonly registry?: Registry | undefined;
}

/**
 * Existing topics (of `keys`) with fewer copies than wanted; warned about, or a ConfigError when the
 * policy is `fail`. Creating topics is not the place to fix them: their partitions must be reassigned.
 */
async function checkExistingReplication(admin: Admin, topics: readonly string[], facts: ClusterReplicationFacts, options: EnsureTopicsOptions): Promise<UnderReplicatedTopic[]> {
  const under = topics.length === 0 ? [] : underReplicatedTopics((await admin.fetchTopicMetadata({ topics: [...topics] })).topics, wantedReplicationFactor(facts, options));
  if (options.registry) reportUnderReplicated(options.registry, under.length);
  if (under.length === 0) return under;
  if (options.underReplicated === 'fail') throw underReplicatedError(under);
  options.logger?.warn(
    { topics: under.map((t) => `${t.topic} (RF ${t.replicationFactor})`), wantedReplicationFactor: under[0]!.wanted },
    `${under.length} existing topic${under.length === 1 ? ' has' : 's have'} fewer replicas than TOPIC_REPLICATION_FACTOR ${under[0]!.wanted}: ` +
      'losing one broker loses their records; reassign their partitions (kafka-reassign-partitions), or set TOPIC_UNDER_REPLICATED=fail to refuse to start',
  );
  return under;
}

/**
 * Creates every catalog topic that does not exist yet, with `topicReplication` for what the cluster
 * reports (a shortfall of brokers is retried a few times: a restarted broker registers within seconds).
 * Idempotent: existing topics are left as they are
 * (partition counts are never changed behind the operator's back, since that would break key ordering;
 * nor is their replication), but one with fewer copies than new topics get is reported
 * (checkExistingReplication): a warning, the gauge, or a ConfigError under TOPIC_UNDER_REPLICATED=fail.
 */
export async function ensureTopics(kafka: Kafka, names: TopicNames, options: EnsureTopicsOptions = {}): Promise<EnsureTopicsResult> {
  const keys = options.keys ?? TOPIC_KEYS;
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existingNames = new Set(await admin.listTopics());
    const missing = keys.filter((k) => !existingNames.has(names[k]));
    const existing = keys.filter((k) => existingNames.has(names[k])).map((k) => names[k]);
    const facts = await clusterReplicationFacts(admin);
    const underReplicated = await checkExistingReplication(admin, existing, facts, options);
    let replication: TopicReplication | undefined;
    if (missing.length > 0) {
      replication = topicReplication(facts, options);
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
      existing,
      ...(replication ? { replication } : {}),
      underReplicated,
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
