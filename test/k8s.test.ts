import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkConnectionConfig, loadConfig } from '@riskstream/shared';
import { DEFAULT_TOPOLOGY, SERVICES } from '../cli/src/services/service-processes.ts';
import { PROCESS_CONFIGS } from './support/process-configs.ts';

/** The k8s manifests must describe the processes the code runs, with variables the code declares. */
const ROOT = join(import.meta.dirname, '..');
const NAMESPACE = 'riskstream';

const CONFIGS = PROCESS_CONFIGS;
// The model server is a CLI command (`riskstream models serve`): only the registry directory comes from the environment.
const MODEL_SERVER_ENV = new Set(['MODEL_REGISTRY_DIR']);
// Processes without a Kafka consumer: the model server serves files, the alert receiver's input is its HTTP routes.
// The UI reads the lifecycle topic with short-lived groups of its own (one per refresh), no member to name.
const NO_CONSUMER = new Set(['model-server', 'alert-receiver', 'ui']);
// What a Deployment sets for the stages fused runs, beyond what each stage's own environment is.
const PER_PROCESS_ENV = new Set(['HTTP_PORT', 'INSTANCE_ID']);

interface Container {
  name: string;
  command: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean } }>;
}

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  resources?: string[];
  spec?: {
    replicas?: number;
    strategy?: { type: string };
    selector?: { matchLabels: Record<string, string> } | Record<string, string>;
    accessModes?: string[];
    ports?: Array<{ name: string; port: number; targetPort: string }>;
    template?: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  };
}

const files = readdirSync(join(ROOT, 'k8s')).filter((f) => f.endsWith('.yaml'));
const docs: Doc[] = files.flatMap((f) => parseAllDocuments(readFileSync(join(ROOT, 'k8s', f), 'utf8')).map((d) => d.toJS() as Doc));
const ofKind = (kind: string) => docs.filter((d) => d.kind === kind);
const deployments = ofKind('Deployment');
const deployment = (name: string) => deployments.find((d) => d.metadata.name === name)!;
const containerOf = (d: Doc) => d.spec!.template!.spec.containers[0]!;
const envMaps = new Map(docs.filter((d) => d.kind === 'ConfigMap' || d.kind === 'Secret').map((d) => [d.metadata.name, { ...d.data, ...d.stringData }]));

/** A name the Deployment's pods could get (metadata.name: <deployment>-<replicaset hash>-<suffix>). */
const podName = (d: Doc) => `${d.metadata.name}-7c9f5d8b6-x2k4q`;

/** The environment a Deployment's container starts with: envFrom maps first, then env (which wins). */
function containerEnv(d: Doc): Record<string, string> {
  const c = containerOf(d);
  const fromMaps = (c.envFrom ?? []).map((r) => envMaps.get(r.configMapRef?.name ?? r.secretRef?.name ?? '') ?? {});
  const value = (e: NonNullable<Container['env']>[number]) => (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name' ? podName(d) : (e.value ?? ''));
  return Object.assign({}, ...fromMaps, Object.fromEntries((c.env ?? []).map((e) => [e.name, value(e)])));
}

/** The claim, mount and mode behind a path a container uses. */
function claimAt(d: Doc, mountPath: string): { claim: string; readOnly: boolean } | undefined {
  const c = containerOf(d);
  const mount = c.volumeMounts?.find((m) => m.mountPath === mountPath);
  const volume = d.spec!.template!.spec.volumes?.find((v) => v.name === mount?.name);
  if (!mount || !volume?.persistentVolumeClaim) return undefined;
  return { claim: volume.persistentVolumeClaim.claimName, readOnly: mount.readOnly === true || volume.persistentVolumeClaim.readOnly === true };
}

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

test('every riskstream process has a Deployment that runs its entry point on its contract port, with probes', () => {
  assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), SERVICES.map((s) => s.name).sort());
  for (const spec of SERVICES) {
    const d = deployment(spec.name);
    const c = containerOf(d);
    assert.deepEqual(c.command.slice(0, 2), ['node', spec.entry], `${spec.name} runs ${spec.entry}`);
    assert.ok(existsSync(join(ROOT, spec.entry)), `${spec.name}: ${spec.entry} exists`);
    assert.equal(c.ports[0]!.containerPort, spec.basePort, `${spec.name} port`);
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.livenessProbe.httpGet.port, c.ports[0]!.name);
    assert.equal(c.readinessProbe.httpGet.port, c.ports[0]!.name);
    assert.deepEqual(d.spec!.selector, { matchLabels: { 'app.kubernetes.io/name': spec.name } });
    assert.equal(d.spec!.template!.metadata.labels['app.kubernetes.io/name'], spec.name);
    const config = CONFIGS[spec.name];
    if (!config) continue;
    const defaultPort = (config.schema['httpPort'] as { default: number }).default;
    assert.equal(defaultPort, spec.basePort, `${spec.name}: the schema default is the contract port`);
    assert.equal(c.env?.find((e) => e.name === 'HTTP_PORT')?.value, String(defaultPort));
    assert.equal(c.env?.find((e) => e.name === 'HTTP_HOST')?.value, '0.0.0.0', `${spec.name} must listen beyond loopback`);
    // Consumers drain their in-flight batch on SIGTERM: the grace period must leave time for it.
    assert.ok((d.spec!.template!.spec.terminationGracePeriodSeconds ?? 30) >= 30);
    assert.ok(c.resources?.requests?.['memory'] && c.resources.limits?.['memory'], `${spec.name} requests and limits memory`);
    // runService serves /metrics: the scrape annotations must point at it.
    const a = d.spec!.template!.metadata.annotations ?? {};
    assert.equal(a['prometheus.io/scrape'], 'true', `${spec.name} is scraped`);
    assert.equal(a['prometheus.io/port'], String(spec.basePort));
    assert.equal(a['prometheus.io/path'], '/metrics');
  }
});

