// The Runs list (filter language, sort, selection), the comparison of selected runs, and one run.
import { useMemo, useState } from 'preact/hooks';
import { getJson } from './api.js';
import { BarChart, ErrorNotice, Loading, html, useLoad } from './components.js';
import { formatDuration, formatTime, formatValue } from './format.js';

const FIXED_COLUMNS = [
  ['id', 'id'],
  ['model', 'model'],
  ['kind', 'kind'],
  ['status', 'status'],
  ['started', 'started'],
  ['outcome.status', 'outcome'],
];
const MAX_METRIC_COLUMNS = 6;

function SortHeader({ field, label, sort, onSort }) {
  const [current, dir] = sort.split(':');
  const active = current === field;
  const next = active && dir === 'desc' ? 'asc' : 'desc';
  const arrow = active ? (dir === 'asc' ? ' ▲' : ' ▼') : '';
  return html`<th aria-sort=${active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}><button type="button" class="sort" data-field=${field} onClick=${() => onSort(`${field}:${next}`)}>${label}${arrow}</button></th>`;
}

function metricColumns(runs) {
  const counts = new Map();
  for (const r of runs) for (const k of Object.keys(r.metrics)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, MAX_METRIC_COLUMNS).map(([k]) => k).sort();
}

function cellOf(run, field) {
  if (field === 'started') return formatTime(run.startedAt);
  if (field === 'outcome.status') return run.outcome ? `${run.outcome.status}${run.outcome.version ? ` v${run.outcome.version}` : ''}` : '–';
  if (field.startsWith('metrics.')) return formatValue(run.metrics[field.slice(8)]);
  return formatValue(run[field]);
}

