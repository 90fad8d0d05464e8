import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse, stringify } from 'yaml';
import { checkConnectionConfig, loadConfig } from '@riskstream/shared';
import { DEFAULT_TOPOLOGY, SERVICES } from '../cli/src/services/service-processes.ts';
import { PROCESS_CONFIGS } from './support/process-configs.ts';
import { stackConfigSchema } from '../cli/src/stack/stack-config.ts';
import { renderServerProperties } from '../cli/src/stack/kafka.ts';
import { kafkaNodes } from '../cli/src/stack/kafka-cluster.ts';

const ROOT = join(import.meta.dirname, '..');

interface ComposeService {
  image?: string;
  build?: unknown;
  profiles?: string[];
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { environment?: string; file?: string }>;
}

// merge: compose files use YAML merge keys (<<: *anchor) for the shared service settings.
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
/** The 3-node override (`-f docker-compose.yml -f docker-compose.cluster.yml`). */
const clusterOverride = parse(readFileSync(join(ROOT, 'docker-compose.cluster.yml'), 'utf8'), { merge: true }) as ComposeFile;

/**
 * What compose runs with both files: an override service's mappings (environment) are merged key by key,
 * its other settings replace the base's; services only in the override are added.
 */
function mergeCompose(base: ComposeFile, override: ComposeFile): ComposeFile {
  const services: Record<string, ComposeService> = { ...base.services };
  for (const [name, svc] of Object.entries(override.services)) {
    const b = base.services[name];
    services[name] = b ? { ...b, ...svc, environment: { ...b.environment, ...svc.environment } } : svc;
  }
  return { ...base, services };
}

const clusterCompose = mergeCompose(compose, clusterOverride);
const defaults = loadConfig(stackConfigSchema, {});

/** What `docker compose --env-file ...` would supply for the variables compose requires (see the file's header). */
const COMPOSE_ENV_FILE: Record<string, string> = {
  ALERTMANAGER_WEBHOOK_TOKEN: 'test-alertmanager-token-0123456789',
  GRAFANA_WEBHOOK_HMAC_SECRET: 'test-grafana-hmac-secret-0123456789',
};

const CONFIGS = PROCESS_CONFIGS;

// Processes without a Kafka consumer: the model server serves files, the alert receiver's input is its HTTP routes.
// The UI reads the lifecycle topic with short-lived groups of its own (one per refresh), no member to name.
const NO_CONSUMER = new Set(['model-server', 'alert-receiver', 'ui']);

/** Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name: string, op: string | undefined, arg: string) => {
    if (match === '$$') return '$';
    const v = env[name];
    if (op === undefined) return v ?? '';
    const missing = v === undefined || (op.startsWith(':') && v === '');
    if (op.endsWith('-')) return missing ? arg : v!;
    if (missing) throw new Error(`compose: ${name}: ${arg}`);
    return v!;
  });
}

function environmentOf(svc: ComposeService, env: Readonly<Record<string, string | undefined>> = COMPOSE_ENV_FILE): Record<string, string> {
  return Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), env)]));
}

function hostPorts(svc: ComposeService): number[] {
  return (svc.ports ?? []).map((p) => Number(p.split(':')[0]));
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** host path -> container path (and the mode) of a service's bind mounts. */
function mounts(svc: ComposeService): Array<{ host: string; container: string; readOnly: boolean }> {
  return (svc.volumes ?? []).map((v) => {
    const [host, container, mode] = v.split(':');
    return { host: host!, container: container!, readOnly: mode === 'ro' };
  });
}

function mountAt(svc: ComposeService, containerPath: string): { host: string; readOnly: boolean } | undefined {
  return mounts(svc).find((m) => m.container === containerPath);
}

/** Services that run a main.ts serve /metrics, /healthz and /readyz through runService. */
/** Every riskstream process serves /metrics but the model server (SERVICES says which). */
function servesMetrics(name: string, svc: ComposeService): boolean {
  return (svc.command ?? []).some((a) => a.endsWith('/main.ts')) || SERVICES.some((s) => s.name === name && s.metrics !== false);
}

/** A file-name glob (`*`, `?`) as a RegExp, as Prometheus matches rule_files. */
function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*').replaceAll('?', '[^/]')}$`);
}

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

