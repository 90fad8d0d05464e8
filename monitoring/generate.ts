import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { alerts, thresholdValue } from './alerts.ts';
import { driftDashboard } from './dashboards/drift.ts';
import { experimentsDashboard } from './dashboards/experiments.ts';
import { modelDashboard } from './dashboards/model.ts';
import { pipelineDashboard } from './dashboards/pipeline.ts';
import { renderGrafanaAlertRules, renderGrafanaNotifications, renderGrafanaPeopleNotifications } from './grafana-alerting.ts';
import { renderAlertRouting } from './notification-routing.ts';
import { ConfigError } from '@riskstream/shared';
import { DEFAULT_COST_SETTINGS, describeCostSettings, loadCostSettings, type CostSettings } from './cost-settings.ts';
import { renderPrometheusRules } from './prometheus-rules.ts';
import { durations, thresholds } from './thresholds.ts';

/**
 * Writes every file derived from monitoring/thresholds.ts and monitoring/alerts.ts. The outputs are
 * committed (Prometheus, Grafana and Alertmanager read them as files); `--check` only compares and exits 1
 * naming the stale ones, which is what test/monitoring/generated-files.test.ts runs.
 *
 *   node monitoring/generate.ts           regenerate
 *   node monitoring/generate.ts --check   fail when a committed file differs
 *   node monitoring/generate.ts --help    the variables it reads (COST_*, cost-settings.ts)
 */

const ROOT = resolve(import.meta.dirname, '..');
const RUNBOOK = 'monitoring/RUNBOOK.md';
const BEGIN = '<!-- generated:thresholds:begin (node monitoring/generate.ts) -->';
const END = '<!-- generated:thresholds:end -->';

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function thresholdsMarkdown(): string {
  const rows = Object.entries(thresholds).map(([name, t]) => `| \`${name}\` | ${t.value} | ${t.unit} | ${t.description} |`);
  const alertRows = alerts.map(
    (a) =>
      `| [${a.name}](#${a.name.toLowerCase()}) | ${a.severity} | ${a.action} | ${a.op} ${thresholdValue(a)} ${thresholds[a.threshold].unit} (\`${a.threshold}\`) | ${durations.for[a.for]} |`,
  );
  return [
    BEGIN,
    '',
    '| threshold | value | unit | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '| alert | severity | action | fires when the value is | for |',
    '| --- | --- | --- | --- | --- |',
    ...alertRows,
    '',
    END,
  ].join('\n');
}

function runbook(): string {
  const current = readFileSync(join(ROOT, RUNBOOK), 'utf8');
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${RUNBOOK} lacks the generated thresholds markers`);
  return current.slice(0, start) + thresholdsMarkdown() + current.slice(end + END.length);
}

/** Repository-relative path -> content. */
export function generatedFiles(cost: CostSettings = DEFAULT_COST_SETTINGS): Map<string, string> {
  return new Map([
    ['cli/stack/prometheus/rules/riskstream.rules.yml', renderPrometheusRules(cost)],
    ['cli/stack/prometheus/alert-routing.yml', renderAlertRouting()],
    ['grafana/provisioning/alerting/riskstream-alert-rules.yml', renderGrafanaAlertRules()],
    ['grafana/provisioning/alerting/riskstream-notifications.yml', renderGrafanaNotifications()],
    ['grafana/people-notifications/riskstream-notifications.yml', renderGrafanaPeopleNotifications()],
    ['grafana/dashboards/riskstream-pipeline.json', json(pipelineDashboard)],
    ['grafana/dashboards/riskstream-model.json', json(modelDashboard)],
    ['grafana/dashboards/riskstream-drift.json', json(driftDashboard)],
    ['grafana/dashboards/riskstream-experiments.json', json(experimentsDashboard)],
    [RUNBOOK, runbook()],
  ]);
}

const USAGE = `Usage: node monitoring/generate.ts [--check]

Writes the Prometheus rules, Grafana provisioning and dashboards, Alertmanager routing and the runbook's
threshold table from monitoring/*.ts; --check only compares them with the committed files.

Environment (the committed files use the defaults):
`;

function main(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}${describeCostSettings()}\n`);
    return 0;
  }
  const check = argv.includes('--check');
  let cost: CostSettings;
  try {
    cost = loadCostSettings(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  const stale: string[] = [];
  for (const [path, text] of generatedFiles(cost)) {
    const abs = join(ROOT, path);
    const same = existsSync(abs) && readFileSync(abs, 'utf8') === text;
    if (same) continue;
    if (check) {
      stale.push(path);
      continue;
    }
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
    process.stdout.write(`wrote ${path}\n`);
  }
  if (stale.length > 0) {
    process.stderr.write(`stale generated files (run \`node monitoring/generate.ts\` and commit): ${stale.join(', ')}\n`);
    return 1;
  }
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