test("every Deployment's environment is declared by its process's config schema and passes loadConfig", () => {
  for (const d of deployments) {
    const c = containerOf(d);
    for (const r of c.envFrom ?? []) assert.ok(envMaps.has(r.configMapRef?.name ?? r.secretRef?.name ?? ''), `${d.metadata.name} refers to a missing ConfigMap/Secret`);
    const env = containerEnv(d);
    const config = CONFIGS[d.metadata.name];
    const declared = config ? new Set(Object.values(config.schema).map((f) => f.env)) : MODEL_SERVER_ENV;
    for (const n of Object.keys(env)) assert.ok(declared.has(n), `${d.metadata.name} sets ${n}, which its config does not declare`);
    if (!config) continue;
    assert.doesNotThrow(
      () => loadConfig(config.schema, env, (cfg) => [...checkConnectionConfig(cfg as never), ...(config.check?.(cfg as never) ?? [])]),
      `${d.metadata.name}: manifest environment fails loadConfig`,
    );
  }
});

test('URLs between processes name a Service on the port it serves', () => {
  const services = ofKind('Service');
  for (const s of services) {
    const selected = (s.spec!.selector as Record<string, string>)['app.kubernetes.io/name'];
    const d = deployments.find((x) => x.spec!.template!.metadata.labels['app.kubernetes.io/name'] === selected);
    assert.ok(d, `Service ${s.metadata.name} selects a Deployment`);
    const ports: Container['ports'] = containerOf(d).ports;
    for (const p of s.spec!.ports!) {
      const port = ports.find((x) => x.name === p.targetPort);
      assert.ok(port, `Service ${s.metadata.name} targets a named container port`);
      assert.equal(p.port, port.containerPort, `Service ${s.metadata.name} keeps the contract port`);
    }
  }
  // Processes with an API of their own (beyond /metrics and probes) are reachable by Service.
  for (const name of ['fused', 'ingest', 'model-server', 'drift-monitor', 'alert-receiver', 'trainer']) {
    assert.ok(services.some((s) => s.metadata.name === name), `Service ${name}`);
  }
  let checked = 0;
  for (const d of deployments) {
    for (const [k, v] of Object.entries(containerEnv(d))) {
      const m = /^https?:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc:(\d+)/.exec(v);
      // Kafka, the schema registry and Redis are provided outside these manifests.
      if (!m || !deployments.some((x) => x.metadata.name === m[1])) continue;
      checked++;
      const s = services.find((x) => x.metadata.name === m[1]);
      assert.ok(s, `${d.metadata.name} ${k}: Service ${m[1]} exists`);
      assert.equal(m[2], s.metadata.namespace);
      assert.ok(s.spec!.ports!.some((p) => p.port === Number(m[3])), `${d.metadata.name} ${k}: Service ${m[1]} serves port ${m[3]}`);
    }
  }
  assert.ok(checked >= 4, 'scoring, drift-monitor, trainer and alert-receiver name other processes');
  assert.equal(containerEnv(deployment('alert-receiver'))['DRIFT_MONITOR_URL'], `http://drift-monitor.${NAMESPACE}.svc:8094`);
});

