import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { alertReceiversSchema } from '../../cli/src/stack/alert-receivers.ts';
import { ASSETS_DIR } from '../../cli/src/stack/components.ts';
import { GRAFANA_ALERT_RULES, loadDashboards, ROOT } from './dashboard-queries.ts';

/**
 * Grafana cannot run here, so the opt-in notification file for a Grafana that notifies people
 * (grafana/people-notifications/riskstream-notifications.yml) is checked as data: every route names a
 * contact point that exists, each severity reaches the channels Alertmanager's routing gives it, every
 * secret is an environment reference, and the message templates exist and parse.
 */

const PEOPLE_FILE = join(ROOT, 'grafana', 'people-notifications', 'riskstream-notifications.yml');
const DEFAULT_FILE = join(ROOT, 'grafana', 'provisioning', 'alerting', 'riskstream-notifications.yml');

interface Integration {
  uid: string;
  type: string;
  settings: Record<string, unknown>;
}
interface ContactPoint {
  name: string;
  receivers: Integration[];
}
interface Policy {
  receiver: string;
  continue?: boolean;
  object_matchers?: string[][];
  routes?: Policy[];
}
interface NotificationFile {
  apiVersion: number;
  templates?: { name: string; template: string }[];
  contactPoints: ContactPoint[];
  policies: Policy[];
}

const people = parse(readFileSync(PEOPLE_FILE, 'utf8')) as NotificationFile;
const defaults = parse(readFileSync(DEFAULT_FILE, 'utf8')) as NotificationFile;
const CHANNEL_OF_TYPE: Record<string, string> = { slack: 'slack', pagerduty: 'pagerduty', email: 'email', webhook: 'webhook' };

function receiversOf(policies: readonly Policy[]): string[] {
  return policies.flatMap((p) => [p.receiver, ...receiversOf(p.routes ?? [])]);
}

test('every policy, in the default and the people file, routes to a contact point the same file provisions', () => {
  for (const [file, doc] of [['default', defaults], ['people', people]] as const) {
    assert.equal(doc.apiVersion, 1, file);
    const names = doc.contactPoints.map((c) => c.name);
    assert.equal(new Set(names).size, names.length, `${file}: contact point names are unique`);
    for (const r of receiversOf(doc.policies)) assert.ok(names.includes(r), `${file}: policy receiver ${r} is provisioned`);
  }
  const uids = people.contactPoints.flatMap((c) => c.receivers.map((r) => r.uid));
  assert.equal(new Set(uids).size, uids.length, 'integration uids are unique');
  for (const u of uids) assert.match(u, /^[a-zA-Z0-9_-]{1,40}$/);
});

test('the alert receiver gets every alert first, then the people of its severity, as Alertmanager routes them', () => {
  const root = people.policies[0]!;
  assert.equal(people.policies.length, 1, 'one policy tree per organisation');
  assert.deepEqual(root.routes![0], { receiver: 'riskstream-alert-receiver', continue: true });
  assert.deepEqual(
    people.contactPoints.find((c) => c.name === 'riskstream-alert-receiver'),
    defaults.contactPoints.find((c) => c.name === 'riskstream-alert-receiver'),
    'the same alert receiver contact point as the default file',
  );
  const mapping = (parse(readFileSync(join(ASSETS_DIR, 'prometheus', 'alert-routing.yml'), 'utf8')) as { severities: Record<string, string[]> }).severities;
  const routed: Record<string, string[]> = {};
  for (const route of root.routes!.slice(1)) {
    const [label, op, severity] = route.object_matchers![0]!;
    assert.deepEqual([label, op], ['severity', '=']);
    const cp = people.contactPoints.find((c) => c.name === route.receiver)!;
    routed[severity!] = cp.receivers.map((r) => CHANNEL_OF_TYPE[r.type]!).sort();
  }
  const expected = Object.fromEntries(Object.entries(mapping).filter(([, c]) => c.length > 0).map(([s, c]) => [s, [...c].sort()]));
  assert.deepEqual(routed, expected);
});

