import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  allQueries,
  DATASOURCE_UID,
  flattenPanels,
  GRAFANA_ALERT_RULES,
  loadDashboards,
  prometheusRules,
  ROOT,
  staleExemptions,
  substitute,
  variableValues,
  type Dashboard,
} from './dashboard-queries.ts';

const PROVISIONING = join(ROOT, 'grafana', 'provisioning');

function yamlFile(...parts: string[]): Record<string, unknown> {
  return parse(readFileSync(join(PROVISIONING, ...parts), 'utf8')) as Record<string, unknown>;
}

test('every provisioning file parses and declares apiVersion 1', () => {
  for (const dir of ['datasources', 'dashboards', 'alerting']) {
    const files = readdirSync(join(PROVISIONING, dir)).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
    assert.ok(files.length > 0, `grafana/provisioning/${dir} has files`);
    for (const f of files) assert.equal(yamlFile(dir, f)['apiVersion'], 1, `${dir}/${f}`);
  }
});

test('the Prometheus datasource has the uid every dashboard and alert rule uses', () => {
  const ds = (yamlFile('datasources', 'prometheus.yml')['datasources'] as { uid: string; type: string }[])[0]!;
  assert.equal(ds.uid, DATASOURCE_UID);
  assert.equal(ds.type, 'prometheus');
});

test('the dashboard provider loads the riskstream dashboards from files', () => {
  const providers = yamlFile('dashboards', 'riskstream.yml')['providers'] as { type: string; folder: string; options: { path: string } }[];
  assert.equal(providers.length, 1);
  assert.equal(providers[0]!.type, 'file');
  assert.ok(providers[0]!.options.path.startsWith('/'), 'an absolute path inside the Grafana container');
});

