import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomClusterId, renderLog4jProperties, renderServerProperties } from '../../../cli/src/stack/kafka.ts';

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

const props = parse(renderServerProperties({ host: '127.0.0.1', brokerPort: 9092, controllerPort: 9094, logDir: '/tmp/stack/kafka/data' }));

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
});

test('ports come from the options', () => {
  const p = parse(renderServerProperties({ host: '127.0.0.1', brokerPort: 19092, controllerPort: 19094, logDir: '/d' }));
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19094');
  assert.equal(p.get('controller.quorum.voters'), '1@127.0.0.1:19094');
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
