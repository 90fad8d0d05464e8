import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { connectionSchema, loadConfig } from '@riskstream/shared';
import { stackConfigSchema } from '../cli/src/stack/stack-config.ts';
import { ingestConfigSchema } from '../services/ingest/src/config.ts';
import { featuresConfigSchema } from '../services/features/src/config.ts';
import { scoringConfigSchema } from '../services/scoring/src/config.ts';

const ROOT = join(import.meta.dirname, '..');

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
}

// merge: compose files use YAML merge keys (<<: *anchor) for the shared service settings.
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const defaults = loadConfig(stackConfigSchema, {});

function hostPorts(svc: ComposeService): number[] {
  return (svc.ports ?? []).map((p) => Number(p.split(':')[0]));
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

test('docker-compose runs the same components as the local stack, on the ports the config defaults name', () => {
  const s = compose.services;
  assert.deepEqual(hostPorts(s['kafka']!), [Number(defaults.kafkaBrokers[0]!.split(':')[1])]);
  assert.deepEqual(hostPorts(s['registry']!), [portOf(defaults.schemaRegistryUrl)]);
  assert.deepEqual(hostPorts(s['redis']!), [portOf(defaults.redisUrl)]);
  assert.deepEqual(hostPorts(s['prometheus']!), [portOf(defaults.prometheusUrl)]);
  assert.deepEqual(hostPorts(s['alertmanager']!), [portOf(defaults.alertmanagerUrl)]);
  assert.match(s['grafana']!.image!, /^grafana\/grafana:12\./);
  assert.match(s['kafka']!.image!, /^apache\/kafka:3\.9\./);
});

test('every compose service has a healthcheck and depends only on healthy services', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    assert.ok(svc.healthcheck?.test, `${name} has a healthcheck`);
    for (const [dep, cond] of Object.entries(svc.depends_on ?? {})) {
      assert.ok(compose.services[dep], `${name} depends on declared ${dep}`);
      assert.equal(cond.condition, 'service_healthy');
    }
  }
});

test('kafka in compose matches the local broker settings', () => {
  const env = compose.services['kafka']!.environment!;
  assert.equal(env['KAFKA_AUTO_CREATE_TOPICS_ENABLE'], 'false');
  assert.equal(env['KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS'], '0');
  assert.match(env['KAFKA_CONTROLLER_QUORUM_VOTERS']!, new RegExp(`:${defaults.kafkaControllerPort}$`));
  assert.doesNotMatch(env['KAFKA_LISTENERS']!, /:9093\b/, '9093 is Alertmanager');
});

test('mounted files exist and our services only set variables some config schema declares', () => {
  const declared = new Set(
    Object.values({ ...connectionSchema, ...stackConfigSchema, ...ingestConfigSchema, ...featuresConfigSchema, ...scoringConfigSchema }).map((f) => f.env),
  );
  declared.add('MODEL_REGISTRY_DIR');
  const ours = Object.entries(compose.services).filter(([, svc]) => svc.build !== undefined).map(([name]) => name);
  assert.deepEqual(ours.sort(), ['features', 'ingest', 'model-server', 'scoring']);
  for (const [name, svc] of Object.entries(compose.services)) {
    for (const v of svc.volumes ?? []) {
      const host = v.split(':')[0]!;
      // .riskstream/ is runtime state (the model registry `riskstream train` fills), not a committed file.
      if (host.startsWith('.') && !host.startsWith('./.riskstream')) assert.ok(existsSync(join(ROOT, host)), `${name} mounts missing ${host}`);
    }
    if (svc.build === undefined) continue; // third-party images have their own variables
    for (const key of Object.keys(svc.environment ?? {})) assert.ok(declared.has(key), `${name} sets undeclared ${key}`);
  }
});
