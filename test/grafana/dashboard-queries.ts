import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Every PromQL expression the monitoring files send to Prometheus, ready to send: dashboard panel
 * targets and template-variable queries (variables substituted), Grafana alert rule queries, and the
 * Prometheus rule file's recording and alert expressions. Used by the metric-name unit test and by the
 * integration test that runs them against a live Prometheus.
 */

export const ROOT = join(import.meta.dirname, '..', '..');
export const DASHBOARDS_DIR = join(ROOT, 'grafana', 'dashboards');
export const GRAFANA_ALERT_RULES = join(ROOT, 'grafana', 'provisioning', 'alerting', 'riskstream-alert-rules.yml');
export const PROMETHEUS_RULES = join(ROOT, 'cli', 'stack', 'prometheus', 'rules', 'riskstream.rules.yml');
export const DATASOURCE_UID = 'riskstream-prometheus';

export type QueryKind = 'dashboard-panel' | 'dashboard-variable' | 'grafana-alert' | 'prometheus-record' | 'prometheus-alert';

export interface MonitoringQuery {
  readonly kind: QueryKind;
  /** Repository-relative file. */
  readonly file: string;
  /** Panel title (plus refId), variable name, alert or record name. */
  readonly title: string;
  /** As written. */
  readonly raw: string;
  /** Variables substituted: what to send to /api/v1/query. */
  readonly expr: string;
  /**
   * Whether a live Prometheus scraping a running pipeline must return at least one series. Alert
   * expressions are empty unless they fire; the queries in MAY_BE_EMPTY are empty until something
   * specific happened.
   */
  readonly expectSeries: boolean;
}

/** Queries that are legitimately empty on a healthy, freshly started pipeline, and why. */
export const MAY_BE_EMPTY: Readonly<Record<string, string>> = {
  'dashboard-panel:Champion minus previous champion#A': 'drift_performance_delta_vs_previous exists only after a second promotion, once the new champion has enough events',
  'dashboard-panel:Firing Prometheus alerts#A': 'ALERTS has no firing series while nothing fires',
  'dashboard-panel:Lifecycle events (5 m)#A': 'scoring_lifecycle_events_total gets its first series with the first lifecycle event after scoring started',
  'dashboard-panel:Realised performance vs holdout reference#A': 'realised metrics need labelled events, and fraud labels arrive late',
  'dashboard-panel:Realised performance vs holdout reference#B': 'realised metrics need labelled events, and fraud labels arrive late',
  'dashboard-panel:Realised performance vs holdout reference#C': 'realised metrics need labelled events, and fraud labels arrive late',
  'dashboard-panel:Calibration error (ECE)#A': 'realised metrics need labelled events, and fraud labels arrive late',
  'dashboard-panel:Value per 1,000 decisions: realised vs estimated#A': 'realised value needs labels joined to their scores, and labels arrive late',
  'dashboard-panel:Net value / s: realised vs estimated#A': 'realised value needs labels joined to their scores, and labels arrive late',
  'prometheus-record:model_version_arm:riskstream_value_realised_net:rate5m': 'realised value needs labels joined to their scores, and labels arrive late',
  'prometheus-record:model_version_arm:riskstream_value_realised_per_1k_decisions:rate5m': 'realised value needs labels joined to their scores, and labels arrive late',
  'dashboard-panel:Feature tests now#B': 'drift_feature_chi2_statistic exists only for categorical features',
  // The closed-loop test runs the streaming pipeline without the decision API; the decisions integration
  // test scrapes a decisions process and checks these panels' series.
  'dashboard-panel:Decision API requests / s by status#A': 'needs a scraped decisions process (test/services/decisions)',
  'dashboard-panel:Decision API latency#A': 'needs a scraped decisions process (test/services/decisions)',
  'dashboard-panel:Decision API latency#B': 'needs a scraped decisions process (test/services/decisions)',
  'dashboard-panel:Decision API latency#C': 'needs a scraped decisions process (test/services/decisions)',
  'dashboard-panel:Decision API latency#D': 'needs a scraped decisions process (test/services/decisions)',
  'dashboard-panel:Decision API: degraded, replayed, refused, relayed / s#A': 'needs a scraped decisions process (test/services/decisions)',
  'dashboard-panel:Decision API: degraded, replayed, refused, relayed / s#B': 'needs a scraped decisions process (test/services/decisions)',
  'dashboard-panel:Decision API: degraded, replayed, refused, relayed / s#C': 'needs a scraped decisions process (test/services/decisions)',
  'dashboard-panel:Decision API: degraded, replayed, refused, relayed / s#D': 'needs a scraped decisions process (test/services/decisions)',
  'grafana-alert:PromotedModelUnderperforms': 'needs a second promotion (see the dashboard panel)',
  'grafana-alert:DeadLetterRateHigh': 'riskstream_dlq_messages_total has no series before the first dead letter',
  'grafana-alert:ScoringLatencyBudgetFastBurn': 'the short-window burn condition is part of the value: empty unless the budget burns',
  'grafana-alert:ScoringLatencyBudgetSlowBurn': 'the short-window burn condition is part of the value: empty unless the budget burns',
  'grafana-alert:RealisedPerformanceDrop': 'needs minLabelledEvents labelled events, and fraud labels arrive late',
  'grafana-alert:CalibrationDrift': 'needs minLabelledEvents labelled events, and fraud labels arrive late',
  'grafana-alert:ExperimentArmStopped': 'drift_experiment_arm_* exist only while an experiment runs (see MAY_BE_EMPTY_DASHBOARDS)',
};

/**
 * Dashboards whose every query is legitimately empty on a pipeline without the thing they show, and why.
 * The closed-loop test runs no experiment; test/services/drift-monitor/experiment-bandit.integration.test.ts
 * checks the experiment metrics of a running one.
 */