function yamlFile(...path: string[]): unknown {
  return parse(readFileSync(join(ROOT, ...path), 'utf8'));
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

test('compose runs every riskstream process `riskstream services up` runs, from the one image, on its contract port', () => {
  const ours = Object.entries(compose.services).filter(([, svc]) => svc.build !== undefined).map(([name]) => name);
  assert.deepEqual(ours.sort(), SERVICES.map((s) => s.name).sort());
  for (const spec of SERVICES) {
    const svc = compose.services[spec.name]!;
    assert.equal(svc.image, 'riskstream:latest', spec.name);
    assert.deepEqual(svc.command?.slice(0, 2), ['node', spec.entry], `${spec.name} runs ${spec.entry}`);
    assert.ok(existsSync(join(ROOT, spec.entry)), `${spec.entry} exists`);
    assert.deepEqual(svc.ports, [`${spec.basePort}:${spec.basePort}`], `${spec.name} port`);
    assert.ok(svc.healthcheck!.test.some((a) => a.includes(`//127.0.0.1:${spec.basePort}/`)), `${spec.name} healthcheck probes its own port`);
    const config = CONFIGS[spec.name];
    if (config) {
      assert.equal((config.schema['httpPort'] as { default: number }).default, spec.basePort, `${spec.name}: the schema default is the contract port`);
      assert.equal(svc.environment?.['HTTP_PORT'], String(spec.basePort));
      assert.equal(svc.environment?.['HTTP_HOST'], '0.0.0.0', `${spec.name} must listen beyond loopback in its container`);
    } else {
      assert.equal(svc.command?.[svc.command.indexOf('--port') + 1], String(spec.basePort), `${spec.name} --port`);
    }
  }
});

test("every riskstream process's compose environment passes its own config schema and checks", () => {
  for (const spec of SERVICES) {
    const svc = compose.services[spec.name]!;
    const env = environmentOf(svc);
    const config = CONFIGS[spec.name];
    if (!config) {
      // The model server is a CLI command: only the registry directory comes from the environment.
      assert.deepEqual(Object.keys(env), ['MODEL_REGISTRY_DIR'], spec.name);
      continue;
    }
    const declared = new Set(Object.values(config.schema).map((f) => f.env));
    for (const key of Object.keys(env)) assert.ok(declared.has(key), `${spec.name} sets ${key}, which its config does not declare`);
    assert.doesNotThrow(
      () => loadConfig(config.schema, env, (c) => [...checkConnectionConfig(c as never), ...(config.check?.(c as never) ?? [])]),
      `${spec.name}: compose environment fails loadConfig`,
    );
  }
});

test("the default topology runs on `docker compose up`; the other topology's services wait in its profile", () => {
  const s = compose.services;
  for (const spec of SERVICES) {
    const profiles = s[spec.name]!.profiles;
    if (spec.topology === undefined || spec.topology === DEFAULT_TOPOLOGY) assert.equal(profiles, undefined, `${spec.name} runs by default`);
    else assert.deepEqual(profiles, [spec.topology], `${spec.name} runs with --profile ${spec.topology}`);
  }
  assert.deepEqual(
    SERVICES.filter((x) => s[x.name]!.profiles?.includes('split')).map((x) => x.name).sort(),
    ['features', 'ingest', 'scoring'],
  );
  // Compose refuses to start a service whose dependency is in a profile that is not enabled.
  for (const [name, svc] of Object.entries(s)) {
    if (svc.profiles) continue;
    for (const dep of Object.keys(svc.depends_on ?? {})) assert.equal(s[dep]!.profiles, undefined, `${name} (on by default) depends on ${dep}, which is in a profile`);
  }
  // The header says how to switch.
  assert.match(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), /^#.*docker compose .*--profile split up -d --scale fused=0/m);
});

test('fused runs with the environment of the split stages it chains, and their dependencies', () => {
  const s = compose.services;
  const fused = environmentOf(s['fused']!);
  const stages = SERVICES.filter((x) => x.topology === 'split').map((x) => x.name);
  for (const stage of stages) {
    for (const [k, v] of Object.entries(environmentOf(s[stage]!))) {
      if (k !== 'HTTP_PORT' && k !== 'INSTANCE_ID') assert.equal(fused[k], v, `fused sets ${k} as ${stage} does`);
    }
    for (const dep of Object.keys(s[stage]!.depends_on ?? {})) assert.ok(s['fused']!.depends_on?.[dep], `fused waits for ${dep} as ${stage} does`);
  }
  // Without CARD_TOKEN_KEYS from the environment both use the same dev key; with it, the same given key.
  const given = { ...COMPOSE_ENV_FILE, CARD_TOKEN_KEYS: 'k9:c29tZS1vdGhlci1rZXktMzItYnl0ZXMtbG9uZyEhIQ==', CARD_TOKEN_ACTIVE_KEY: 'k9' };
  assert.equal(environmentOf(s['fused']!, given)['CARD_TOKEN_KEYS'], given.CARD_TOKEN_KEYS);
  assert.equal(environmentOf(s['ingest']!, given)['CARD_TOKEN_KEYS'], given.CARD_TOKEN_KEYS);
});

test('every process that runs a consumer has a stable INSTANCE_ID, its service name', () => {
  const consumers = SERVICES.filter((x) => !NO_CONSUMER.has(x.name));
  assert.ok(consumers.length >= 7, 'fused, ingest, features, scoring, drift-monitor, archiver, trainer');
  for (const spec of consumers) {
    const svc = compose.services[spec.name]!;
    assert.equal(environmentOf(svc)['INSTANCE_ID'], spec.name, `${spec.name} INSTANCE_ID`);
    // One container per service (a fixed host port), so the name is never shared by two members at once.
    assert.deepEqual(hostPorts(svc), [spec.basePort]);
  }
});

test('the image installs every workspace: the Dockerfile copies each package.json before npm ci', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');
  const install = dockerfile.findIndex((l) => /^RUN npm ci\b/.test(l));
  assert.ok(install > 0, 'RUN npm ci');
  const copied = new Set(dockerfile.slice(0, install).flatMap((l) => /^COPY (\S+\/package\.json) /.exec(l)?.[1] ?? []));
  const workspaces = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces.flatMap((w) =>
    w.endsWith('/*') ? readdirSync(join(ROOT, w.slice(0, -2))).map((d) => `${w.slice(0, -2)}/${d}`) : [w],
  );
  for (const w of workspaces) {
    if (existsSync(join(ROOT, w, 'package.json'))) assert.ok(copied.has(`${w}/package.json`), `Dockerfile copies ${w}/package.json before npm ci`);
  }
  assert.ok(copied.has('services/fused/package.json'));
});

