import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DependencyError, replicationSettings, topicReplication } from '@riskstream/shared';

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