export const MAY_BE_EMPTY_DASHBOARDS: Readonly<Record<string, string>> = {
  'grafana/dashboards/riskstream-experiments.json': 'drift_experiment_arm_* exist only while an experiment runs',
};

function key(kind: QueryKind, title: string): string {
  return `${kind}:${title}`;
}

// Grafana's built-in interval variables, as a 5 s scrape interval makes them.
const BUILTINS: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __interval_ms: '15000',
  __range: '5m',
  __range_s: '300',
  __range_ms: '300000',
};

interface TemplateVariable {
  name: string;
  type: string;
  query?: unknown;
  definition?: string;
  includeAll?: boolean;
  allValue?: string;
  current?: { value?: string | string[] };
}

interface DashboardTarget {
  refId: string;
  expr?: string;
  datasource?: { uid?: string };
}

interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  templating: { list: TemplateVariable[] };
  panels: DashboardPanel[];
  [k: string]: unknown;
}

/** What each variable stands for when a query is sent outside Grafana. */
export function variableValues(dashboard: Dashboard): Map<string, string> {
  const values = new Map(Object.entries(BUILTINS));
  for (const v of dashboard.templating.list) {
    const current = Array.isArray(v.current?.value) ? v.current.value[0] : v.current?.value;
    if (v.includeAll === true && (current === undefined || current === '$__all')) values.set(v.name, v.allValue ?? '.*');
    else if (current !== undefined) values.set(v.name, current);
    else throw new Error(`${dashboard.uid}: variable ${v.name} has no value to substitute`);
  }
  return values;
}

/** `$name`, `${name}`, `${name:format}` and `[[name]]`; an unknown variable is an error, not a silent gap. */
export function substitute(expr: string, values: ReadonlyMap<string, string>, where: string): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (_, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    const value = values.get(name);
    if (value === undefined) throw new Error(`${where}: unknown variable $${name}`);
    return value;
  });
}

export function loadDashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: `grafana/dashboards/${f}`, dashboard: JSON.parse(readFileSync(join(DASHBOARDS_DIR, f), 'utf8')) as Dashboard }));
}

export function flattenPanels(panels: readonly DashboardPanel[]): DashboardPanel[] {
  return panels.flatMap((p) => [p, ...flattenPanels(p.panels ?? [])]);
}

function query(kind: QueryKind, file: string, title: string, raw: string, expr: string, expectSeriesByDefault: boolean): MonitoringQuery {
  return { kind, file, title, raw, expr, expectSeries: expectSeriesByDefault && !(key(kind, title) in MAY_BE_EMPTY) && !(file in MAY_BE_EMPTY_DASHBOARDS) };
}

export function dashboardQueries(): MonitoringQuery[] {
  const out: MonitoringQuery[] = [];
  for (const { file, dashboard } of loadDashboards()) {
    const values = variableValues(dashboard);
    for (const v of dashboard.templating.list) {
      const m = /^label_values\((.+),\s*\w+\)$/.exec(v.definition ?? '');
      if (v.type === 'query' && m) out.push(query('dashboard-variable', file, `${dashboard.uid}/$${v.name}`, m[1]!, m[1]!, true));
    }
    for (const panel of flattenPanels(dashboard.panels)) {
      for (const t of panel.targets ?? []) {
        if (t.expr === undefined) continue;
        const title = `${panel.title}#${t.refId}`;
        out.push(query('dashboard-panel', file, title, t.expr, substitute(t.expr, values, `${file} "${title}"`), true));
      }
    }
  }
  return out;
}

interface GrafanaRuleFile {
  groups: { name: string; rules: { title: string; data: { refId: string; datasourceUid: string; model: { expr?: string } }[] }[] }[];
}

export function grafanaAlertQueries(): MonitoringQuery[] {
  const doc = parse(readFileSync(GRAFANA_ALERT_RULES, 'utf8')) as GrafanaRuleFile;
  const file = 'grafana/provisioning/alerting/riskstream-alert-rules.yml';
  return doc.groups.flatMap((g) =>
    g.rules.flatMap((r) =>
      r.data.filter((d) => d.datasourceUid === DATASOURCE_UID && d.model.expr !== undefined).map((d) => query('grafana-alert', file, r.title, d.model.expr!, d.model.expr!, true)),
    ),
  );
}

interface PrometheusRuleFile {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[];
}

export function prometheusRules(): PrometheusRuleFile {
  return parse(readFileSync(PROMETHEUS_RULES, 'utf8')) as PrometheusRuleFile;
}

export function prometheusRuleQueries(): MonitoringQuery[] {
  const file = 'cli/stack/prometheus/rules/riskstream.rules.yml';
  return prometheusRules().groups.flatMap((g) =>
    g.rules.map((r) =>
      r.record !== undefined
        ? query('prometheus-record', file, r.record, r.expr, r.expr, true)
        : query('prometheus-alert', file, r.alert!, r.expr, r.expr, false),
    ),
  );
}

export function allQueries(): MonitoringQuery[] {
  return [...dashboardQueries(), ...grafanaAlertQueries(), ...prometheusRuleQueries()];
}

/** Allowlist entries that no longer name a query: a renamed panel must not keep a stale exemption. */
export function staleExemptions(queries: readonly MonitoringQuery[]): string[] {
  const present = new Set(queries.map((q) => key(q.kind, q.title)));
  const files = new Set(queries.map((q) => q.file));
  return [...Object.keys(MAY_BE_EMPTY).filter((k) => !present.has(k)), ...Object.keys(MAY_BE_EMPTY_DASHBOARDS).filter((f) => !files.has(f))];
}
