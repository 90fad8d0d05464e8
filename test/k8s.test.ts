import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { connectionSchema, type Schema } from '@riskstream/shared';
import { ingestConfigSchema } from '../services/ingest/src/config.ts';
import { featuresConfigSchema } from '../services/features/src/config.ts';
import { scoringConfigSchema } from '../services/scoring/src/config.ts';

/** The k8s manifests must describe the processes the code runs, with variables the code declares. */
const ROOT = join(import.meta.dirname, '..');
const SCHEMAS: Record<string, Schema> = { ingest: ingestConfigSchema, features: featuresConfigSchema, scoring: scoringConfigSchema };
const MODEL_SERVER_ENV = new Set(['MODEL_REGISTRY_DIR']);

interface Container {
  name: string;
  command: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
}

interface Doc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: { template?: { spec: { containers: Container[]; terminationGracePeriodSeconds?: number } } };
}

const docs: Doc[] = readdirSync(join(ROOT, 'k8s'))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(ROOT, 'k8s', f), 'utf8')).map((d) => d.toJS() as Doc));

function envNames(schema: Schema): Set<string> {
  return new Set(Object.values(schema).map((f) => f.env));
}

test('every Deployment runs an entry point that exists, on the port its config defaults to, with probes', () => {
  const deployments = docs.filter((d) => d.kind === 'Deployment');
  assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), ['features', 'ingest', 'model-server', 'scoring']);
  for (const d of deployments) {
    const c = d.spec!.template!.spec.containers[0]!;
    const entry = c.command.find((a) => a.endsWith('.ts'))!;
    assert.ok(existsSync(join(ROOT, entry)), `${d.metadata.name}: ${entry} exists`);
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.livenessProbe.httpGet.port, c.ports[0]!.name);
    const schema = SCHEMAS[d.metadata.name];
    if (!schema) continue;
    const defaultPort = (schema['httpPort'] as { default: number }).default;
    assert.equal(c.ports[0]!.containerPort, defaultPort, `${d.metadata.name} port`);
    assert.equal(c.env?.find((e) => e.name === 'HTTP_PORT')?.value, String(defaultPort));
    // Consumers drain their in-flight batch on SIGTERM: the grace period must leave time for it.
    assert.ok((d.spec!.template!.spec.terminationGracePeriodSeconds ?? 30) >= 30);
  }
});

test('every variable a manifest sets is declared by the config schema of the process that reads it', () => {
  const maps = new Map(docs.filter((d) => d.kind === 'ConfigMap' || d.kind === 'Secret').map((d) => [d.metadata.name, Object.keys({ ...d.data, ...d.stringData })]));
  for (const d of docs.filter((x) => x.kind === 'Deployment')) {
    const c = d.spec!.template!.spec.containers[0]!;
    const declared = SCHEMAS[d.metadata.name] ? envNames(SCHEMAS[d.metadata.name]!) : new Set([...envNames(connectionSchema), ...MODEL_SERVER_ENV]);
    const names = [...(c.env ?? []).map((e) => e.name), ...(c.envFrom ?? []).flatMap((r) => maps.get(r.configMapRef?.name ?? r.secretRef?.name ?? '') ?? [])];
    for (const n of names) assert.ok(declared.has(n), `${d.metadata.name} sets ${n}, which its config does not declare`);
    for (const r of c.envFrom ?? []) assert.ok(maps.has(r.configMapRef?.name ?? r.secretRef?.name ?? ''), `${d.metadata.name} refers to a missing ConfigMap/Secret`);
  }
});
