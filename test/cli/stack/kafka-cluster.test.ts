import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackError } from '@riskstream/shared';
import { bootstrapServers, ensureClusterShape, kafkaNodes, readClusterShape, resolveClusterSize } from '../../../cli/src/stack/kafka-cluster.ts';
import { kafkaComponents } from '../../../cli/src/stack/kafka.ts';
import { loadStackConfig } from '../../../cli/src/stack/stack-config.ts';
import { StackDir } from '../../../cli/src/stack/stack-dir.ts';

function tempStackDir(t: { after(fn: () => void): void }): StackDir {
  const root = mkdtempSync(join(tmpdir(), 'riskstream-cluster-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return new StackDir(root);
}

test('node n listens 100 * (n - 1) above node 1, broker and controller; node 1 keeps the single-broker names', () => {
  const nodes = kafkaNodes('127.0.0.1', 9092, 9094, 3);
  assert.deepEqual(
    nodes.map((n) => [n.id, n.name, n.brokerPort, n.controllerPort]),
    [
      [1, 'kafka', 9092, 9094],
      [2, 'kafka-2', 9192, 9194],
      [3, 'kafka-3', 9292, 9294],
    ],
  );
  assert.deepEqual(bootstrapServers(nodes), ['127.0.0.1:9092', '127.0.0.1:9192', '127.0.0.1:9292']);
  const used = nodes.flatMap((n) => [n.brokerPort, n.controllerPort]);
  for (const taken of [9090, 9093, 8081, 6379]) assert.ok(!used.includes(taken), `${taken} belongs to another component`);
});

test('one component per node, all of kind kafka, each on its own port; one node is the stack as it always was', () => {
  const config = loadStackConfig({});
  const three = kafkaComponents(config, 3);
  assert.deepEqual(three.map((c) => [c.name, c.kind, c.endpoint.port]), [
    ['kafka', 'kafka', 9092],
    ['kafka-2', 'kafka', 9192],
    ['kafka-3', 'kafka', 9292],
  ]);
  const one = kafkaComponents(config, 1);
  assert.deepEqual(one.map((c) => [c.name, c.url]), [['kafka', '127.0.0.1:9092']]);
});

test('a stack dir without Kafka data runs what is asked for, 1 node by default', (t) => {
  const dir = tempStackDir(t);
  assert.equal(readClusterShape(dir), undefined);
  assert.equal(resolveClusterSize(dir, undefined), 1);
  assert.equal(resolveClusterSize(dir, 3), 3);
});

test('the recorded size persists: later commands keep it, a different --brokers is refused with the way out', (t) => {
  const dir = tempStackDir(t);
  const shape = ensureClusterShape(dir, 3);
  assert.equal(shape.size, 3);
  assert.match(shape.clusterId, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  // Every node preparing in the same `stack up` formats with the one cluster id.
  assert.deepEqual(ensureClusterShape(dir, 3), shape);
  assert.equal(resolveClusterSize(dir, undefined), 3);
  assert.equal(resolveClusterSize(dir, 3), 3);
  assert.throws(
    () => resolveClusterSize(dir, 1),
    (e: unknown) => e instanceof StackError && /3-node Kafka cluster/.test(e.message) && /stack down --purge --only kafka/.test(e.message),
  );
});

test('a stack dir formatted before clusters existed is a 1-node cluster with its own cluster id', (t) => {
  const dir = tempStackDir(t);
  const data = join(dir.componentDir('kafka'), 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'meta.properties'), 'node.id=1\nversion=1\ncluster.id=Ab3dEfGhIjKlMnOpQrStUv\n');
  assert.deepEqual(readClusterShape(dir), { size: 1, clusterId: 'Ab3dEfGhIjKlMnOpQrStUv' });
  assert.equal(resolveClusterSize(dir, undefined), 1);
  assert.throws(() => resolveClusterSize(dir, 3), StackError);
  assert.deepEqual(ensureClusterShape(dir, 1), { size: 1, clusterId: 'Ab3dEfGhIjKlMnOpQrStUv' });
});

test('a cluster record that is not one is a StackError naming the file, not a crash', (t) => {
  const dir = tempStackDir(t);
  writeFileSync(join(dir.componentDir('kafka'), 'cluster.json'), '{"size": 2');
  assert.throws(() => readClusterShape(dir), (e: unknown) => e instanceof StackError && /cluster\.json is not a cluster record/.test(e.message));
});
