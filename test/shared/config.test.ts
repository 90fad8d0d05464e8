import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, checkConnectionConfig, connectionSchema, describeConfig, field, loadConfig } from '@riskstream/shared';

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('defaults apply and the result is frozen', () => {
  const c = loadConfig(connectionSchema, {});
  assert.deepEqual(c.kafkaBrokers, ['127.0.0.1:9092']);
  assert.equal(c.schemaRegistryUrl, 'http://127.0.0.1:8081/apis/ccompat/v7');
  assert.equal(c.redisUrl, 'redis://127.0.0.1:6379');
  assert.equal(c.kafkaSaslMechanism, 'none');
  assert.equal(c.kafkaTls, false);
  assert.ok(Object.isFrozen(c));
  assert.throws(() => {
    (c as { redisUrl: string }).redisUrl = 'x';
  }, TypeError);
});

test('a bad config names every bad field at once', () => {
  const env = {
    KAFKA_BROKERS: 'no-port-here',
    SCHEMA_REGISTRY_URL: 'ftp://registry',
    REDIS_URL: 'not a url',
    KAFKA_TLS: 'maybe',
    KAFKA_SASL_MECHANISM: 'plain',
    LOG_LEVEL: 'loud',
  };
  const err = configErrorOf(() => loadConfig(connectionSchema, env));
  const issues = err.issues.map((i) => i.field).sort();
  assert.deepEqual(issues, ['KAFKA_BROKERS', 'KAFKA_SASL_MECHANISM', 'KAFKA_TLS', 'LOG_LEVEL', 'REDIS_URL', 'SCHEMA_REGISTRY_URL']);
  assert.equal(err.code, 'CONFIG_INVALID');
  for (const name of issues) assert.match(err.message, new RegExp(name));
});

test('cross-field rules: SASL needs a user and password', () => {
  const err = configErrorOf(() => loadConfig(connectionSchema, { KAFKA_SASL_MECHANISM: 'scram-sha-512' }, checkConnectionConfig));
  assert.match(err.message, /KAFKA_SASL_USERNAME/);
  const ok = loadConfig(
    connectionSchema,
    { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 's3cret', KAFKA_TLS: 'true' },
    checkConnectionConfig,
  );
  assert.equal(ok.kafkaSaslMechanism, 'scram-sha-512');
  assert.equal(ok.kafkaTls, true);
});

test('required fields without default are reported; ints are range-checked', () => {
  const schema = {
    key: field.string({ env: 'CARD_KEY', description: 'HMAC key' }),
    port: field.int({ env: 'PORT', description: 'http port', default: 8080, min: 1, max: 65535 }),
  };
  const err = configErrorOf(() => loadConfig(schema, { PORT: '70000' }));
  assert.deepEqual(
    err.issues.map((i) => i.field),
    ['CARD_KEY', 'PORT'],
  );
  assert.equal(loadConfig(schema, { CARD_KEY: 'k' }).port, 8080);
});

test('describeConfig never prints a secret default', () => {
  const text = describeConfig({ pw: field.string({ env: 'PW', description: 'password', default: 'hunter2', secret: true }) });
  assert.match(text, /PW/);
  assert.doesNotMatch(text, /hunter2/);
});

test('topic replication: unset means "from the cluster"; set values are range-checked and must fit together', () => {
  const unset = loadConfig(connectionSchema, {}, checkConnectionConfig);
  assert.equal(unset.topicReplicationFactor, undefined);
  assert.equal(unset.topicMinInsyncReplicas, undefined);
  const set = loadConfig(connectionSchema, { TOPIC_REPLICATION_FACTOR: '3', TOPIC_MIN_INSYNC_REPLICAS: '2' }, checkConnectionConfig);
  assert.equal(set.topicReplicationFactor, 3);
  assert.equal(set.topicMinInsyncReplicas, 2);
  const bad = configErrorOf(() => loadConfig(connectionSchema, { TOPIC_REPLICATION_FACTOR: '0', TOPIC_MIN_INSYNC_REPLICAS: 'two' }));
  assert.deepEqual(bad.issues.map((i) => i.field).sort(), ['TOPIC_MIN_INSYNC_REPLICAS', 'TOPIC_REPLICATION_FACTOR']);
  const inconsistent = configErrorOf(() => loadConfig(connectionSchema, { TOPIC_REPLICATION_FACTOR: '2', TOPIC_MIN_INSYNC_REPLICAS: '3' }, checkConnectionConfig));
  assert.deepEqual(inconsistent.issues.map((i) => i.field), ['TOPIC_MIN_INSYNC_REPLICAS']);
});
