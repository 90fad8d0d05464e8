import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { StackError } from '@riskstream/shared';
import { ASSETS_DIR, endpointOfUrl, renderTemplate, type Component, type Endpoint, type PrepareContext } from './components.ts';
import { peopleReceivers, writeReceiverSecrets, NO_PEOPLE_RECEIVERS, type PeopleReceivers } from './alert-receivers.ts';
import { addPeopleRouting, loadSeverityRouting, NOTIFICATIONS_TEMPLATE, type PeopleRouteTiming } from './alertmanager-routing.ts';
import { devSecret, devSecretsDir } from './dev-secrets.ts';
import { probeHttp } from './http-probe.ts';
import type { LaunchSpec } from './process-supervisor.ts';
import type { StackConfig } from './stack-config.ts';
import type { StackDir } from './stack-dir.ts';

/**
 * Prometheus and Alertmanager from the Debian packages, run as our own processes with our own configs (the
 * packages' systemd services are never used). Both configs are rendered from templates in
 * cli/stack/prometheus/ and hot-reloaded when they change, so editing a template needs no restart.
 */

const PROMETHEUS_BIN = '/usr/bin/prometheus';
const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

function address(e: Endpoint): string {
  return `${e.host}:${e.port}`;
}

export interface PrometheusConfigValues {
  readonly prometheus: Endpoint;
  readonly alertmanager: Endpoint;
  readonly rulesDir: string;
  readonly targetsDir: string;
}

export function renderPrometheusConfig(template: string, v: PrometheusConfigValues): string {
  return renderTemplate('prometheus', template, {
    PROMETHEUS_ADDRESS: address(v.prometheus),
    ALERTMANAGER_ADDRESS: address(v.alertmanager),
    RULES_DIR: v.rulesDir,
    TARGETS_DIR: v.targetsDir,
  });
}

/**
 * The alert receiver's route (every alert) plus, for the channels `receivers` enables, the routes and
 * receivers that reach people (alertmanager-routing.ts); no secret value is ever part of the text.
 */
export function renderAlertmanagerConfig(
  template: string,
  webhookUrl: string,
  receivers: PeopleReceivers = NO_PEOPLE_RECEIVERS,
  /** Overrides of the generated people-route timing (tests that wait for a resolve). */
  timing: Partial<PeopleRouteTiming> = {},
): string {
  const base = renderTemplate('alertmanager', template, { WEBHOOK_URL: webhookUrl });
  return addPeopleRouting(base, receivers, loadSeverityRouting(), timing);
}

/** The message templates, with the prefix that turns a runbook path into a link. */
export function renderNotificationTemplate(template: string, receivers: PeopleReceivers): string {
  return renderTemplate('alertmanager', template, { RUNBOOK_PREFIX: receivers.runbookPrefix });
}

/** File-based service discovery: one JSON file per running riskstream process (see services up). */
export function scrapeTargetsDir(dir: StackDir): string {
  return join(dir.componentDir('prometheus'), 'targets');
}

interface Rendered {
  readonly path: string;
  readonly text: string;
}

function prometheusFiles(ctx: PrepareContext): Rendered & { rulesDir: string; dataDir: string } {
  const dir = ctx.dir.componentDir('prometheus');
  const rulesDir = join(dir, 'rules');
  const targetsDir = scrapeTargetsDir(ctx.dir);
  mkdirSync(rulesDir, { recursive: true });
  mkdirSync(targetsDir, { recursive: true });
  const text = renderPrometheusConfig(readFileSync(join(ASSETS_DIR, 'prometheus', 'prometheus.yml'), 'utf8'), {
    prometheus: endpointOfUrl(ctx.config.prometheusUrl),
    alertmanager: endpointOfUrl(ctx.config.alertmanagerUrl),
    rulesDir,
    targetsDir,
  });
  return { path: join(dir, 'prometheus.yml'), text, rulesDir, dataDir: join(dir, 'data') };
}

function alertmanagerFiles(ctx: PrepareContext): Rendered & { dataDir: string; notifications: Rendered } {
  const dir = ctx.dir.componentDir('alertmanager');
  // The template's credentials_file (../secrets/alertmanager-webhook-token) must exist before a send.
  devSecret(ctx.dir, 'alertmanagerWebhookToken');
  // So must the people receivers' *_file secrets; a disabled receiver's file is removed.
  writeReceiverSecrets(devSecretsDir(ctx.dir), ctx.config);
  const receivers = peopleReceivers(ctx.config);
  const text = renderAlertmanagerConfig(
    readFileSync(join(ASSETS_DIR, 'prometheus', 'alertmanager.yml'), 'utf8'),
    ctx.config.alertWebhookUrl,
    receivers,
  );
  const notifications = {
    path: join(dir, NOTIFICATIONS_TEMPLATE),
    text: renderNotificationTemplate(readFileSync(join(ASSETS_DIR, 'prometheus', NOTIFICATIONS_TEMPLATE), 'utf8'), receivers),
  };
  return { path: join(dir, 'alertmanager.yml'), text, dataDir: join(dir, 'data'), notifications };
}

