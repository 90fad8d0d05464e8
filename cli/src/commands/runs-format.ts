/** The text of `riskstream runs list|show|compare`: a table of runs, one run in sections, runs side by side. */
import type { JsonValue } from '@riskstream/shared/model';
import type { TrackedRun } from '@riskstream/training';
import type { ComparisonRow, RunComparison } from '@riskstream/training';

const MISSING = '-';
const BEST_MARK = ' <';
const DIFF_MARK = '* ';
const ANSI_DIFF = '\x1b[1;33m';
const ANSI_RESET = '\x1b[0m';
/** The metrics the list shows, in this order. */
const LIST_METRICS = ['ap', 'auc', 'valid_ap'] as const;

export function formatMetric(v: number | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : MISSING;
}

export function formatParam(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return MISSING;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** `2026-12-07T10:00:00.000Z` -> `2026-12-07 10:00` (UTC, like the stored times). */
export function shortTime(iso: string | undefined): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') : MISSING;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return MISSING;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

function outcomeText(run: TrackedRun): string {
  if (!run.outcome) return MISSING;
  return run.outcome.version !== undefined ? `${run.outcome.status} v${run.outcome.version}` : run.outcome.status;
}

/** Aligned columns; `right` marks the columns (numbers) padded on the left. */
function table(header: readonly string[], rows: readonly string[][], right: ReadonlySet<number>): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (r: readonly string[]) => r.map((c, j) => (right.has(j) ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd();
  return [header, ...rows].map(line);
}

export function formatRunList(runs: readonly TrackedRun[]): string {
  const header = ['ID', 'KIND', 'MODEL', 'STATUS', 'STARTED', 'ALGORITHM', ...LIST_METRICS.map((m) => m.toUpperCase()), 'OUTCOME', 'PARENT'];
  const rows = runs.map((r) => [
    r.id,
    r.kind,
    r.model,
    r.status,
    shortTime(r.startedAt),
    formatParam(r.params['algorithm']),
    ...LIST_METRICS.map((m) => formatMetric(r.metrics[m])),
    outcomeText(r),
    r.parentId ? r.parentId.slice(0, 8) : MISSING,
  ]);
  const numeric = new Set(LIST_METRICS.map((_, i) => 6 + i));
  return `${table(header, rows, numeric).join('\n')}\n`;
}

/** `  key   value` lines under a section title; `(none)` when there is nothing to show. */
function section(title: string, entries: readonly (readonly [string, string])[]): string[] {
  if (entries.length === 0) return [title, '  (none)'];
  const width = Math.max(...entries.map(([k]) => k.length));
  return [title, ...entries.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`.trimEnd())];
}

function headerSection(run: TrackedRun): string[] {
  const duration = run.endedAt ? formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt)) : MISSING;
  return section(`run ${run.id} (${run.kind}, model ${run.model})`, [
    ['status', run.status],
    ['started', run.startedAt],
    ['ended', run.endedAt ?? MISSING],
    ['duration', duration],
    ['code', run.codeVersion ?? MISSING],
    ['parent', run.parentId ?? MISSING],
  ]);
}

function dataSection(run: TrackedRun): string[] {
  const d = run.data;
  if (!d) return section('Data', []);
  const split = d.trainRows !== undefined || d.testRows !== undefined ? ` (train ${d.trainRows ?? MISSING}, test ${d.testRows ?? MISSING})` : '';
  return section('Data', [
    ['source', JSON.stringify(d.source)],
    ['rows', `${d.rows}${split}`],
    ['hash', d.hash ?? MISSING],
    ['time range', d.timeRange ? `${d.timeRange.from} .. ${d.timeRange.to}` : MISSING],
  ]);
}

function outcomeSection(run: TrackedRun): string[] {
  const o = run.outcome;
  if (!o) return section('Outcome', []);
  return section('Outcome', [
    ['status', o.status],
    ['version', o.version !== undefined ? `v${o.version}` : MISSING],
    ...o.reasons.map((reason, i): [string, string] => [i === 0 ? 'reasons' : '', reason]),
  ]);
}

const sortedEntries = <V>(map: Readonly<Record<string, V>>, show: (v: V) => string): [string, string][] =>
  Object.keys(map)
    .sort()
    .map((k) => [k, show(map[k]!)]);

export function formatRunDetail(run: TrackedRun): string {
  const blocks = [
    headerSection(run),
    section('Parameters', sortedEntries(run.params, formatParam)),
    dataSection(run),
    section('Metrics', sortedEntries(run.metrics, formatMetric)),
    section('Artifacts', sortedEntries(run.artifacts, String)),
    outcomeSection(run),
    ...(run.error !== undefined ? [['Error', ...run.error.split('\n').map((l) => `  ${l}`)]] : []),
  ];
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
}

export interface ComparisonStyle {
  /** Highlight differing rows in bold yellow instead of a leading `*`. */
  readonly tty: boolean;
  readonly onlyDiff: boolean;
}

interface Line {
  readonly cells: readonly string[];
  readonly differs: boolean;
}

function comparisonLines<V>(rows: readonly ComparisonRow<V>[], show: (v: V | undefined) => string, onlyDiff: boolean): Line[] {
  return rows
    .filter((r) => r.differs || !onlyDiff)
    .map((r) => ({ cells: [r.key, ...r.values.map((v, i) => `${show(v)}${r.best.includes(i) ? BEST_MARK : ''}`)], differs: r.differs }));
}

function legend(tty: boolean): string {
  const differ = tty ? `${ANSI_DIFF}bold yellow${ANSI_RESET} rows differ between runs` : `${DIFF_MARK.trim()} marks rows that differ between runs`;
  return `${differ}; ${BEST_MARK.trim()} marks the best value of a metric (lower is better for logloss, ece, brier, *_seconds and *_diff)`;
}

/** Parameters, then metrics; one column per run, aligned across both sections. */
export function formatComparison(c: RunComparison, style: ComparisonStyle): string {
  const params = comparisonLines(c.params, formatParam, style.onlyDiff);
  const metrics = comparisonLines(c.metrics, formatMetric, style.onlyDiff);
  const head: Line = { cells: ['run', ...c.runs], differs: false };
  const all = [head, ...params, ...metrics];
  const widths = head.cells.map((_, j) => Math.max(...all.map((l) => l.cells[j]!.length)));
  const render = (l: Line) => {
    const text = l.cells.map((cell, j) => cell.padEnd(widths[j]!)).join('  ').trimEnd();
    if (style.tty) return l.differs ? `  ${ANSI_DIFF}${text}${ANSI_RESET}` : `  ${text}`;
    return `${l.differs ? DIFF_MARK : '  '}${text}`;
  };
  const block = (title: string, lines: readonly Line[]) => [title, ...(lines.length ? lines.map(render) : [style.onlyDiff ? '  (no differences)' : '  (none)'])];
  return `${[render(head), ...block('Parameters', params), ...block('Metrics', metrics), '', legend(style.tty)].join('\n')}\n`;
}