test('the model registry and the offline store are claims shared by the processes that use them, ReadWriteMany', () => {
  const claims = new Map(ofKind('PersistentVolumeClaim').map((c) => [c.metadata.name, c]));
  const users = new Map<string, string[]>();
  for (const d of deployments) {
    for (const v of d.spec!.template!.spec.volumes ?? []) {
      if (!v.persistentVolumeClaim) continue;
      assert.ok(claims.has(v.persistentVolumeClaim.claimName), `${d.metadata.name} mounts declared claim ${v.persistentVolumeClaim.claimName}`);
      users.set(v.persistentVolumeClaim.claimName, [...(users.get(v.persistentVolumeClaim.claimName) ?? []), d.metadata.name]);
    }
  }
  // Pods of different Deployments may land on different nodes.
  for (const [claim, by] of users) if (by.length > 1) assert.deepEqual(claims.get(claim)!.spec!.accessModes, ['ReadWriteMany'], `${claim} is shared by ${by.join(', ')}`);

  const at = (name: string, variable: string) => claimAt(deployment(name), containerEnv(deployment(name))[variable]!);
  const serverRegistry = at('model-server', 'MODEL_REGISTRY_DIR')!;
  const trainerRegistry = at('trainer', 'MODEL_REGISTRY_DIR')!;
  assert.ok(serverRegistry && trainerRegistry, 'model-server and trainer mount a claim at MODEL_REGISTRY_DIR');
  assert.equal(trainerRegistry.claim, serverRegistry.claim);
  assert.equal(trainerRegistry.readOnly, false, 'the trainer registers models');
  assert.equal(serverRegistry.readOnly, true, 'the model server only serves them');
  const archiverStore = at('archiver', 'OFFLINE_STORE_DIR')!;
  const trainerStore = at('trainer', 'OFFLINE_STORE_DIR')!;
  assert.ok(archiverStore && trainerStore, 'archiver and trainer mount a claim at OFFLINE_STORE_DIR');
  assert.equal(trainerStore.claim, archiverStore.claim);
  assert.equal(archiverStore.readOnly, false, 'the archiver writes the store');
});

test("the default topology runs: the other topology's Deployments are in the manifests, scaled to zero", () => {
  for (const spec of SERVICES) {
    const replicas = deployment(spec.name).spec!.replicas ?? 1;
    if (spec.topology === undefined || spec.topology === DEFAULT_TOPOLOGY) assert.ok(replicas >= 1, `${spec.name} runs by default`);
    else assert.equal(replicas, 0, `${spec.name} (topology ${spec.topology}) is off by default`);
  }
  assert.equal(DEFAULT_TOPOLOGY, 'fused', 'the manifests describe fused as the default');
});

test('fused runs with the environment of the split stages it chains (one environment configures either topology)', () => {
  const fused = containerEnv(deployment('fused'));
  const stages = SERVICES.filter((s) => s.topology === 'split');
  assert.deepEqual(stages.map((s) => s.name).sort(), ['features', 'ingest', 'scoring']);
  for (const stage of stages) {
    for (const [k, v] of Object.entries(containerEnv(deployment(stage.name)))) {
      if (!PER_PROCESS_ENV.has(k)) assert.equal(fused[k], v, `fused sets ${k} as ${stage.name} does`);
    }
    // The same Secret, not a copy of it: both topologies tokenise a card alike.
    for (const r of containerOf(deployment(stage.name)).envFrom ?? []) {
      assert.ok(containerOf(deployment('fused')).envFrom?.some((x) => x.configMapRef?.name === r.configMapRef?.name && x.secretRef?.name === r.secretRef?.name), `fused reads ${r.configMapRef?.name ?? r.secretRef?.name} as ${stage.name} does`);
    }
  }
});

test('every Deployment that runs a consumer names its member after its pod (INSTANCE_ID from metadata.name)', () => {
  const consumers = deployments.filter((d) => !NO_CONSUMER.has(d.metadata.name));
  assert.ok(consumers.length >= 7, 'fused, ingest, features, scoring, drift-monitor, archiver, trainer');
  for (const d of consumers) {
    const e = containerOf(d).env?.find((x) => x.name === 'INSTANCE_ID');
    assert.ok(e, `${d.metadata.name} sets INSTANCE_ID`);
    assert.equal(e.value, undefined, `${d.metadata.name}: a fixed INSTANCE_ID would be shared by every replica, which fence each other`);
    assert.deepEqual(e.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } }, `${d.metadata.name}: INSTANCE_ID is the pod name (downward API)`);
    assert.equal(containerEnv(d)['INSTANCE_ID'], podName(d));
  }
  // Nor may a shared ConfigMap or Secret set it.
  for (const [name, data] of envMaps) assert.ok(!('INSTANCE_ID' in data), `${name} sets INSTANCE_ID for every process that reads it`);
});