export function RunsPage() {
  const [draft, setDraft] = useState('');
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState('started:desc');
  const [selected, setSelected] = useState([]);
  const runs = useLoad(() => getJson('/api/runs', { filter, sort }), [filter, sort]);
  const list = runs.data?.runs ?? [];
  const metrics = useMemo(() => metricColumns(list), [runs.data]);
  const toggle = (id) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const submit = (e) => {
    e.preventDefault();
    setFilter(draft.trim());
  };
  const compare = () => (location.hash = `#/compare?ids=${selected.map(encodeURIComponent).join(',')}`);
  return html`
    <h1>Runs</h1>
    <form class="filter" onSubmit=${submit}>
      <input name="filter" type="search" aria-label="filter" placeholder="metrics.ap > 0.6 and params.algorithm = 'gbdt'" value=${draft} onInput=${(e) => setDraft(e.target.value)} />
      <button type="submit">Filter</button>
      <button type="button" class="primary" disabled=${selected.length < 2} onClick=${compare}>Compare ${selected.length > 0 ? `(${selected.length})` : ''}</button>
    </form>
    <p class="hint">Terms <code>FIELD OP VALUE</code> (fields: metrics.NAME, params.NAME, data.NAME, outcome.NAME, id, parent, model, kind, status, started, ended, code) joined with and, or, not and parentheses.</p>
    <${ErrorNotice} error=${runs.error} />
    <${Loading} when=${runs.loading && !runs.data} />
    ${runs.data && list.length === 0 ? html`<p class="notice">No runs${filter ? ' match this filter' : ' tracked yet (riskstream train records them)'}.</p>` : null}
    ${list.length > 0 ? html`
      <table class="runs">
        <thead><tr>
          <th><span class="visually-hidden">select</span></th>
          ${FIXED_COLUMNS.map(([field, label]) => html`<${SortHeader} field=${field} label=${label} sort=${sort} onSort=${setSort} />`)}
          ${metrics.map((m) => html`<${SortHeader} field=${`metrics.${m}`} label=${m} sort=${sort} onSort=${setSort} />`)}
        </tr></thead>
        <tbody>${list.map((r) => html`
          <tr data-run=${r.id}>
            <td><input type="checkbox" aria-label=${`select ${r.id}`} checked=${selected.includes(r.id)} onChange=${() => toggle(r.id)} /></td>
            <td><a href=${`#/runs/${encodeURIComponent(r.id)}`}><code>${r.id}</code></a>${r.parentId ? html` <small>(in ${r.parentId})</small>` : null}</td>
            ${FIXED_COLUMNS.slice(1).map(([field]) => html`<td>${cellOf(r, field)}</td>`)}
            ${metrics.map((m) => html`<td class="num">${cellOf(r, `metrics.${m}`)}</td>`)}
          </tr>`)}
        </tbody>
      </table>` : null}`;
}

function ComparisonTable({ title, rows, runs }) {
  return html`
    <section>
      <h2>${title}</h2>
      ${rows.length === 0 ? html`<p class="notice">None recorded.</p>` : html`
      <table class="compare">
        <thead><tr><th>${title === 'Metrics' ? 'metric' : 'parameter'}</th>${runs.map((r) => html`<th><a href=${`#/runs/${encodeURIComponent(r.id)}`}><code>${r.id}</code></a></th>`)}</tr></thead>
        <tbody>${rows.map((row) => html`
          <tr class=${row.differs ? 'differs' : ''} data-key=${row.key}>
            <th scope="row">${row.key}</th>${row.values.map((v) => html`<td class="num">${formatValue(v)}</td>`)}
          </tr>`)}
        </tbody>
      </table>`}
    </section>`;
}

export function ComparePage({ ids }) {
  const comparison = useLoad(() => getJson('/api/compare', { ids: ids.join(',') }), [ids.join(',')]);
  const [hidden, setHidden] = useState([]);
  const data = comparison.data;
  const numeric = data ? data.metrics.filter((m) => m.values.some((v) => typeof v === 'number')) : [];
  const shown = numeric.filter((m) => !hidden.includes(m.key));
  const toggle = (key) => setHidden((h) => (h.includes(key) ? h.filter((k) => k !== key) : [...h, key]));
  return html`
    <h1>Compare runs</h1>
    <p><a href="#/runs">← all runs</a></p>
    <${ErrorNotice} error=${comparison.error} />
    <${Loading} when=${comparison.loading && !data} />
    ${data ? html`
      <section>
        <h2>Chart</h2>
        <fieldset class="metric-picker"><legend>Metrics in the chart</legend>
          ${numeric.map((m) => html`<label><input type="checkbox" checked=${!hidden.includes(m.key)} onChange=${() => toggle(m.key)} /> ${m.key}</label>`)}
        </fieldset>
        ${shown.length > 0
          ? html`<${BarChart} title="Selected metrics per run" labels=${shown.map((m) => m.key)} datasets=${data.runs.map((r, i) => ({ label: r.id, data: shown.map((m) => (typeof m.values[i] === 'number' ? m.values[i] : null)) }))} />`
          : html`<p class="notice">Pick at least one metric.</p>`}
      </section>
      <p class="hint">Highlighted rows differ between the runs.</p>
      <${ComparisonTable} title="Metrics" rows=${data.metrics} runs=${data.runs} />
      <${ComparisonTable} title="Parameters" rows=${data.params} runs=${data.runs} />` : null}`;
}

function KeyValues({ entries }) {
  if (entries.length === 0) return html`<p class="notice">None recorded.</p>`;
  return html`<table class="kv"><tbody>${entries.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

function sorted(map) {
  return Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, formatValue(v)]);
}

export function RunPage({ id }) {
  const run = useLoad(() => getJson(`/api/runs/${encodeURIComponent(id)}`), [id]);
  const r = run.data;
  return html`
    <h1>Run <code>${id}</code></h1>
    <p><a href="#/runs">← all runs</a></p>
    <${ErrorNotice} error=${run.error} />
    <${Loading} when=${run.loading && !r} />
    ${r ? html`
      <section><h2>Summary</h2><${KeyValues} entries=${[
        ['model', r.model],
        ['kind', r.kind],
        ['status', r.status],
        ['parent', r.parentId ? html`<a href=${`#/runs/${encodeURIComponent(r.parentId)}`}><code>${r.parentId}</code></a>` : '–'],
        ['started', formatTime(r.startedAt)],
        ['ended', formatTime(r.endedAt)],
        ['duration', formatDuration(r.startedAt, r.endedAt)],
        ['code version', r.codeVersion ?? '–'],
        ...(r.error ? [['error', html`<span class="error">${r.error}</span>`]] : []),
      ]} /></section>
      <section class="outcome"><h2>Outcome</h2>${r.outcome ? html`<${KeyValues} entries=${[
        ['status', html`<span class=${`badge ${r.outcome.status}`}>${r.outcome.status}</span>`],
        ['version', r.outcome.version !== undefined ? html`<a href="#/models">v${r.outcome.version}</a>` : '–'],
        ['reasons', r.outcome.reasons.length > 0 ? html`<ul>${r.outcome.reasons.map((x) => html`<li>${x}</li>`)}</ul>` : '–'],
      ]} />` : html`<p class="notice">No outcome yet.</p>`}</section>
      <section><h2>Metrics</h2><${KeyValues} entries=${sorted(r.metrics)} /></section>
      <section><h2>Parameters</h2><${KeyValues} entries=${sorted(r.params)} /></section>
      <section><h2>Data</h2>${r.data ? html`<${KeyValues} entries=${[
        ['source', html`<code>${JSON.stringify(r.data.source)}</code>`],
        ['rows', formatValue(r.data.rows)],
        ['train / test rows', `${formatValue(r.data.trainRows)} / ${formatValue(r.data.testRows)}`],
        ['hash', r.data.hash ? html`<code>${r.data.hash}</code>` : '–'],
        ['time range', r.data.timeRange ? `${formatTime(r.data.timeRange.from)} to ${formatTime(r.data.timeRange.to)}` : '–'],
      ]} />` : html`<p class="notice">None recorded.</p>`}</section>
      <section class="artifacts"><h2>Artifacts</h2>${r.artifacts.length > 0
        ? html`<ul>${r.artifacts.map((a) => html`<li><a href=${a.url} target="_blank" rel="noopener">${a.name}</a></li>`)}</ul>`
        : html`<p class="notice">None recorded.</p>`}</section>` : null}`;
}