test('mounted host paths exist (runtime state under .riskstream/ excepted)', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    for (const { host } of mounts(svc)) {
      // .riskstream/ is runtime state (the model registry `riskstream train` fills, the offline store), not committed.
      if (host.startsWith('.') && !host.startsWith('./.riskstream/')) assert.ok(existsSync(join(ROOT, host)), `${name} mounts missing ${host}`);
    }
  }
});

test('the model registry and the offline store are shared by the processes that use them', () => {
  const s = compose.services;
  const mountOf = (name: string, variable: string) => mountAt(s[name]!, environmentOf(s[name]!)[variable]!);
  const serverRegistry = mountOf('model-server', 'MODEL_REGISTRY_DIR')!;
  const trainerRegistry = mountOf('trainer', 'MODEL_REGISTRY_DIR')!;
  assert.ok(serverRegistry && trainerRegistry, 'model-server and trainer mount MODEL_REGISTRY_DIR');
  assert.equal(trainerRegistry.host, serverRegistry.host);
  assert.equal(trainerRegistry.readOnly, false, 'the trainer registers models');
  assert.equal(serverRegistry.readOnly, true, 'the model server only serves them');
  const archiverStore = mountOf('archiver', 'OFFLINE_STORE_DIR')!;
  const trainerStore = mountOf('trainer', 'OFFLINE_STORE_DIR')!;
  assert.ok(archiverStore && trainerStore, 'archiver and trainer mount OFFLINE_STORE_DIR');
  assert.equal(trainerStore.host, archiverStore.host);
  assert.equal(archiverStore.readOnly, false, 'the archiver writes the store');
  // Consumers of the registry reach it through the model server, not the filesystem.
  for (const name of ['scoring', 'drift-monitor']) assert.equal(environmentOf(s[name]!)['MODEL_SOURCE'], `http://model-server:${SERVICES.find((x) => x.name === 'model-server')!.basePort}`);
  assert.equal(environmentOf(s['trainer']!)['MODEL_SERVER_URL'], environmentOf(s['scoring']!)['MODEL_SOURCE']);
});