test('the split component switches topology: fused to zero, the split stages up', (t) => {
  const component = parseAllDocuments(readFileSync(join(ROOT, 'k8s', 'split', 'kustomization.yaml'), 'utf8'))[0]!.toJS() as {
    kind: string;
    replicas: Array<{ name: string; count: number }>;
  };
  assert.equal(component.kind, 'Component');
  const counts = new Map(component.replicas.map((r) => [r.name, r.count]));
  for (const spec of SERVICES.filter((s) => s.topology !== undefined)) {
    if (spec.topology === 'split') assert.ok((counts.get(spec.name) ?? 0) >= 1, `split runs ${spec.name}`);
    else assert.equal(counts.get(spec.name), 0, `split stops ${spec.name}`);
  }
  assert.deepEqual([...counts.keys()].filter((n) => !deployments.some((d) => d.metadata.name === n)), [], 'the component names existing Deployments');
  // The base offers it (commented out): `components: [split]` is the switch.
  assert.match(readFileSync(join(ROOT, 'k8s', 'kustomization.yaml'), 'utf8'), /^# components:\n#   - split$/m);

  if (!hasTool('kubectl')) return t.skip('kubectl not installed');
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-k8s-split-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'k8s'), dir, { recursive: true });
  writeFileSync(join(dir, 'kustomization.yaml'), readFileSync(join(dir, 'kustomization.yaml'), 'utf8') + 'components:\n  - split\n');
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const rendered = parseAllDocuments(r.stdout).map((d) => d.toJS() as Doc).filter((d) => d.kind === 'Deployment');
  for (const d of rendered) {
    const expected = counts.get(d.metadata.name) ?? deployment(d.metadata.name).spec!.replicas;
    assert.equal(d.spec!.replicas, expected, `${d.metadata.name} replicas with the split component`);
  }
});

test('the drift monitor and the trainer run as one instance, never two at once', () => {
  for (const name of ['drift-monitor', 'trainer']) {
    const d = deployment(name);
    assert.equal(d.spec!.replicas, 1, `${name} replicas`);
    assert.equal(d.spec!.strategy?.type, 'Recreate', `${name}: a rolling update would run two`);
    assert.equal(SERVICES.find((s) => s.name === name)!.scalable, false, `${name} is not scalable in the local stack either`);
  }
});

test('Secrets hold placeholders only, in the format the processes accept', () => {
  const secrets = ofKind('Secret');
  assert.ok(secrets.some((s) => Object.keys({ ...s.stringData }).includes('ALERTMANAGER_BEARER_TOKENS')));
  assert.ok(secrets.some((s) => Object.keys({ ...s.stringData }).includes('GRAFANA_WEBHOOK_HMAC_SECRETS')));
  for (const s of secrets) {
    assert.equal(s.data, undefined, `${s.metadata.name}: readable placeholders (stringData), no base64 data`);
    for (const [k, v] of Object.entries(s.stringData ?? {})) assert.match(v, /^replace-me\b/, `${s.metadata.name} ${k} is an obvious placeholder`);
  }
  assert.deepEqual(containerOf(deployment('alert-receiver')).envFrom?.map((r) => r.secretRef?.name).filter(Boolean), ['riskstream-alert-webhook-auth']);
});

test('everything lives in the riskstream namespace and the kustomization applies every manifest', () => {
  for (const d of docs) {
    if (d.kind === 'Namespace') assert.equal(d.metadata.name, NAMESPACE);
    else if (d.kind !== 'Kustomization') assert.equal(d.metadata.namespace, NAMESPACE, `${d.kind} ${d.metadata.name}`);
  }
  const kustomization = docs.find((d) => d.kind === 'Kustomization');
  assert.ok(kustomization, 'k8s/kustomization.yaml');
  assert.deepEqual([...kustomization.resources!].sort(), files.filter((f) => f !== 'kustomization.yaml').sort());
});

test('kubectl kustomize renders every object, the Namespace first', { skip: !hasTool('kubectl') && 'kubectl not installed' }, () => {
  const r = spawnSync('kubectl', ['kustomize', join(ROOT, 'k8s')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const rendered = parseAllDocuments(r.stdout).map((d) => d.toJS() as Doc);
  const key = (d: Doc) => `${d.kind}/${d.metadata.name}`;
  assert.deepEqual(rendered.map(key).sort(), docs.filter((d) => d.kind !== 'Kustomization').map(key).sort());
  assert.equal(rendered[0]!.kind, 'Namespace');
});
