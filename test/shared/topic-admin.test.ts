import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { ConfigError, connectionSchema, DependencyError, ensureTopics, loadConfig, replicationSettings, topicNames, topicReplication } from '@riskstream/shared';
import { underReplicatedTopics } from '../../shared/src/topic-admin.ts';

const brokers = (n: number) => ({ brokers: n });

test('unset, new topics get 1 copy on one or two brokers, 3 copies with min.insync.replicas 2 on three or more', () => {
  assert.deepEqual(topicReplication(brokers(1)), { replicationFactor: 1, minInsyncReplicas: 1 });
  assert.deepEqual(topicReplication(brokers(2)), { replicationFactor: 1, minInsyncReplicas: 1 });
  assert.deepEqual(topicReplication(brokers(3)), { replicationFactor: 3, minInsyncReplicas: 2 });
  assert.deepEqual(topicReplication(brokers(7)), { replicationFactor: 3, minInsyncReplicas: 2 });
  // A single broker with Kafka's own defaults (default.replication.factor 1, min.insync.replicas 1).
  assert.deepEqual(topicReplication({ brokers: 1, defaultReplicationFactor: 1, defaultMinInsyncReplicas: 1 }), { replicationFactor: 1, minInsyncReplicas: 1 });
});

test("the brokers' defaults are a floor: a broker of three down (or not registered yet) does not make new topics single-copy", () => {
  const threeNodeDefaults = { defaultReplicationFactor: 3, defaultMinInsyncReplicas: 2 };
  assert.deepEqual(topicReplication({ brokers: 3, ...threeNodeDefaults }), { replicationFactor: 3, minInsyncReplicas: 2 });
  assert.throws(
    () => topicReplication({ brokers: 2, ...threeNodeDefaults }),
    (e: unknown) => e instanceof DependencyError && e.retriable && /need 3 replicas .* but 2 brokers are up/.test(e.message),
  );
  // More brokers than the defaults ask for: the 3-broker rule still applies; a larger default wins.
  assert.deepEqual(topicReplication({ brokers: 5, defaultReplicationFactor: 1, defaultMinInsyncReplicas: 1 }), { replicationFactor: 3, minInsyncReplicas: 2 });
  assert.deepEqual(topicReplication({ brokers: 5, defaultReplicationFactor: 4, defaultMinInsyncReplicas: 3 }), { replicationFactor: 4, minInsyncReplicas: 3 });
});

test('a configured replication factor wins, and min.insync.replicas follows it unless configured too', () => {
  assert.deepEqual(topicReplication(brokers(3), { replicationFactor: 2 }), { replicationFactor: 2, minInsyncReplicas: 1 });
  assert.deepEqual(topicReplication(brokers(5), { replicationFactor: 5 }), { replicationFactor: 5, minInsyncReplicas: 2 });
  assert.deepEqual(topicReplication(brokers(1), { replicationFactor: 1, minInsyncReplicas: 1 }), { replicationFactor: 1, minInsyncReplicas: 1 });
  assert.deepEqual(topicReplication(brokers(3), { minInsyncReplicas: 3 }), { replicationFactor: 3, minInsyncReplicas: 3 });
  assert.deepEqual(topicReplication(brokers(1), { minInsyncReplicas: undefined }), { replicationFactor: 1, minInsyncReplicas: 1 });
  // A configured factor of 1 on a cluster whose brokers default to min.insync.replicas 2: 1, or no write could succeed.
  assert.deepEqual(topicReplication({ brokers: 3, defaultReplicationFactor: 3, defaultMinInsyncReplicas: 2 }, { replicationFactor: 1 }), { replicationFactor: 1, minInsyncReplicas: 1 });
});

test('a configured replication factor the cluster cannot place, or a min.insync.replicas above it, is a ConfigError naming the variable', () => {
  assert.throws(
    () => topicReplication(brokers(1), { replicationFactor: 3 }),
    (e: unknown) => e instanceof ConfigError && e.issues.length === 1 && e.issues[0]!.field === 'TOPIC_REPLICATION_FACTOR' && /1 broker$/.test(e.issues[0]!.problem),
  );
  assert.throws(
    () => topicReplication(brokers(1), { minInsyncReplicas: 2 }),
    (e: unknown) => e instanceof ConfigError && e.issues[0]!.field === 'TOPIC_MIN_INSYNC_REPLICAS',
  );
});

test('replicationSettings passes the configured values, unset ones as undefined', () => {
  assert.deepEqual(replicationSettings({ topicReplicationFactor: undefined, topicMinInsyncReplicas: 2 }), { replicationFactor: undefined, minInsyncReplicas: 2 });
});

// --- existing topics with fewer copies than wanted (a cluster grown from 1 broker to 3) ---------------

interface FakeTopic {
  readonly name: string;
  readonly replicas: number[][];
}

