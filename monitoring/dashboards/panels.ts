import { settings, thresholds, type ThresholdName } from '../thresholds.ts';

/**
 * A small builder for Grafana 12 dashboard JSON: panels declare what they show, `dashboard` assigns ids
 * and lays them out left to right in 24 columns. Only what the dashboards here use.
 */

export const PROMETHEUS = Object.freeze({ type: 'prometheus', uid: settings.prometheusDatasourceUid });

export interface Target {
  readonly expr: string;
  readonly legendFormat?: string;
  readonly instant?: boolean;
  readonly format?: 'time_series' | 'heatmap' | 'table';
}

export interface Panel {
  readonly type: string;
  readonly title: string;
  readonly w: number;
  readonly h: number;
  readonly json: Record<string, unknown>;
}

export function q(expr: string, legendFormat?: string, extra: Partial<Target> = {}): Target {
  return legendFormat === undefined ? { expr, ...extra } : { expr, legendFormat, ...extra };
}

interface Common {
  readonly description?: string;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly w?: number;
  readonly h?: number;
  /** A red line/step at a named threshold, so the panel shows where the alert fires. */
  readonly threshold?: ThresholdName;
  readonly thresholdSign?: 1 | -1;
  /** Red below the threshold instead of above it (e.g. `up`). */
  readonly belowIsBad?: boolean;
}

function targets(ts: readonly Target[]): unknown[] {
  return ts.map((t, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: PROMETHEUS,
    expr: t.expr,
    legendFormat: t.legendFormat ?? '__auto',
    range: t.instant !== true,
    instant: t.instant === true,
    format: t.format ?? 'time_series',
  }));
}

function thresholdSteps(c: Common): unknown {
  const [base, past] = c.belowIsBad === true ? ['red', 'green'] : ['green', 'red'];
  const steps: unknown[] = [{ color: base, value: null }];
  if (c.threshold !== undefined) steps.push({ color: past, value: thresholds[c.threshold].value * (c.thresholdSign ?? 1) });
  return { mode: 'absolute', steps };
}

function defaults(c: Common, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const d: Record<string, unknown> = { ...extra, thresholds: thresholdSteps(c) };
  if (c.unit !== undefined) d['unit'] = c.unit;
  if (c.min !== undefined) d['min'] = c.min;
  if (c.max !== undefined) d['max'] = c.max;
  return d;
}

function panel(type: string, title: string, c: Common, w: number, h: number, body: Record<string, unknown>): Panel {
  const json: Record<string, unknown> = { type, title, datasource: PROMETHEUS, ...body };
  if (c.description !== undefined) json['description'] = c.description;
  return { type, title, w: c.w ?? w, h: c.h ?? h, json };
}

