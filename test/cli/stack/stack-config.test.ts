import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@riskstream/shared';
import { endpointOfHostPort, endpointOfUrl, isLoopback } from '../../../cli/src/stack/components.ts';
import { REPO_ROOT, loadStackConfig } from '../../../cli/src/stack/stack-config.ts';

test('defaults: loopback services, state in <repo>/.stack, downloads in ~/.cache/riskstream', () => {
  const c = loadStackConfig({});
  assert.deepEqual(c.kafkaBrokers, ['127.0.0.1:9092']);
  assert.equal(c.kafkaControllerPort, 9094);
  assert.equal(c.schemaRegistryUrl, 'http://127.0.0.1:8081/apis/ccompat/v7');
  assert.equal(c.redisUrl, 'redis://127.0.0.1:6379');
  assert.equal(c.prometheusUrl, 'http://127.0.0.1:9090');
  assert.equal(c.alertmanagerUrl, 'http://127.0.0.1:9093');
  assert.equal(c.stackDir, join(REPO_ROOT, '.stack'));
  assert.equal(c.cacheDir, join(homedir(), '.cache', 'riskstream'));
  assert.equal(c.startTimeoutSeconds, 180);
  assert.ok(Object.isFrozen(c));
});

test('REPO_ROOT is the directory holding the root package.json', async () => {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string };
  assert.equal(pkg.name, 'riskstream');
});

test('every problem is reported at once', () => {
  assert.throws(
    () => loadStackConfig({ PROMETHEUS_URL: 'localhost:9090', RISKSTREAM_STACK_TIMEOUT: '0', KAFKA_CONTROLLER_PORT: '70000' }),
    (e: unknown) => e instanceof ConfigError && e.issues.map((i) => i.field).sort().join(',') === 'KAFKA_CONTROLLER_PORT,PROMETHEUS_URL,RISKSTREAM_STACK_TIMEOUT',
  );
});

test('endpoints come from URLs and host:port lists, with protocol default ports', () => {
  assert.deepEqual(endpointOfUrl('http://127.0.0.1:8081/apis/ccompat/v7'), { host: '127.0.0.1', port: 8081 });
  assert.deepEqual(endpointOfUrl('redis://localhost'), { host: 'localhost', port: 6379 });
  assert.deepEqual(endpointOfUrl('https://prom.example.com'), { host: 'prom.example.com', port: 443 });
  assert.deepEqual(endpointOfHostPort('127.0.0.1:9092'), { host: '127.0.0.1', port: 9092 });
  assert.deepEqual(endpointOfHostPort('[::1]:9092'), { host: '::1', port: 9092 });
});

test('only loopback endpoints may be started by the stack', () => {
  for (const h of ['127.0.0.1', '127.0.1.1', 'localhost', '::1', '[::1]']) assert.equal(isLoopback(h), true, h);
  for (const h of ['10.0.0.5', 'kafka.internal', '0.0.0.0']) assert.equal(isLoopback(h), false, h);
});