/**
 * The alert and recording rules (generated from monitoring/ into cli/stack/prometheus/rules/) copied into
 * the stack's rules dir; a rule file no longer in the source is removed so a renamed alert cannot linger.
 */
function syncRuleFiles(rulesDir: string): boolean {
  const src = join(ASSETS_DIR, 'prometheus', 'rules');
  const names = readdirSync(src).filter((f) => f.endsWith('.yml'));
  let changed = false;
  for (const f of names) changed = writeIfChanged({ path: join(rulesDir, f), text: readFileSync(join(src, f), 'utf8') }) || changed;
  for (const f of readdirSync(rulesDir)) {
    if (f.endsWith('.yml') && !names.includes(f)) {
      rmSync(join(rulesDir, f));
      changed = true;
    }
  }
  return changed;
}

/** Writes the file when its content changed; true when it did. */
function writeIfChanged(file: Rendered): boolean {
  if (existsSync(file.path) && readFileSync(file.path, 'utf8') === file.text) return false;
  writeFileSync(file.path, file.text);
  return true;
}

export function prometheusComponent(config: StackConfig): Component {
  const endpoint = endpointOfUrl(config.prometheusUrl);
  return {
    name: 'prometheus',
    kind: 'prometheus',
    description: 'Prometheus (metrics, alert rules)',
    endpoint,
    url: config.prometheusUrl,
    configEnv: 'PROMETHEUS_URL',
    stopGraceMs: 15_000,
    probe: () => probeHttp(`${config.prometheusUrl}/-/ready`),
    async prepare(ctx): Promise<LaunchSpec> {
      await ctx.systemPackages.ensure(ctx.progress);
      const files = prometheusFiles(ctx);
      writeIfChanged(files);
      syncRuleFiles(files.rulesDir);
      return {
        command: PROMETHEUS_BIN,
        args: [
          `--config.file=${files.path}`,
          `--storage.tsdb.path=${files.dataDir}`,
          `--web.listen-address=127.0.0.1:${endpoint.port}`,
          // /-/reload, so a changed config or rule file is picked up without a restart.
          '--web.enable-lifecycle',
        ],
        cwd: ctx.dir.componentDir('prometheus'),
      };
    },
    async refresh(ctx) {
      const files = prometheusFiles(ctx);
      // Both run: a changed config and changed rules are one reload.
      const configChanged = writeIfChanged(files);
      const rulesChanged = syncRuleFiles(files.rulesDir);
      if (!configChanged && !rulesChanged) return undefined;
      await postReload('prometheus', config.prometheusUrl);
      return 'config changed, reloaded';
    },
  };
}

export function alertmanagerComponent(config: StackConfig): Component {
  const endpoint = endpointOfUrl(config.alertmanagerUrl);
  return {
    name: 'alertmanager',
    kind: 'alertmanager',
    description: 'Alertmanager (routes alerts to the riskstream webhook and, when configured, Slack, PagerDuty, e-mail, a webhook)',
    endpoint,
    url: config.alertmanagerUrl,
    configEnv: 'ALERTMANAGER_URL',
    stopGraceMs: 10_000,
    probe: () => probeHttp(`${config.alertmanagerUrl}/-/ready`),
    async prepare(ctx): Promise<LaunchSpec> {
      await ctx.systemPackages.ensure(ctx.progress);
      const files = alertmanagerFiles(ctx);
      writeIfChanged(files.notifications);
      writeIfChanged(files);
      return {
        command: ALERTMANAGER_BIN,
        args: [
          `--config.file=${files.path}`,
          `--storage.path=${files.dataDir}`,
          `--web.listen-address=127.0.0.1:${endpoint.port}`,
          // Empty disables the gossip cluster: one instance, and no second port to collide with.
          '--cluster.listen-address=',
        ],
        cwd: ctx.dir.componentDir('alertmanager'),
      };
    },
    async refresh(ctx) {
      const files = alertmanagerFiles(ctx);
      // Both run: a changed config and a changed template are one reload.
      const templateChanged = writeIfChanged(files.notifications);
      if (!writeIfChanged(files) && !templateChanged) return undefined;
      await postReload('alertmanager', config.alertmanagerUrl);
      return 'config changed, reloaded';
    },
  };
}

/** POST /-/reload; a rejected config surfaces here rather than as a silent keep-the-old-one. */
function postReload(component: string, baseUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/-/reload`, { method: 'POST', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new StackError(component, `config reload rejected (${res.statusCode}): ${body.trim()}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (err) => reject(new StackError(component, `config reload failed: ${err.message}`, err)));
    req.end();
  });
}
