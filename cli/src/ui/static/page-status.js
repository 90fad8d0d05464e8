// What runs now: the experiment with live statistics, recent lifecycle events, Grafana dashboards.
import { getJson } from './api.js';
import { ErrorNotice, Loading, html, useInterval, useLoad } from './components.js';
import { formatShare, formatTime, formatValue } from './format.js';

const REFRESH_MS = 10_000;

function interval(ci, show) {
  return Array.isArray(ci) && ci.every((x) => typeof x === 'number') ? ` [${show(ci[0])}, ${show(ci[1])}]` : '';
}

function ArmRow({ arm, version, weight, live }) {
  const s = live?.arms.find((a) => a.arm === arm);
  return html`
    <tr data-arm=${arm}>
      <td>${arm}${s?.stopped ? ' (stopped)' : ''}</td>
      <td>v${version}</td>
      <td class="num">${formatShare(s?.weight ?? weight)}</td>
      <td class="num">${s ? s.events : '–'}</td>
      <td class="num">${s ? s.labelled : '–'}</td>
      <td>${s ? `${s.decisions.APPROVE}/${s.decisions.REVIEW}/${s.decisions.DECLINE}` : '–'}</td>
      <td>${s ? `${formatShare(s.precision.realised)}${interval(s.precision.realisedCi, formatShare)} / ${formatShare(s.precision.estimated)}` : '–'}</td>
      <td>${s ? `${formatShare(s.recall.realised)}${interval(s.recall.realisedCi, formatShare)} / ${formatShare(s.recall.estimated)}` : '–'}</td>
      <td>${s ? `${formatValue(s.valuePerEvent.blended)}${interval(s.valuePerEvent.ci, formatValue)}` : '–'}</td>
      <td class="num">${formatShare(s?.probabilityBest)}</td>
    </tr>`;
}

function Experiment({ x }) {
  const { spec, live } = x;
  return html`
    <section class="experiment" data-experiment=${spec.name}>
      <h2>${x.model}: ${spec.name}</h2>
      <p>${spec.mode === 'bandit' ? `Thompson bandit, max share ${formatShare(spec.maxShare)}, min events ${spec.minEvents}` : 'fixed split'}; started ${formatTime(spec.startedAt)}</p>
      ${x.liveError ? html`<p class="notice warn">No live statistics: ${x.liveError}</p>` : null}
      <table class="arms">
        <thead><tr><th>arm</th><th>version</th><th>weight</th><th>events</th><th>labelled</th><th>approve/review/decline</th><th>precision realised [95%] / est.</th><th>recall realised [95%] / est.</th><th>value/event ${live?.currency ?? ''} [95%]</th><th>P(best)</th></tr></thead>
        <tbody>${spec.arms.map((a, i) => html`<${ArmRow} arm=${a.arm} version=${a.version} weight=${spec.weights[i]} live=${live} />`)}</tbody>
      </table>
    </section>`;
}

export function ExperimentsPage() {
  const experiments = useLoad(() => getJson('/api/experiments'), []);
  useInterval(experiments.reload, REFRESH_MS);
  const list = experiments.data?.experiments ?? [];
  return html`
    <h1>Experiment</h1>
    <${ErrorNotice} error=${experiments.error} />
    <${Loading} when=${experiments.loading && !experiments.data} />
    ${experiments.data && list.length === 0 ? html`<p class="notice">No experiment is running (riskstream experiment start begins one).</p>` : null}
    ${list.map((x) => html`<${Experiment} x=${x} />`)}`;
}

function LifecycleStatus({ feed }) {
  if (feed.status === 'unavailable') {
    return html`<p class="notice warn kafka-down" role="status">Kafka is not reachable: ${feed.error}. ${feed.readAt ? `Showing the events read at ${formatTime(feed.readAt)}.` : 'No events read yet.'}</p>`;
  }
  if (feed.status === 'starting') return html`<p class="notice">Reading ${feed.topic}…</p>`;
  return html`<p class="hint">${feed.topic}: the ${feed.events.length} most recent events, read ${formatTime(feed.readAt)}, checked ${formatTime(feed.checkedAt)}.</p>`;
}

export function LifecyclePage() {
  const feed = useLoad(() => getJson('/api/lifecycle'), []);
  useInterval(feed.reload, REFRESH_MS);
  const f = feed.data;
  return html`
    <h1>Lifecycle events</h1>
    <${ErrorNotice} error=${feed.error} />
    <${Loading} when=${feed.loading && !f} />
    ${f ? html`<${LifecycleStatus} feed=${f} />` : null}
    ${f && f.events.length === 0 && f.status === 'ok' ? html`<p class="notice">No lifecycle events yet.</p>` : null}
    ${f && f.events.length > 0 ? html`
      <table class="lifecycle">
        <thead><tr><th>when</th><th>model</th><th>action</th><th>version</th><th>previous</th><th>reasons</th><th>experiment</th></tr></thead>
        <tbody>${f.events.map(({ event: e, partition, offset }) => html`
          <tr data-offset=${`${partition}:${offset}`}>
            ${e.undecodable ? html`<td colspan="7" class="error">undecodable record at ${partition}:${offset}: ${e.undecodable}</td>` : html`
              <td>${formatTime(e.at)}</td><td>${e.model_name}</td><td><span class=${`badge ${String(e.action).toLowerCase()}`}>${e.action}</span></td>
              <td>${e.version ? `v${e.version}` : '–'}</td><td>${e.previous_version ? `v${e.previous_version}` : '–'}</td>
              <td>${(e.reasons ?? []).join('; ') || '–'}</td><td>${e.experiment ? e.experiment.name : '–'}</td>`}
          </tr>`)}
        </tbody>
      </table>` : null}`;
}

export function DashboardsPage() {
  const dashboards = useLoad(() => getJson('/api/dashboards'), []);
  const d = dashboards.data;
  return html`
    <h1>Dashboards</h1>
    <${ErrorNotice} error=${dashboards.error} />
    <${Loading} when=${dashboards.loading && !d} />
    ${d ? html`
      <p class="hint">Grafana at <code>${d.grafanaUrl}</code> (GRAFANA_URL).</p>
      <ul class="dashboards">${d.dashboards.map((x) => html`<li><a href=${x.url} target="_blank" rel="noopener">${x.title}</a> <small><code>${x.uid}</code></small></li>`)}</ul>` : null}`;
}