/** A kafkajs Kafka whose admin knows `brokers` brokers and `topics`, records what it creates. */
function fakeKafka(brokerCount: number, topics: FakeTopic[]) {
  const created: Array<{ topic: string; replicationFactor: number }> = [];
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => topics.map((t) => t.name),
    describeCluster: async () => ({ brokers: Array.from({ length: brokerCount }, (_, i) => ({ nodeId: i + 1, host: 'h', port: 9092 })), controller: 1, clusterId: 'c' }),
    describeConfigs: async () => ({ resources: [{ configEntries: [] }] }),
    fetchTopicMetadata: async ({ topics: wanted }: { topics: string[] }) => ({
      topics: topics.filter((t) => wanted.includes(t.name)).map((t) => ({ name: t.name, partitions: t.replicas.map((replicas, partitionId) => ({ partitionId, leader: replicas[0], replicas, isr: replicas })) })),
    }),
    createTopics: async ({ topics: specs }: { topics: Array<{ topic: string; replicationFactor: number }> }) => {
      for (const s of specs) created.push({ topic: s.topic, replicationFactor: s.replicationFactor });
      return true;
    },
  };
  return { kafka: { admin: () => admin } as unknown as Kafka, created };
}

function capturingLogger() {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return { logger: { warn: (obj: Record<string, unknown>, msg: string) => void warnings.push({ obj, msg }) }, warnings };
}

const names = topicNames('t-rf.');
const singleCopy = (name: string): FakeTopic => ({ name, replicas: [[1], [1], [1]] });

test('underReplicatedTopics names each topic with fewer copies than wanted, judged by its least-replicated partition', () => {
  const under = underReplicatedTopics(
    [
      { name: 'b', partitions: [{ replicas: [1] }, { replicas: [1] }] },
      { name: 'a', partitions: [{ replicas: [1, 2, 3] }, { replicas: [2, 3] }] },
      { name: 'ok', partitions: [{ replicas: [1, 2, 3] }] },
    ],
    3,
  );
  assert.deepEqual(under, [
    { topic: 'a', replicationFactor: 2, wanted: 3 },
    { topic: 'b', replicationFactor: 1, wanted: 3 },
  ]);
  assert.deepEqual(underReplicatedTopics([{ name: 'b', partitions: [{ replicas: [1] }] }], 1), []);
});

test('ensureTopics on 3 brokers warns about existing single-copy topics (names, RF vs wanted), sets the gauge, and still creates the missing ones with 3', async () => {
  const { kafka, created } = fakeKafka(3, [singleCopy(names.transactionsRaw), singleCopy(names.transactionsScored)]);
  const { logger, warnings } = capturingLogger();
  const registry = new Registry();
  const result = await ensureTopics(kafka, names, { logger, registry });
  assert.deepEqual(result.underReplicated.map((t) => [t.topic, t.replicationFactor, t.wanted]), [
    [names.transactionsRaw, 1, 3],
    [names.transactionsScored, 1, 3],
  ]);
  assert.equal(warnings.length, 1);
  assert.deepEqual(warnings[0]!.obj['topics'], [`${names.transactionsRaw} (RF 1)`, `${names.transactionsScored} (RF 1)`]);
  assert.match(warnings[0]!.msg, /2 existing topics have fewer replicas than TOPIC_REPLICATION_FACTOR 3/);
  assert.match(await registry.metrics(), /^riskstream_topics_under_replicated 2$/m);
  assert.equal(created.length, Object.keys(names).length - 2);
  assert.ok(created.every((c) => c.replicationFactor === 3));
});

test('TOPIC_UNDER_REPLICATED=fail refuses to start: a ConfigError on TOPIC_REPLICATION_FACTOR per topic, nothing created', async () => {
  const { kafka, created } = fakeKafka(3, [singleCopy(names.transactionsRaw)]);
  const settings = replicationSettings(loadConfig(connectionSchema, { TOPIC_UNDER_REPLICATED: 'fail' }));
  assert.equal(settings.underReplicated, 'fail');
  await assert.rejects(
    ensureTopics(kafka, names, settings),
    (e: unknown) =>
      e instanceof ConfigError && e.issues.length === 1 && e.issues[0]!.field === 'TOPIC_REPLICATION_FACTOR' &&
      e.issues[0]!.problem.includes(`existing topic ${names.transactionsRaw} has 1 replica`),
  );
  assert.deepEqual(created, []);
});

test('no warning where the single copy is what is wanted: one broker, or TOPIC_REPLICATION_FACTOR=1 on three', async () => {
  for (const [brokerCount, configured] of [[1, undefined], [3, 1]] as const) {
    const { kafka } = fakeKafka(brokerCount, [singleCopy(names.transactionsRaw)]);
    const { logger, warnings } = capturingLogger();
    const registry = new Registry();
    const result = await ensureTopics(kafka, names, { logger, registry, replicationFactor: configured });
    assert.deepEqual(result.underReplicated, []);
    assert.equal(warnings.length, 0);
    assert.match(await registry.metrics(), /^riskstream_topics_under_replicated 0$/m);
  }
  // The default policy is warn.
  assert.equal(loadConfig(connectionSchema, {}).topicUnderReplicated, 'warn');
});
