import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderLog4jProperties, renderServerProperties } from '../../../cli/src/stack/kafka.ts';
import { kafkaNodes, randomClusterId } from '../../../cli/src/stack/kafka-cluster.ts';

function parse(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    assert.ok(i > 0, `"${line}" is key=value`);
    assert.ok(!props.has(line.slice(0, i)), `${line.slice(0, i)} is set once`);
    props.set(line.slice(0, i), line.slice(i + 1));
  }
  return props;
}

function render(brokerPort: number, controllerPort: number, size: number, nodeId = 1, logDir = '/tmp/stack/kafka/data'): Map<string, string> {
  const cluster = kafkaNodes('127.0.0.1', brokerPort, controllerPort, size);
  return parse(renderServerProperties({ node: cluster[nodeId - 1]!, cluster, logDir }));
}

const props = render(9092, 9094, 1);

test('server.properties runs one KRaft node as broker and controller on loopback', () => {
  assert.equal(props.get('process.roles'), 'broker,controller');
  assert.equal(props.get('node.id'), '1');
  assert.equal(props.get('controller.quorum.voters'), '1@127.0.0.1:9094');
  assert.equal(props.get('listeners'), 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094');
  assert.equal(props.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:9092');
  assert.equal(props.get('controller.listener.names'), 'CONTROLLER');
  assert.equal(props.get('log.dirs'), '/tmp/stack/kafka/data');
});

test('server.properties never uses 9093, Alertmanager\'s port', () => {
  for (const [key, value] of props) assert.ok(!value.includes(':9093'), `${key}=${value}`);
});

test('server.properties suits a single-broker dev cluster', () => {
  assert.equal(props.get('auto.create.topics.enable'), 'false');
  assert.equal(props.get('group.initial.rebalance.delay.ms'), '0');
  assert.equal(props.get('offsets.topic.replication.factor'), '1');
  assert.equal(props.get('transaction.state.log.replication.factor'), '1');
  assert.equal(props.get('transaction.state.log.min.isr'), '1');
  assert.equal(props.get('num.partitions'), '3');
  assert.equal(props.get('default.replication.factor'), '1');
  assert.equal(props.get('min.insync.replicas'), '1');
  assert.equal(props.get('unclean.leader.election.enable'), 'false');
});

test('a 3-node cluster: a static quorum of all three, each node on its own ports, RF 3 / min ISR 2 everywhere', () => {
  const nodes = [1, 2, 3].map((id) => render(9092, 9094, 3, id, `/tmp/stack/kafka-${id}/data`));
  for (const [i, p] of nodes.entries()) {
    const id = i + 1;
    const step = 100 * i;
    assert.equal(p.get('node.id'), String(id));
    assert.equal(p.get('process.roles'), 'broker,controller');
    assert.equal(p.get('controller.quorum.voters'), '1@127.0.0.1:9094,2@127.0.0.1:9194,3@127.0.0.1:9294');
    assert.equal(p.get('listeners'), `PLAINTEXT://127.0.0.1:${9092 + step},CONTROLLER://127.0.0.1:${9094 + step}`);
    assert.equal(p.get('advertised.listeners'), `PLAINTEXT://127.0.0.1:${9092 + step}`);
    assert.equal(p.get('default.replication.factor'), '3');
    assert.equal(p.get('min.insync.replicas'), '2');
    assert.equal(p.get('offsets.topic.replication.factor'), '3');
    assert.equal(p.get('transaction.state.log.replication.factor'), '3');
    assert.equal(p.get('transaction.state.log.min.isr'), '2');
    assert.equal(p.get('unclean.leader.election.enable'), 'false');
    for (const [key, value] of p) assert.ok(!value.includes(':9093'), `${key}=${value}`);
    // A small heap: the log cleaner's buffer must not take half of it (the single node keeps Kafka's default).
    assert.equal(p.get('log.cleaner.dedupe.buffer.size'), String(16 * 1024 * 1024));
  }
  assert.equal(props.get('log.cleaner.dedupe.buffer.size'), undefined);
});

test('ports come from the options', () => {
  const p = render(19092, 19094, 1, 1, '/d');
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19094');
  assert.equal(p.get('controller.quorum.voters'), '1@127.0.0.1:19094');
});

test('a client listener: its own port, advertised on another (a proxy\'s), plaintext; replication stays on PLAINTEXT', () => {
  const cluster = kafkaNodes('127.0.0.1', 19092, 19094, 3);
  const p = parse(renderServerProperties({ node: cluster[1]!, cluster, logDir: '/d', clientListener: { port: 19195, advertisedPort: 23456 } }));
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:19192,CONTROLLER://127.0.0.1:19194,CLIENT://127.0.0.1:19195');
  assert.equal(p.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:19192,CLIENT://127.0.0.1:23456');
  assert.equal(p.get('listener.security.protocol.map'), 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,CLIENT:PLAINTEXT');
  assert.equal(p.get('inter.broker.listener.name'), 'PLAINTEXT');
  assert.equal(props.get('listener.security.protocol.map'), 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT');
});

test('log4j sends Kafka\'s log to stdout (the supervisor owns the file)', () => {
  const log4j = renderLog4jProperties();
  assert.match(log4j, /^log4j\.rootLogger=INFO, stdout$/m);
  assert.match(log4j, /ConsoleAppender/);
});

test('cluster ids look like Kafka Uuids: 22 base64url characters, never starting with "-"', () => {
  for (let i = 0; i < 500; i++) {
    const id = randomClusterId();
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  }
});