export function timeseries(title: string, ts: readonly Target[], c: Common & { stack?: boolean } = {}): Panel {
  const custom: Record<string, unknown> = {
    drawStyle: 'line',
    lineWidth: 1,
    fillOpacity: c.stack === true ? 30 : 10,
    showPoints: 'never',
    spanNulls: false,
    stacking: { mode: c.stack === true ? 'normal' : 'none', group: 'A' },
    thresholdsStyle: { mode: c.threshold === undefined ? 'off' : 'line+area' },
  };
  return panel('timeseries', title, c, 12, 8, {
    targets: targets(ts),
    fieldConfig: { defaults: defaults(c, { color: { mode: 'palette-classic' }, custom }), overrides: [] },
    options: { legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
  });
}

export function stat(title: string, ts: readonly Target[], c: Common = {}): Panel {
  return panel('stat', title, c, 6, 4, {
    targets: targets(ts),
    fieldConfig: { defaults: defaults(c, { color: { mode: 'thresholds' } }), overrides: [] },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area', justifyMode: 'auto', textMode: 'auto' },
  });
}

/** Rows per series, colour per value over time: the per-feature heat map of a drift statistic. */
export function statusHistory(title: string, ts: readonly Target[], c: Common = {}): Panel {
  return panel('status-history', title, c, 24, 10, {
    targets: targets(ts),
    fieldConfig: { defaults: defaults(c, { color: { mode: 'continuous-GrYlRd' }, custom: { lineWidth: 0, fillOpacity: 90 } }), overrides: [] },
    options: { showValue: 'never', rowHeight: 0.9, colWidth: 0.95, legend: { showLegend: true, displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'single', sort: 'none' } },
  });
}

export function stateTimeline(title: string, ts: readonly Target[], c: Common = {}): Panel {
  return panel('state-timeline', title, c, 12, 6, {
    targets: targets(ts),
    fieldConfig: { defaults: defaults(c, { color: { mode: 'thresholds' }, custom: { lineWidth: 0, fillOpacity: 80 } }), overrides: [] },
    options: { showValue: 'auto', mergeValues: true, rowHeight: 0.9, alignValue: 'left', legend: { showLegend: false, displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'single', sort: 'none' } },
  });
}

/** A classic Prometheus histogram as a heat map (buckets over time); `expr` must be by (le). */
export function histogramHeatmap(title: string, expr: string, c: Common = {}): Panel {
  return panel('heatmap', title, c, 12, 8, {
    targets: targets([{ expr, legendFormat: '{{le}}', format: 'heatmap' }]),
    fieldConfig: { defaults: { custom: { hideFrom: { legend: false, tooltip: false, viz: false }, scaleDistribution: { type: 'linear' } } }, overrides: [] },
    options: {
      calculate: false,
      cellGap: 1,
      color: { mode: 'scheme', scheme: 'Oranges', scale: 'exponential', exponent: 0.5, steps: 64, fill: 'dark-orange', reverse: false },
      yAxis: { axisPlacement: 'left', reverse: false, ...(c.unit === undefined ? {} : { unit: c.unit }) },
      rowsFrame: { layout: 'auto' },
      legend: { show: true },
      tooltip: { mode: 'single', yHistogram: true, showColorScale: false },
      exemplars: { color: 'rgba(255,0,255,0.7)' },
      filterValues: { le: 1e-9 },
    },
  });
}

export function table(title: string, ts: readonly Target[], c: Common = {}): Panel {
  return panel('table', title, c, 12, 8, {
    targets: targets(ts.map((t) => ({ ...t, instant: true, format: 'table' as const }))),
    fieldConfig: { defaults: defaults(c, { custom: { align: 'auto', cellOptions: { type: 'color-text' } } }), overrides: [] },
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false, fields: '' } },
    transformations: [{ id: 'merge', options: {} }, { id: 'organize', options: { excludeByName: { Time: true, __name__: true, job: true, instance: true } } }],
  });
}

/** Grafana-managed alerts of the riskstream rule folder (no query of its own). */
export function alertList(title: string, c: Common = {}): Panel {
  const p = panel('alertlist', title, c, 12, 8, {
    options: {
      viewMode: 'list',
      groupMode: 'default',
      groupBy: [],
      maxItems: 50,
      sortOrder: 1,
      dashboardAlerts: false,
      alertName: '',
      alertInstanceLabelFilter: '',
      stateFilter: { firing: true, pending: true, noData: false, normal: false, error: true },
    },
  });
  const { datasource: _ignored, ...json } = p.json;
  return { ...p, json };
}

export function row(title: string): Panel {
  return { type: 'row', title, w: 24, h: 1, json: { type: 'row', title, collapsed: false, panels: [] } };
}

export interface Variable {
  readonly json: Record<string, unknown>;
}

/** A variable from label values; "All" matches everything (allValue `.*`). */
export function labelVariable(name: string, label: string, metric: string): Variable {
  return {
    json: {
      name,
      label,
      type: 'query',
      datasource: PROMETHEUS,
      query: { qryType: 1, query: `label_values(${metric}, ${name})`, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
      definition: `label_values(${metric}, ${name})`,
      refresh: 2,
      includeAll: true,
      multi: true,
      allValue: '.*',
      current: { text: ['All'], value: ['$__all'] },
      sort: 3,
      hide: 0,
    },
  };
}

export function customVariable(name: string, label: string, values: readonly string[]): Variable {
  const first = values[0]!;
  return {
    json: {
      name,
      label,
      type: 'custom',
      query: values.join(','),
      options: values.map((v, i) => ({ text: v, value: v, selected: i === 0 })),
      current: { text: first, value: first },
      includeAll: false,
      multi: false,
      hide: 0,
    },
  };
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly Variable[];
  readonly panels: readonly Panel[];
}

export function dashboard(spec: DashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = spec.panels.map((p, i) => {
    if (x + p.w > 24 || p.type === 'row') {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    const gridPos = { h: p.h, w: p.w, x, y };
    x += p.w;
    rowHeight = Math.max(rowHeight, p.h);
    return { id: i + 1, gridPos, ...p.json };
  });
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['riskstream'],
    timezone: 'browser',
    editable: false,
    graphTooltip: 1,
    refresh: '10s',
    schemaVersion: 41,
    version: 1,
    time: { from: 'now-30m', to: 'now' },
    timepicker: {},
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [{ title: 'riskstream', type: 'dashboards', tags: ['riskstream'], asDropdown: true, includeVars: true, keepTime: true }],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: { list: spec.variables.map((v) => v.json) },
    panels,
  };
}
