import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderServerProperties } from '../../cli/src/stack/kafka.ts';
import { kafkaNodes } from '../../cli/src/stack/kafka-cluster.ts';

function parse(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    assert.ok(!props.has(line.slice(0, i)), `${line.slice(0, i)} is set once`);
    props.set(line.slice(0, i), line.slice(i + 1));
  }
  return props;
}

const [node] = kafkaNodes('127.0.0.1', 19092, 19094, 1);

test('server.properties with a SASL_SSL listener: SCRAM-SHA-512 over TLS beside the loopback PLAINTEXT one', () => {
  const props = parse(
    renderServerProperties({ node: node!, cluster: [node!], logDir: '/tmp/k/data', saslSsl: { port: 19443, keystoreFile: '/tmp/k/server.p12', keystorePassword: 'ks-pw' } }),
  );
  assert.equal(props.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19094,SASL_SSL://127.0.0.1:19443');
  assert.equal(props.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:19092,SASL_SSL://127.0.0.1:19443');
  assert.equal(props.get('listener.security.protocol.map'), 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL');
  assert.equal(props.get('inter.broker.listener.name'), 'PLAINTEXT');
  assert.equal(props.get('sasl.enabled.mechanisms'), 'SCRAM-SHA-512');
  assert.equal(props.get('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config'), 'org.apache.kafka.common.security.scram.ScramLoginModule required;');
  assert.equal(props.get('ssl.keystore.type'), 'PKCS12');
  assert.equal(props.get('ssl.keystore.location'), '/tmp/k/server.p12');
});

test('server.properties without the option has no SASL or SSL setting (the dev stack is unchanged)', () => {
  const props = parse(renderServerProperties({ node: node!, cluster: [node!], logDir: '/tmp/k/data' }));
  for (const key of props.keys()) assert.doesNotMatch(key, /^(sasl|ssl|listener\.name)\./);
  assert.equal(props.get('listener.security.protocol.map'), 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT');
});