test('every dashboard has a unique uid, unique panel ids, a valid grid without overlaps and Prometheus targets on the provisioned datasource', () => {
  const dashboards = loadDashboards();
  assert.deepEqual(dashboards.map((d) => d.dashboard.uid).sort(), ['riskstream-drift', 'riskstream-experiments', 'riskstream-model', 'riskstream-pipeline']);
  for (const { file, dashboard } of dashboards) {
    assert.ok(dashboard.title.length > 0, file);
    assert.ok((dashboard['schemaVersion'] as number) >= 39, `${file} schemaVersion`);
    const panels = flattenPanels(dashboard.panels) as (ReturnType<typeof flattenPanels>[number] & { gridPos: { x: number; y: number; w: number; h: number } })[];
    assert.ok(panels.length > 5, file);
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, `${file}: panel ids are unique`);
    const cells = new Set<string>();
    for (const p of panels) {
      const g = p.gridPos;
      assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `${file} "${p.title}" fits in 24 columns`);
      for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
        assert.ok(!cells.has(`${x},${y}`), `${file} "${p.title}" overlaps another panel`);
        cells.add(`${x},${y}`);
      }
      if (p.type === 'row' || p.type === 'alertlist') continue;
      assert.equal(p.datasource?.uid, DATASOURCE_UID, `${file} "${p.title}" datasource`);
      assert.ok((p.targets ?? []).length > 0, `${file} "${p.title}" has targets`);
      const refIds = p.targets!.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${file} "${p.title}" refIds are unique`);
      for (const t of p.targets!) {
        assert.equal(t.datasource?.uid, DATASOURCE_UID, `${file} "${p.title}" ${t.refId} datasource`);
        assert.ok((t.expr ?? '').trim().length > 0, `${file} "${p.title}" ${t.refId} has an expr`);
      }
    }
  }
});

test('dashboard queries only use declared template variables', () => {
  for (const { file, dashboard } of loadDashboards()) {
    const values = variableValues(dashboard);
    for (const p of flattenPanels(dashboard.panels)) for (const t of p.targets ?? []) assert.doesNotThrow(() => substitute(t.expr ?? '', values, `${file} "${p.title}"`));
  }
  assert.throws(() => substitute('rate(x[$nope])', new Map(), 'here'), /unknown variable \$nope/);
  assert.equal(substitute('x{a=~"$a"}[$__rate_interval] ${a} [[a]]', new Map([['a', '.*'], ['__rate_interval', '1m']]), 'here'), 'x{a=~".*"}[1m] .* .*');
});

function dashboard(uid: string): Dashboard {
  return loadDashboards().find((d) => d.dashboard.uid === uid)!.dashboard;
}

function panelsQuerying(d: Dashboard, metric: RegExp): { type: string; title: string }[] {
  return flattenPanels(d.panels).filter((p) => (p.targets ?? []).some((t) => metric.test(t.expr ?? '')));
}

test('the pipeline dashboard shows throughput, lag, latency percentiles, dead letters and errors', () => {
  const d = dashboard('riskstream-pipeline');
  for (const m of [/riskstream_messages_consumed_total/, /riskstream_consumer_lag_messages/, /histogram_quantile\(0\.99, .*scoring_end_to_end_latency_seconds_bucket/, /riskstream_dlq_messages_total/, /riskstream_handler_retries_total/, /riskstream_consumer_crashes_total/, /up\{job="riskstream"\}/]) {
    assert.ok(panelsQuerying(d, m).length > 0, `a panel queries ${m}`);
  }
});

test('the model dashboard shows scores, decisions, realised and estimated performance, calibration and versions over time', () => {
  const d = dashboard('riskstream-model');
  assert.ok(panelsQuerying(d, /scoring_score_bucket/).some((p) => p.type === 'heatmap'), 'score distribution heat map');
  for (const m of [/scoring_events_total/, /drift_realised_roc_auc/, /drift_estimated_roc_auc/, /drift_reference_roc_auc/, /drift_realised_calibration_error/, /scoring_model_version/, /drift_champion_info/]) {
    assert.ok(panelsQuerying(d, m).length > 0, `a panel queries ${m}`);
  }
});

test('the drift dashboard shows per-feature PSI and KS heat maps, the drifted share and the alerts', () => {
  const d = dashboard('riskstream-drift');
  assert.ok(panelsQuerying(d, /drift_feature_psi/).some((p) => p.type === 'status-history'), 'PSI heat map');
  assert.ok(panelsQuerying(d, /drift_feature_ks_statistic/).some((p) => p.type === 'status-history'), 'KS heat map');
  assert.ok(panelsQuerying(d, /drift_features_drifted_ratio/).length > 0);
  assert.ok(flattenPanels(d.panels).some((p) => p.type === 'alertlist'), 'Grafana alert list');
  assert.ok(panelsQuerying(d, /ALERTS\{/).length > 0, 'Prometheus alerts');
});

interface GrafanaRule {
  uid: string;
  title: string;
  condition: string;
  for: string;
  noDataState: string;
  execErrState: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: { refId: string; datasourceUid: string; relativeTimeRange?: { from: number }; model: Record<string, unknown> }[];
}

function grafanaRules(): GrafanaRule[] {
  const doc = parse(readFileSync(GRAFANA_ALERT_RULES, 'utf8')) as { apiVersion: number; groups: { orgId: number; name: string; folder: string; interval: string; rules: GrafanaRule[] }[] };
  for (const g of doc.groups) {
    assert.equal(g.orgId, 1);
    assert.ok(g.folder.length > 0 && g.name.length > 0, 'group has a name and folder');
    assert.match(g.interval, /^\d+0s$|^\d+m$/, 'a multiple of Grafana\'s 10 s base interval');
  }
  return doc.groups.flatMap((g) => g.rules);
}

test('Grafana alert rules: a Prometheus query, reduce and threshold, labels severity/action and the three annotations', () => {
  const rules = grafanaRules();
  assert.equal(new Set(rules.map((r) => r.uid)).size, rules.length, 'uids are unique');
  for (const r of rules) {
    assert.match(r.uid, /^[a-zA-Z0-9_-]{1,40}$/, `${r.title} uid`);
    const [a, b, c] = r.data;
    assert.equal(a?.datasourceUid, DATASOURCE_UID, `${r.title} queries the Prometheus datasource`);
    assert.ok(typeof a?.model['expr'] === 'string' && (a.relativeTimeRange?.from ?? 0) > 0, `${r.title} query`);
    assert.deepEqual([b?.model['type'], b?.model['expression']], ['reduce', 'A'], `${r.title} reduce`);
    assert.deepEqual([c?.model['type'], c?.model['expression']], ['threshold', 'B'], `${r.title} threshold`);
    assert.equal(r.condition, 'C');
    assert.equal(r.noDataState, 'OK', `${r.title}: an empty window is not an alert`);
    assert.notEqual(r.execErrState, 'Error', `${r.title}: a datasource error must not carry action labels to the receiver`);
    assert.ok(['critical', 'warning', 'info'].includes(r.labels['severity']!), `${r.title} severity`);
    assert.ok(['retrain', 'rollback', 'none'].includes(r.labels['action']!), `${r.title} action`);
    for (const k of ['summary', 'description', 'runbook_url']) assert.ok((r.annotations[k] ?? '').length > 0, `${r.title} ${k}`);
    assert.doesNotMatch(r.annotations['description']!, /\$value\b/, 'Grafana templates use $values.B');
    // Grafana expands $VAR in provisioned queries and labels: a PromQL `$` would silently vanish.
    assert.doesNotMatch(JSON.stringify([r.data, r.labels]), /\$/, `${r.title} has no $ where Grafana interpolates`);
  }
});

test('Grafana and Prometheus carry the same alerts with the same severity, action and runbook', () => {
  const prom = prometheusRules().groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined) as unknown as { alert: string; labels: Record<string, string>; annotations: Record<string, string>; for: string }[];
  const graf = new Map(grafanaRules().map((r) => [r.title, r]));
  assert.deepEqual([...graf.keys()].sort(), prom.map((r) => r.alert).sort());
  for (const p of prom) {
    const g = graf.get(p.alert)!;
    assert.deepEqual(g.labels, p.labels, p.alert);
    assert.equal(g.annotations['runbook_url'], p.annotations['runbook_url']);
    assert.equal(g.for, p.for, p.alert);
  }
});

test('the contact point signs webhooks with an HMAC secret from the environment and the policy routes everything to it', () => {
  const doc = yamlFile('alerting', 'riskstream-notifications.yml') as {
    contactPoints: { name: string; receivers: { type: string; settings: { url: string; hmacConfig: { secret: string; header: string; timestampHeader: string } } }[] }[];
    policies: { receiver: string; group_by: string[] }[];
  };
  const cp = doc.contactPoints[0]!;
  const hook = cp.receivers[0]!;
  assert.equal(hook.type, 'webhook');
  assert.match(hook.settings.url, /^http:\/\/\$\{[A-Z_]+\}:8090\/alerts\/grafana$/);
  assert.match(hook.settings.hmacConfig.secret, /^\$\{[A-Z_]+\}$/, 'the secret is an environment reference, never a committed value');
  assert.ok(hook.settings.hmacConfig.header.length > 0 && hook.settings.hmacConfig.timestampHeader.length > 0);
  assert.equal(doc.policies[0]!.receiver, cp.name);
  assert.ok(doc.policies[0]!.group_by.includes('model_version'));
});

test('no secret value is committed under grafana/', () => {
  for (const d of readdirSync(join(ROOT, 'grafana'), { withFileTypes: true, recursive: true })) {
    if (!d.isFile()) continue;
    const text = readFileSync(join(d.parentPath, d.name), 'utf8');
    for (const m of text.matchAll(/\b(secret|password|token|credentials)\b["']?\s*:\s*["']?([^\s"',]+)/gi)) {
      assert.match(m[2]!, /^\$(\{\w+\}|__env\{\w+\}|__file\{)/, `${d.name}: ${m[1]} must come from the environment`);
    }
  }
});

test('the may-be-empty exemptions of the live-query check all name existing queries', () => {
  assert.deepEqual(staleExemptions(allQueries()), []);
});