test('the alert receiver reaches the drift monitor by compose service name', () => {
  const url = new URL(environmentOf(compose.services['alert-receiver']!)['DRIFT_MONITOR_URL']!);
  assert.ok(compose.services[url.hostname], `${url.hostname} is a compose service`);
  assert.equal(url.hostname, 'drift-monitor');
  assert.equal(Number(url.port), (CONFIGS['drift-monitor']!.schema['httpPort'] as { default: number }).default);
});

interface PrometheusConfig {
  rule_files: string[];
  alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
  scrape_configs: Array<{
    job_name: string;
    static_configs?: Array<{ targets: string[]; labels?: Record<string, string> }>;
    dns_sd_configs?: Array<{ names: string[]; type?: string; port?: number }>;
    relabel_configs?: RelabelConfig[];
  }>;
}

interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: string;
}

/** Prometheus's `replace` relabelling (the only action the compose config uses): anchored regex, $n references. */
function relabel(labels: Record<string, string>, configs: readonly RelabelConfig[]): Record<string, string> {
  const out = { ...labels };
  for (const c of configs) {
    assert.equal(c.action ?? 'replace', 'replace', 'only replace is simulated here');
    const value = (c.source_labels ?? []).map((l) => out[l] ?? '').join(c.separator ?? ';');
    const re = new RegExp(`^(?:${c.regex ?? '(.*)'})$`);
    if (!re.test(value)) continue;
    const result = value.replace(re, c.replacement ?? '$1');
    if (result === '') delete out[c.target_label!];
    else out[c.target_label!] = result;
  }
  return out;
}

/** The targets of a scrape job as Prometheus labels them: `instance` (address unless relabelled) and the rest. */
function scrapeTargets(job: PrometheusConfig['scrape_configs'][number]): Map<string, Record<string, string>> {
  // Compose's DNS answers a running service's name with its container's address.
  const discovered = [
    ...(job.static_configs ?? []).flatMap((sc) => sc.targets.map((t) => ({ __address__: t, ...sc.labels }))),
    ...(job.dns_sd_configs ?? []).flatMap((sd) => {
      assert.equal(sd.type, 'A', 'compose service names resolve to A records');
      return sd.names.map((n) => ({ __address__: `172.18.0.9:${sd.port}`, __meta_dns_name: n }));
    }),
  ];
  return new Map(
    discovered.map((d) => {
      const labels = relabel(d, job.relabel_configs ?? []);
      const kept = Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith('__')));
      return [labels['instance'] ?? labels['__address__']!, kept] as const;
    }),
  );
}

const prometheusConfigPath = (): string => {
  const m = mountAt(compose.services['prometheus']!, '/etc/prometheus/prometheus.yml');
  assert.ok(m, 'prometheus mounts its config');
  return m.host;
};

test('Prometheus scrapes every riskstream process that serves /metrics under job "riskstream", by compose service name', () => {
  const config = parse(readFileSync(join(ROOT, prometheusConfigPath()), 'utf8')) as PrometheusConfig;
  const job = config.scrape_configs.find((j) => j.job_name === 'riskstream');
  assert.ok(job, 'job riskstream');
  const targets = scrapeTargets(job);
  const expected = Object.entries(compose.services)
    .filter(([name, svc]) => svc.build !== undefined && servesMetrics(name, svc))
    .map(([name, svc]) => `${name}:${svc.environment!['HTTP_PORT']}`);
  assert.deepEqual([...targets.keys()].sort(), expected.sort());
  assert.equal(expected.length, SERVICES.length - 1, 'every process but the model server (no /metrics) is scraped');
  // The ServiceDown alert and the pipeline dashboard name targets by `replica`, as `services up` labels them.
  for (const [target, labels] of targets) assert.equal(labels['replica'], target.split(':')[0]);
  // A topology's processes may not be running (the other topology, or a profile not enabled): they are found
  // by DNS, so a service without a container has no target rather than one that is down (ServiceDown).
  const byDns = new Set((job.dns_sd_configs ?? []).flatMap((sd) => sd.names));
  for (const spec of SERVICES.filter((x) => x.metrics !== false)) {
    assert.equal(byDns.has(spec.name), spec.topology !== undefined, `${spec.name} is ${spec.topology ? 'discovered by DNS' : 'a static target'}`);
  }
  assert.deepEqual(config.alerting.alertmanagers[0]!.static_configs[0]!.targets, [`alertmanager:${portOf(defaults.alertmanagerUrl)}`]);
});

