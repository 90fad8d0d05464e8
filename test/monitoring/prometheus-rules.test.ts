import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { prometheusRules, PROMETHEUS_RULES, ROOT } from '../grafana/dashboard-queries.ts';

const PROMTOOL_TESTS = join(import.meta.dirname, 'riskstream.rules.promtool.yml');

/** Not a skip: without promtool the rules are untested, and CI installs it. */
function promtool(args: readonly string[]): { status: number | null; output: string } {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  assert.equal(found.status, 0, 'promtool is not on PATH: install the Debian `prometheus` package (`apt-get install prometheus`), as CI does');
  const r = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function alertRules(): AlertRule[] {
  return prometheusRules().groups.flatMap((g) => g.rules.filter((r) => r.alert !== undefined)) as AlertRule[];
}

test('promtool check rules accepts the generated rule file', () => {
  const r = promtool(['check', 'rules', PROMETHEUS_RULES]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS/);
});

test('promtool test rules: every alert case passes', () => {
  const r = promtool(['test', 'rules', PROMTOOL_TESTS]);
  assert.equal(r.status, 0, r.output);
});

interface PromtoolTest {
  name?: string;
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}

test('every alert has a promtool case where it fires and one where it stays quiet, named after it', () => {
  const tests = (parse(readFileSync(PROMTOOL_TESTS, 'utf8')) as { tests: PromtoolTest[] }).tests;
  const problems: string[] = [];
  for (const { alert } of alertRules()) {
    const fires = tests.filter((t) => t.name?.startsWith(`${alert} fires when`) || t.name?.startsWith(`${alert} fires on`));
    const quiet = tests.filter((t) => t.name?.startsWith(`${alert} stays quiet`));
    const firesChecked = fires.some((t) => t.alert_rule_test?.some((a) => a.alertname === alert && (a.exp_alerts?.length ?? 0) > 0));
    const quietChecked = quiet.some((t) => t.alert_rule_test?.some((a) => a.alertname === alert && (a.exp_alerts?.length ?? 0) === 0));
    if (!firesChecked) problems.push(`${alert}: no "${alert} fires when ..." case expecting it to fire`);
    if (!quietChecked) problems.push(`${alert}: no "${alert} stays quiet ..." case expecting no alert`);
  }
  for (const t of tests) {
    if (t.name === undefined) problems.push('a promtool test group has no name');
    const subject = t.name?.split(' ')[0];
    if (t.alert_rule_test?.every((a) => a.alertname !== subject)) problems.push(`"${t.name}" does not test the alert it is named after`);
  }
  assert.deepEqual(problems, []);
});

test('every alert carries severity, action, summary, description and a runbook section', () => {
  const runbook = readFileSync(join(ROOT, 'monitoring', 'RUNBOOK.md'), 'utf8');
  const names = alertRules().map((r) => r.alert);
  assert.equal(new Set(names).size, names.length, 'alert names are unique');
  for (const r of alertRules()) {
    assert.ok(['critical', 'warning', 'info'].includes(r.labels?.['severity'] ?? ''), `${r.alert} severity`);
    assert.ok(['retrain', 'rollback', 'none'].includes(r.labels?.['action'] ?? ''), `${r.alert} action`);
    for (const a of ['summary', 'description', 'runbook_url']) assert.ok((r.annotations?.[a] ?? '').length > 0, `${r.alert} ${a}`);
    assert.equal(r.annotations!['runbook_url'], `monitoring/RUNBOOK.md#${r.alert.toLowerCase()}`);
    assert.match(runbook, new RegExp(`^## ${r.alert}$`, 'm'), `RUNBOOK.md has a "## ${r.alert}" section`);
    assert.ok(r.for !== undefined, `${r.alert} has a for: duration`);
  }
});

test('the rollback alert fires below minus the margin and carries action=rollback and the version to return to', () => {
  const r = alertRules().find((a) => a.alert === 'PromotedModelUnderperforms')!;
  assert.equal(r.labels!['action'], 'rollback');
  assert.match(r.expr, /drift_performance_delta_vs_previous/);
  assert.match(r.expr, /group_left\(model_name, previous_version\)/);
  assert.match(r.expr, /\) < -0\.\d+$/);
});

test('drift and model alerts need a minimum number of events, so an empty window never alerts', () => {
  // An experiment arm's floor is the experiment's own --min-events, enforced by the bandit before it stops an arm.
  const floors = /drift_window_events\)? >= \d+|drift_realised_labelled_events >= \d+|drift_estimated_events >= \d+|drift_experiment_arm_labelled_events >= \d+/;
  for (const r of alertRules().filter((a) => /\bdrift_/.test(a.expr))) assert.match(r.expr, floors, r.alert);
});

test('every alert about one model version carries the drifted features as evidence for the messages people get', () => {
  // FeaturePsiHigh names its one feature in its labels already.
  const perModel = alertRules().filter((r) => /by \(model_version\)/.test(r.expr) && !/by \(model_version, feature\)/.test(r.expr));
  assert.ok(perModel.length >= 5, perModel.map((r) => r.alert).join(', '));
  for (const r of perModel) {
    assert.match(r.annotations?.['drifted_features'] ?? '', /drift_feature_drifted == 1.*\$labels\.model_version \| query/, r.alert);
  }
});