test('the four channels are provisioned, each secret as an environment reference the stack uses too', () => {
  const envNames = new Set(Object.values(alertReceiversSchema).map((f) => f.env));
  const byType = new Map(people.contactPoints.flatMap((c) => c.receivers).map((r) => [r.type, r.settings]));
  assert.deepEqual([...byType.keys()].sort(), ['email', 'pagerduty', 'slack', 'webhook']);
  const secrets: [string, string][] = [
    ['slack', 'url'],
    ['pagerduty', 'integrationKey'],
    ['webhook', 'url'],
    ['webhook', 'authorization_credentials'],
    ['email', 'addresses'],
  ];
  for (const [type, key] of secrets) {
    const value = String(byType.get(type)![key]);
    const m = /^\$\{([A-Z_]+)\}$/.exec(value);
    assert.ok(m, `${type}.${key} is \${VAR}, got ${value}`);
    assert.ok(envNames.has(m[1]!), `${type}.${key}: ${m[1]} is one of the stack's ALERT_* variables`);
  }
  assert.equal(byType.get('pagerduty')!['severity'], 'critical');
});

test('no literal secret in the people file: every $ is an environment reference', () => {
  const text = readFileSync(PEOPLE_FILE, 'utf8');
  for (const m of text.matchAll(/\$[^{]|\$\{[^}]*\}/g)) assert.match(m[0], /^\$\{[A-Z_]+\}$/, `unexpected ${m[0]}`);
  for (const m of text.matchAll(/(url|integrationKey|authorization_credentials|password|secret):\s*(\S+)/g)) {
    assert.match(m[2]!, /^(\$\{[A-Z_]+\}|http:\/\/\$\{ALERT_RECEIVER_HOST\}:\d+\/alerts\/grafana)$/, `${m[1]}: ${m[2]}`);
  }
});

test('the message templates define every template the contact points use, and contain no $ for provisioning to expand', () => {
  const tmpl = people.templates!.map((t) => t.template).join('\n');
  assert.doesNotMatch(tmpl, /\$/);
  const defined = new Set([...tmpl.matchAll(/define "([^"]+)"/g)].map((m) => m[1]));
  const used = new Set([...JSON.stringify(people.contactPoints).matchAll(/template \\"([^"\\]+)\\"/g)].map((m) => m[1]));
  assert.ok(used.size >= 2, [...used].join(', '));
  for (const u of used) assert.ok(defined.has(u), `template ${u} is defined`);
  for (const part of ['.Annotations.summary', '.Labels.model_version', '.PanelURL', '.Annotations.runbook_url']) assert.ok(tmpl.includes(part), part);
});

test('the Grafana templates parse (amtool check-config loads them with Alertmanager\'s template functions)', { skip: spawnSync('sh', ['-c', 'command -v amtool']).status !== 0 && 'amtool not installed' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-grafana-tmpl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'grafana.tmpl'), people.templates!.map((x) => x.template).join('\n'));
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: x\nreceivers:\n  - name: x\ntemplates:\n  - grafana.tmpl\n');
  const r = spawnSync('amtool', ['check-config', join(dir, 'am.yml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('rules with drifted-features evidence link the drift dashboard\'s "Drifted features" panel', () => {
  const rules = (parse(readFileSync(GRAFANA_ALERT_RULES, 'utf8')) as { groups: { rules: { title: string; dashboardUid?: string; panelId?: number }[] }[] }).groups.flatMap((g) => g.rules);
  const linked = rules.filter((r) => r.dashboardUid !== undefined);
  assert.ok(linked.some((r) => r.title === 'FeatureDriftShareHigh'), linked.map((r) => r.title).join(', '));
  const prom = readFileSync(join(ASSETS_DIR, 'prometheus', 'rules', 'riskstream.rules.yml'), 'utf8');
  const withEvidence = (parse(prom) as { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] }).groups
    .flatMap((g) => g.rules)
    .filter((r) => r.annotations?.['drifted_features'] !== undefined)
    .map((r) => r.alert);
  assert.deepEqual(linked.map((r) => r.title).sort(), withEvidence.sort(), 'the same alerts as carry the evidence in Prometheus');
  const dashboards = new Map(loadDashboards().map((d) => [d.dashboard.uid, d.dashboard]));
  for (const r of linked) {
    const panel = (dashboards.get(r.dashboardUid!)?.panels as { id: number; title: string }[] | undefined)?.find((p) => p.id === r.panelId);
    assert.equal(panel?.title, 'Drifted features', r.title);
  }
});