test('Prometheus loads the alert rules from the mounted rules directory, and promtool accepts config and rules', (t) => {
  const prom = compose.services['prometheus']!;
  const config = parse(readFileSync(join(ROOT, prometheusConfigPath()), 'utf8')) as PrometheusConfig;
  const rulesMount = mountAt(prom, '/etc/prometheus/rules');
  assert.ok(rulesMount, 'the rules directory is mounted');
  assert.equal(rulesMount.host, './cli/stack/prometheus/rules');
  const ruleFiles = readdirSync(join(ROOT, rulesMount.host)).filter((f) => f.endsWith('.yml'));
  assert.ok(ruleFiles.length > 0, 'there are rules to load');
  // Every rule_files glob lies in the mounted directory; on the host it names the same files.
  const hostGlobs = config.rule_files.map((g) => {
    assert.equal(posix.dirname(g), '/etc/prometheus/rules', `${g} is in the mounted rules directory`);
    return join(ROOT, rulesMount.host, posix.basename(g));
  });
  for (const f of ruleFiles) assert.ok(config.rule_files.some((g) => globRegExp(posix.basename(g)).test(f)), `rule_files loads ${f}`);
  if (!hasTool('promtool')) return t.skip('promtool not installed');
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-compose-prom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'prometheus.yml'), stringify({ ...config, rule_files: hostGlobs }));
  const r = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  for (const f of ruleFiles) assert.ok(r.stdout.includes(join(ROOT, rulesMount.host, f)), `promtool checked ${f}`);
  assert.match(r.stdout, /SUCCESS: [1-9]\d* rules found/);
});

interface AlertmanagerConfig {
  route: Record<string, unknown>;
  inhibit_rules?: unknown[];
  receivers: Array<{ name: string; webhook_configs: Array<{ url: string; http_config: { authorization: { type: string; credentials?: string; credentials_file?: string } } }> }>;
}

