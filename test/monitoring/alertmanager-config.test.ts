import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '@riskstream/shared';
import { peopleReceivers, RECEIVER_SECRET_FILES } from '../../cli/src/stack/alert-receivers.ts';
import { NOTIFICATIONS_TEMPLATE } from '../../cli/src/stack/alertmanager-routing.ts';
import type { ArtifactCache } from '../../cli/src/stack/artifact-cache.ts';
import { ASSETS_DIR, type PrepareContext } from '../../cli/src/stack/components.ts';
import { alertmanagerComponent, renderAlertmanagerConfig } from '../../cli/src/stack/prometheus.ts';
import { loadStackConfig } from '../../cli/src/stack/stack-config.ts';
import { StackDir } from '../../cli/src/stack/stack-dir.ts';
import type { SystemPackages } from '../../cli/src/stack/system-packages.ts';

const template = readFileSync(join(ASSETS_DIR, 'prometheus', 'alertmanager.yml'), 'utf8');
const rendered = renderAlertmanagerConfig(template, 'http://127.0.0.1:8090/alerts/alertmanager');

interface AlertmanagerConfig {
  route: { receiver: string; group_by: string[]; repeat_interval: string };
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: {
    name: string;
    webhook_configs: { url: string; send_resolved: boolean; http_config: { authorization: { type: string; credentials?: string; credentials_file?: string } } }[];
  }[];
}

const config = parse(rendered) as AlertmanagerConfig;

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

test('Alertmanager posts to the receiver with a bearer token read from a file, never written into the config', () => {
  const hook = config.receivers.find((r) => r.name === config.route.receiver)!.webhook_configs[0]!;
  assert.equal(hook.url, 'http://127.0.0.1:8090/alerts/alertmanager');
  assert.equal(hook.send_resolved, true);
  assert.equal(hook.http_config.authorization.type, 'Bearer');
  assert.equal(hook.http_config.authorization.credentials, undefined);
  // Rendered to <stack dir>/alertmanager/alertmanager.yml; relative paths resolve against that directory.
  const stackDir = '/stack';
  assert.equal(resolve(join(stackDir, 'alertmanager'), hook.http_config.authorization.credentials_file!), join(stackDir, 'secrets', 'alertmanager-webhook-token'));
});

test('a new firing episode is never held back by a notification record older than a minute', () => {
  // Alertmanager keeps its notification log across restarts; an alert still "firing" there when the stack
  // stopped suppresses the same labels firing again for repeat_interval (regression: 4h hid the closed-loop
  // test's drift alert behind a demo run's). The receiver dedups repeats itself.
  const m = /^(\d+)(s|m|h)$/.exec(config.route.repeat_interval);
  assert.ok(m, config.route.repeat_interval);
  assert.ok(Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'] <= 60, `repeat_interval ${config.route.repeat_interval}`);
});

test('a rollback alert inhibits retrain alerts of the same model version', () => {
  assert.deepEqual(config.inhibit_rules, [{ source_matchers: ['action="rollback"'], target_matchers: ['action="retrain"'], equal: ['model_version'] }]);
  assert.deepEqual(config.route.group_by, ['alertname', 'model_version']);
});

test('amtool check-config accepts the rendered config', { skip: !hasTool('amtool') && 'amtool not installed (Debian prometheus-alertmanager)' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-am-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'alertmanager'));
  writeFileSync(join(dir, 'alertmanager', 'alertmanager.yml'), rendered);
  const r = spawnSync('amtool', ['check-config', join(dir, 'alertmanager', 'alertmanager.yml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

// --- the receivers that reach people (Slack, PagerDuty, e-mail, generic webhook) ------------------------

const ALL_ENV = {
  ALERT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/slack-secret',
  ALERT_PAGERDUTY_ROUTING_KEY: 'pagerduty-secret-key',
  ALERT_EMAIL_TO: 'oncall@example.com',
  ALERT_EMAIL_FROM: 'alertmanager@example.com',
  ALERT_EMAIL_SMARTHOST: 'smtp.example.com:587',
  ALERT_EMAIL_AUTH_USERNAME: 'alerts',
  ALERT_EMAIL_AUTH_PASSWORD: 'smtp-secret-password',
  ALERT_GENERIC_WEBHOOK_URL: 'https://hooks.example.com/riskstream',
  ALERT_GENERIC_WEBHOOK_BEARER_TOKEN: 'webhook-secret-token',
};
const SECRET_VALUES = ['slack-secret', 'pagerduty-secret-key', 'smtp-secret-password', 'webhook-secret-token'];

interface Route {
  receiver: string;
  continue?: boolean;
  matchers?: string[];
}
type Receiver = { name: string } & Record<string, unknown[] | string>;

function renderWith(env: Record<string, string>): { text: string; routes: Route[]; receivers: Receiver[] } {
  const text = renderAlertmanagerConfig(template, 'http://127.0.0.1:8090/alerts/alertmanager', peopleReceivers(loadStackConfig(env)));
  const doc = parse(text) as { route: { routes?: Route[] }; receivers: Receiver[] };
  return { text, routes: doc.route.routes ?? [], receivers: doc.receivers };
}

function channelsOf(r: Receiver | undefined): string[] {
  return Object.keys(r ?? {}).filter((k) => k.endsWith('_configs')).map((k) => k.replace('_configs', '')).sort();
}

test('with no receiver variables set, Alertmanager only posts to the alert receiver', () => {
  const { routes, receivers, text } = renderWith({});
  assert.deepEqual(routes, []);
  assert.deepEqual(receivers.map((r) => r.name), ['riskstream-webhook']);
  assert.doesNotMatch(text, /templates:/);
});

test('routing by severity: critical pages (PagerDuty, Slack, e-mail), warning goes to Slack and e-mail, the generic webhook gets all', () => {
  const { routes, receivers } = renderWith(ALL_ENV);
  assert.deepEqual(routes[0], { receiver: 'riskstream-webhook', continue: true }, 'the alert receiver first, for every alert');
  const bySeverity = Object.fromEntries(routes.slice(1).map((r) => [r.matchers![0], channelsOf(receivers.find((x) => x.name === r.receiver))]));
  assert.deepEqual(bySeverity, {
    'severity="critical"': ['email', 'pagerduty', 'slack', 'webhook'],
    'severity="warning"': ['email', 'slack', 'webhook'],
    'severity="info"': ['webhook'],
  });
});

test('the rendered routes follow the generated severity mapping (monitoring/notification-routing.ts)', () => {
  const mapping = (parse(readFileSync(join(ASSETS_DIR, 'prometheus', 'alert-routing.yml'), 'utf8')) as { severities: Record<string, string[]> }).severities;
  const { routes, receivers } = renderWith(ALL_ENV);
  for (const [severity, channels] of Object.entries(mapping)) {
    const route = routes.find((r) => r.matchers?.[0] === `severity="${severity}"`);
    assert.deepEqual(channelsOf(receivers.find((x) => x.name === route?.receiver)), [...channels].sort(), severity);
  }
  const ruleSeverities = new Set([...readFileSync(join(ASSETS_DIR, 'prometheus', 'rules', 'riskstream.rules.yml'), 'utf8').matchAll(/severity: (\w+)/g)].map((m) => m[1]!));
  for (const s of ruleSeverities) assert.ok(s in mapping, `severity ${s} of the rules has a routing entry`);
});

test('a severity whose channels are all disabled gets no route: Slack alone serves critical and warning', () => {
  const { routes, receivers } = renderWith({ ALERT_SLACK_WEBHOOK_URL: ALL_ENV.ALERT_SLACK_WEBHOOK_URL });
  assert.deepEqual(routes.map((r) => r.matchers?.[0] ?? r.receiver), ['riskstream-webhook', 'severity="critical"', 'severity="warning"']);
  for (const r of receivers.filter((x) => x.name !== 'riskstream-webhook')) assert.deepEqual(channelsOf(r), ['slack']);
});

test('secrets are referenced as files under <stack dir>/secrets, never written into the config', () => {
  const { text, receivers } = renderWith(ALL_ENV);
  for (const s of SECRET_VALUES) assert.ok(!text.includes(s), `config contains ${s}`);
  const critical = receivers.find((r) => r.name === 'people-critical') as unknown as {
    slack_configs: { api_url_file: string }[];
    pagerduty_configs: { routing_key_file: string; url: string }[];
    email_configs: { auth_password_file: string; require_tls: boolean }[];
    webhook_configs: { http_config: { authorization: { credentials_file: string } } }[];
  };
  const inSecrets = (p: string) => resolve('/stack/alertmanager', p).startsWith('/stack/secrets/');
  assert.ok(inSecrets(critical.slack_configs[0]!.api_url_file));
  assert.ok(inSecrets(critical.pagerduty_configs[0]!.routing_key_file));
  assert.equal(critical.pagerduty_configs[0]!.url, 'https://events.pagerduty.com/v2/enqueue');
  assert.ok(inSecrets(critical.email_configs[0]!.auth_password_file));
  assert.equal(critical.email_configs[0]!.require_tls, true, 'STARTTLS required unless turned off');
  assert.ok(inSecrets(critical.webhook_configs[0]!.http_config.authorization.credentials_file));
});

test('Alertmanager routes a retrain alert of every severity to the alert receiver too (amtool config routes test)', { skip: !hasTool('amtool') && 'amtool not installed (Debian prometheus-alertmanager)' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-am-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'alertmanager.yml'), renderWith(ALL_ENV).text);
  const route = (labels: string[]) => spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${join(dir, 'alertmanager.yml')}`, ...labels], { encoding: 'utf8' }).stdout.trim();
  assert.equal(route(['alertname=RealisedPerformanceDrop', 'severity=critical', 'action=retrain', 'model_version=3']), 'riskstream-webhook,people-critical');
  assert.equal(route(['alertname=FeatureDriftShareHigh', 'severity=warning', 'action=retrain', 'model_version=3']), 'riskstream-webhook,people-warning');
  assert.equal(route(['alertname=FeaturePsiHigh', 'severity=info', 'action=none']), 'riskstream-webhook,people-info');
  assert.equal(route(['alertname=Unlabelled']), 'riskstream-webhook');
});

test('receiver settings: every problem at once, and a secret is never quoted', () => {
  assert.throws(
    () =>
      loadStackConfig({
        ALERT_SLACK_WEBHOOK_URL: 'not a url slack-secret',
        ALERT_EMAIL_TO: 'oncall@example.com',
        ALERT_EMAIL_SMARTHOST: 'smtp.example.com',
        ALERT_EMAIL_AUTH_PASSWORD: 'smtp-secret-password',
        ALERT_GENERIC_WEBHOOK_URL: 'https://user:pw@hooks.example.com/x',
      }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues.map((i) => i.field).sort(), [
        'ALERT_EMAIL_AUTH_USERNAME',
        'ALERT_EMAIL_FROM',
        'ALERT_EMAIL_SMARTHOST',
        'ALERT_GENERIC_WEBHOOK_URL',
        'ALERT_SLACK_WEBHOOK_URL',
      ]);
      for (const s of SECRET_VALUES) assert.ok(!e.message.includes(s), e.message);
      return true;
    },
  );
});

test('a secret may come from <VAR>_FILE', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-am-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'key'), 'pagerduty-secret-key\n');
  assert.equal(loadStackConfig({ ALERT_PAGERDUTY_ROUTING_KEY_FILE: join(dir, 'key') }).alertPagerdutyRoutingKey, 'pagerduty-secret-key');
});

function prepareContext(stackDir: string, env: Record<string, string>): PrepareContext {
  const config = loadStackConfig({ ...env, RISKSTREAM_STACK_DIR: stackDir, ALERTMANAGER_URL: 'http://127.0.0.1:19093' });
  return {
    config,
    dir: new StackDir(stackDir),
    cache: {} as ArtifactCache,
    systemPackages: { ensure: async () => undefined } as unknown as SystemPackages,
    logFile: join(stackDir, 'am.log'),
    progress: () => undefined,
  };
}

test('stack up writes each secret 0600 under secrets/, the message template beside the config, and removes a disabled receiver\'s secret', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'riskstream-stack-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const component = alertmanagerComponent(loadStackConfig({}));
  await component.prepare(prepareContext(root, { ...ALL_ENV, ALERT_RUNBOOK_BASE_URL: 'https://git.example.com/rs/blob/main/' }));
  const names = Object.values(RECEIVER_SECRET_FILES);
  for (const n of names) assert.equal(statSync(join(root, 'secrets', n)).mode & 0o777, 0o600, n);
  assert.equal(readFileSync(join(root, 'secrets', RECEIVER_SECRET_FILES.emailAuthPassword), 'utf8'), 'smtp-secret-password');
  const config = readFileSync(join(root, 'alertmanager', 'alertmanager.yml'), 'utf8');
  for (const s of SECRET_VALUES) assert.ok(!config.includes(s), `config contains ${s}`);
  const tmpl = readFileSync(join(root, 'alertmanager', NOTIFICATIONS_TEMPLATE), 'utf8');
  assert.match(tmpl, /\{\{ else \}\}https:\/\/git\.example\.com\/rs\/blob\/main\/\{\{ \. \}\}/);
  if (hasTool('amtool')) {
    const r = spawnSync('amtool', ['check-config', join(root, 'alertmanager', 'alertmanager.yml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }

  await component.prepare(prepareContext(root, { ALERT_SLACK_WEBHOOK_URL: ALL_ENV.ALERT_SLACK_WEBHOOK_URL }));
  assert.deepEqual(readdirSync(join(root, 'secrets')).filter((f) => names.includes(f as (typeof names)[number])), [RECEIVER_SECRET_FILES.slackWebhookUrl]);
});