test("Alertmanager in compose routes like the local stack's, to the alert-receiver service, with the bearer token from a compose secret", (t) => {
  const am = compose.services['alertmanager']!;
  const configMount = mountAt(am, '/etc/alertmanager/alertmanager.yml')!;
  const composeConfig = parse(readFileSync(join(ROOT, configMount.host), 'utf8')) as AlertmanagerConfig;
  const local = parse(readFileSync(join(ROOT, 'cli/stack/prometheus/alertmanager.yml'), 'utf8')) as AlertmanagerConfig;
  // Same routing, inhibition and webhook settings; only where the receiver and the token file are differs.
  const placeless = (c: AlertmanagerConfig) => ({
    ...c,
    receivers: c.receivers.map((r) => ({
      ...r,
      webhook_configs: r.webhook_configs.map((w) => ({ ...w, url: '<receiver>', http_config: { authorization: { ...w.http_config.authorization, credentials_file: '<file>' } } })),
    })),
  });
  assert.deepEqual(placeless(composeConfig), placeless(local));

  const hook = composeConfig.receivers.find((r) => r.name === composeConfig.route['receiver'])!.webhook_configs[0]!;
  const url = new URL(hook.url);
  const receiver = SERVICES.find((s) => s.name === 'alert-receiver')!;
  assert.equal(url.hostname, receiver.name);
  assert.equal(Number(url.port), receiver.basePort);
  assert.equal(url.pathname, '/alerts/alertmanager');

  const auth = hook.http_config.authorization;
  assert.equal(auth.type, 'Bearer');
  assert.equal(auth.credentials, undefined, 'the token is never written into the config');
  const secretName = posix.basename(auth.credentials_file!);
  assert.equal(auth.credentials_file, `/run/secrets/${secretName}`);
  assert.ok(am.secrets?.includes(secretName), `alertmanager is granted the ${secretName} secret`);
  const tokenVariable = compose.secrets?.[secretName]?.environment;
  assert.ok(tokenVariable, `secret ${secretName} comes from an environment variable`);
  // The receiver accepts exactly that token.
  const receiverEnv = environmentOf(compose.services['alert-receiver']!);
  const tokens = receiverEnv['ALERTMANAGER_BEARER_TOKENS']!.split(',').map((e) => e.slice(e.indexOf(':') + 1));
  assert.ok(tokens.includes(COMPOSE_ENV_FILE[tokenVariable]!), 'ALERTMANAGER_BEARER_TOKENS carries the token Alertmanager sends');

  if (!hasTool('amtool')) return t.skip('amtool not installed');
  const r = spawnSync('amtool', ['check-config', join(ROOT, configMount.host)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('Grafana mounts its provisioning and the dashboards where the provisioning file loads them from', () => {
  const grafana = compose.services['grafana']!;
  assert.equal(mountAt(grafana, '/etc/grafana/provisioning')?.host, './grafana/provisioning');
  const providers = (yamlFile('grafana', 'provisioning', 'dashboards', 'riskstream.yml') as { providers: Array<{ options: { path: string } }> }).providers;
  for (const p of providers) {
    const m = mountAt(grafana, p.options.path);
    assert.ok(m, `a volume is mounted at ${p.options.path}`);
    assert.equal(m.host, './grafana/dashboards');
    assert.ok(readdirSync(join(ROOT, m.host)).some((f) => f.endsWith('.json')), 'there are dashboards to load');
  }
});

test("Grafana's webhook contact point reaches the alert receiver, signed with the secret the receiver accepts", () => {
  const grafanaEnv = environmentOf(compose.services['grafana']!);
  const text = readFileSync(join(ROOT, 'grafana', 'provisioning', 'alerting', 'riskstream-notifications.yml'), 'utf8');
  // Grafana expands $VAR / ${VAR} in provisioning files: every variable used must be set.
  const used = [...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
  assert.ok(used.length > 0);
  for (const v of used) assert.ok(grafanaEnv[v], `grafana sets ${v}`);
  const doc = parse(text) as { contactPoints: Array<{ receivers: Array<{ settings: { url: string; hmacConfig: { secret: string } } }> }> };
  const settings = doc.contactPoints[0]!.receivers[0]!.settings;
  const url = new URL(interpolate(settings.url, grafanaEnv));
  const receiver = SERVICES.find((s) => s.name === 'alert-receiver')!;
  assert.equal(url.hostname, receiver.name);
  assert.equal(Number(url.port), receiver.basePort);
  assert.equal(url.pathname, '/alerts/grafana');
  const secret = interpolate(settings.hmacConfig.secret, grafanaEnv);
  const accepted = environmentOf(compose.services['alert-receiver']!)['GRAFANA_WEBHOOK_HMAC_SECRETS']!.split(',').map((e) => e.slice(e.indexOf(':') + 1));
  assert.ok(accepted.includes(secret), 'GRAFANA_WEBHOOK_HMAC_SECRETS carries the secret Grafana signs with');
});

test('webhook secrets come from the environment: compose refuses to run without them and commits no value', () => {
  const secretVariables = ['ALERTMANAGER_BEARER_TOKENS', 'GRAFANA_WEBHOOK_HMAC_SECRETS'];
  const receiver = compose.services['alert-receiver']!;
  for (const v of secretVariables) assert.match(receiver.environment![v]!, /^[\w.-]+:\$\{\w+:\?[^}]+\}$/, `${v} is <id>:\${VAR:?...}`);
  assert.match(compose.services['grafana']!.environment!['GRAFANA_WEBHOOK_HMAC_SECRET']!, /^\$\{\w+:\?[^}]+\}$/);
  assert.throws(() => environmentOf(receiver, {}), /ALERTMANAGER_WEBHOOK_TOKEN|GRAFANA_WEBHOOK_HMAC_SECRET/);
  assert.throws(() => environmentOf(compose.services['grafana']!, {}), /GRAFANA_WEBHOOK_HMAC_SECRET/);
});

test('the 3-node override: kafka, kafka-2 and kafka-3 from one image, each on the host port the local stack gives that node', () => {
  const nodes = kafkaNodes('127.0.0.1', Number(defaults.kafkaBrokers[0]!.split(':')[1]), defaults.kafkaControllerPort, 3);
  const s = clusterCompose.services;
  for (const node of nodes) {
    const svc = s[node.name];
    assert.ok(svc, `${node.name} is a compose service`);
    assert.equal(svc.image, s['kafka']!.image);
    assert.deepEqual(hostPorts(svc), [node.brokerPort], `${node.name} host port`);
    const env = environmentOf(svc);
    assert.equal(env['KAFKA_NODE_ID'], String(node.id));
    assert.match(env['KAFKA_ADVERTISED_LISTENERS']!, new RegExp(`PLAINTEXT://127\\.0\\.0\\.1:${node.brokerPort},INTERNAL://${node.name}:29092`));
    assert.doesNotMatch(env['KAFKA_LISTENERS']!, /:9093\b/, '9093 is Alertmanager');
    assert.ok(svc.healthcheck?.test.some((a) => a.includes(`127.0.0.1:${node.brokerPort}`)), `${node.name} healthcheck probes its own listener`);
  }
  const voters = nodes.map((n) => environmentOf(s[n.name]!)['KAFKA_CONTROLLER_QUORUM_VOTERS']);
  assert.deepEqual(voters, Array(3).fill('1@kafka:9094,2@kafka-2:9094,3@kafka-3:9094'), 'one static quorum');
  const ids = new Set(nodes.map((n) => environmentOf(s[n.name]!)['CLUSTER_ID']));
  assert.equal(ids.size, 1, 'every node formats with the same cluster id');
  assert.match([...ids][0]!, /^[A-Za-z0-9_-]{22}$/, "a Kafka Uuid (16 bytes, base64url)");
  // Without the override, compose is the single node it always was.
  assert.equal(compose.services['kafka-2'], undefined);
  assert.equal(environmentOf(compose.services['kafka']!)['KAFKA_CONTROLLER_QUORUM_VOTERS'], '1@kafka:9094');
});

test('the 3-node override replicates as `stack up --brokers 3` does: every node carries the same settings the local stack writes', () => {
  const nodes = kafkaNodes('127.0.0.1', 9092, 9094, 3);
  const local = new Map(
    renderServerProperties({ node: nodes[0]!, cluster: nodes, logDir: '/d' })
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
  const shared = [
    'default.replication.factor',
    'min.insync.replicas',
    'offsets.topic.replication.factor',
    'transaction.state.log.replication.factor',
    'transaction.state.log.min.isr',
    'unclean.leader.election.enable',
    'auto.create.topics.enable',
    'group.initial.rebalance.delay.ms',
    'process.roles',
  ];
  for (const name of ['kafka', 'kafka-2', 'kafka-3']) {
    const env = environmentOf(clusterCompose.services[name]!);
    for (const prop of shared) {
      const variable = `KAFKA_${prop.toUpperCase().replaceAll('.', '_')}`;
      assert.equal(env[variable], local.get(prop), `${name} ${variable} = ${prop} of the local stack`);
    }
  }
  assert.equal(local.get('default.replication.factor'), '3');
  assert.equal(local.get('min.insync.replicas'), '2');
});

test('with the 3-node override every riskstream process bootstraps from all nodes, creates RF 3 / min ISR 2 topics, and its environment passes its schema', () => {
  const s = clusterCompose.services;
  // Node 1 reports healthy only once all three are registered: processes waiting for it never create a
  // topic the cluster cannot place.
  assert.ok(s['kafka']!.healthcheck!.test.some((a) => /grep -c '\(id: '.*-ge 3/.test(a)), 'kafka waits for three registered brokers');
  for (const [name, svc] of Object.entries(s)) {
    assert.ok(svc.healthcheck?.test, `${name} has a healthcheck`);
    for (const dep of Object.keys(svc.depends_on ?? {})) assert.ok(s[dep], `${name} depends on declared ${dep}`);
  }
  for (const name of Object.keys(clusterOverride.services)) assert.ok(compose.services[name] || /^kafka-\d$/.test(name), `the override only adds Kafka nodes (${name})`);
  for (const spec of SERVICES) {
    const base = environmentOf(compose.services[spec.name]!);
    if (!('KAFKA_BROKERS' in base)) continue;
    const env = environmentOf(s[spec.name]!);
    assert.deepEqual(env['KAFKA_BROKERS']!.split(','), ['kafka:29092', 'kafka-2:29092', 'kafka-3:29092'], spec.name);
    assert.equal(env['TOPIC_REPLICATION_FACTOR'], '3', spec.name);
    assert.equal(env['TOPIC_MIN_INSYNC_REPLICAS'], '2', spec.name);
    const config = CONFIGS[spec.name]!;
    assert.doesNotThrow(
      () => loadConfig(config.schema, env, (c) => [...checkConnectionConfig(c as never), ...(config.check?.(c as never) ?? [])]),
      `${spec.name}: the cluster environment fails loadConfig`,
    );
  }
  assert.match(readFileSync(join(ROOT, 'docker-compose.cluster.yml'), 'utf8'), /^#.*docker compose .*-f docker-compose\.yml -f docker-compose\.cluster\.yml up -d/m);
});
