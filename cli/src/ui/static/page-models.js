// The model registry: every model's versions with headline metrics, aliases and their history, the
// experiment, links to the training reports, a drift-report form per version, promote and rollback.
import { useState } from 'preact/hooks';
import { getJson, postJson } from './api.js';
import { ErrorNotice, Loading, html, useLoad } from './components.js';
import { formatShare, formatTime, formatValue } from './format.js';

const HEADLINE = ['roc_auc', 'average_precision', 'card_precision_at_100', 'ece'];

function headlineKeys(versions) {
  const present = new Set(versions.flatMap((v) => Object.keys(v.metrics)));
  const preferred = HEADLINE.filter((k) => present.has(k));
  return preferred.length > 0 ? preferred : [...present].sort().slice(0, 4);
}

/** YYYY-MM-DD n days before today (UTC); the window's end is exclusive, so "to" defaults to tomorrow. */
function daysAgo(n) {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}

function DriftForm({ version }) {
  return html`
    <form class="drift-form" method="get" action=${version.driftReportUrl} target="_blank">
      <label>from <input type="date" name="from" required value=${daysAgo(7)} /></label>
      <label>to <input type="date" name="to" required value=${daysAgo(-1)} /></label>
      <button type="submit">Drift report</button>
    </form>`;
}

function VersionRow({ model, version, keys, writable, onChange }) {
  const isChampion = model.champion === version.version;
  const promote = () => onChange(`Promote ${model.name} v${version.version} to champion?`, `/api/models/${encodeURIComponent(model.name)}/promote`, { version: version.version });
  return html`
    <tr data-version=${version.version}>
      <td>v${version.version}</td>
      <td>${version.aliases.map((a) => html`<span class=${`badge ${a}`}>${a}</span> `)}</td>
      <td>${formatTime(version.createdAt)}</td>
      <td>${version.parentVersion ? `v${version.parentVersion}` : '–'}</td>
      ${keys.map((k) => html`<td class="num">${formatValue(version.metrics[k])}</td>`)}
      <td>${version.reportUrl ? html`<a href=${version.reportUrl} target="_blank" rel="noopener">training report</a>` : '–'}</td>
      <td><${DriftForm} version=${version} /></td>
      ${writable ? html`<td>${isChampion ? null : html`<button type="button" class="promote" onClick=${promote}>Promote</button>`}</td>` : null}
    </tr>`;
}

function History({ history }) {
  if (history.length === 0) return html`<p class="notice">No alias changes yet.</p>`;
  return html`
    <table class="history">
      <thead><tr><th>when</th><th>alias</th><th>action</th><th>version</th><th>reason</th></tr></thead>
      <tbody>${[...history].reverse().map((e) => html`
        <tr><td>${formatTime(e.at)}</td><td>${e.alias}</td><td>${e.action}</td><td>${e.version ? `v${e.version}` : '–'}</td><td>${e.reason}${e.gate ? html` <small>(Δ ${formatValue(e.gate.delta)}, 95% CI [${formatValue(e.gate.ci[0])}, ${formatValue(e.gate.ci[1])}])</small>` : null}</td></tr>`)}
      </tbody>
    </table>`;
}

function ExperimentSummary({ model }) {
  const e = model.experiment;
  const ended = model.endedExperiments;
  return html`
    ${e ? html`<p>Running: <a href="#/experiments"><strong>${e.name}</strong></a> (${e.mode}) since ${formatTime(e.startedAt)}: ${e.arms.map((a, i) => `${a.arm} v${a.version} ${formatShare(e.weights[i])}`).join(', ')}</p>` : html`<p class="notice">No experiment running.</p>`}
    ${ended.length > 0 ? html`<details><summary>${ended.length} ended</summary><ul>${ended.map((x) => html`<li>${x.experiment.name} (${x.experiment.mode}), stopped ${formatTime(x.stoppedAt)}: ${x.reason}</li>`)}</ul></details>` : null}`;
}

function ModelCard({ model, writable, onChange }) {
  const keys = headlineKeys(model.versions);
  const rollback = () => onChange(`Roll ${model.name} back to its previous champion?`, `/api/models/${encodeURIComponent(model.name)}/rollback`, {});
  return html`
    <section class="model" data-model=${model.name}>
      <h2>${model.name}</h2>
      <p>champion ${model.champion ? html`<strong>v${model.champion}</strong>` : 'none'}, challenger ${model.challenger ? `v${model.challenger}` : 'none'}
        ${writable ? html` <button type="button" class="rollback" onClick=${rollback}>Roll back</button>` : null}</p>
      <table class="versions">
        <thead><tr><th>version</th><th>aliases</th><th>created</th><th>parent</th>${keys.map((k) => html`<th>${k}</th>`)}<th>report</th><th>drift (window)</th>${writable ? html`<th></th>` : null}</tr></thead>
        <tbody>${[...model.versions].reverse().map((v) => html`<${VersionRow} model=${model} version=${v} keys=${keys} writable=${writable} onChange=${onChange} />`)}</tbody>
      </table>
      <h3>Experiment</h3>
      <${ExperimentSummary} model=${model} />
      <h3>Alias history</h3>
      <${History} history=${model.history} />
    </section>`;
}

export function ModelsPage({ writable }) {
  const models = useLoad(() => getJson('/api/models'), []);
  const [result, setResult] = useState(null);
  const change = async (question, path, body) => {
    if (!confirm(question)) return;
    try {
      const r = await postJson(path, body);
      setResult({ ok: true, text: `${r.message}${r.warning ? ` (${r.warning})` : ''}` });
    } catch (error) {
      setResult({ ok: false, error });
    }
    models.reload();
  };
  const list = models.data?.models ?? [];
  return html`
    <h1>Models</h1>
    ${result?.ok ? html`<p class="notice ok" role="status">${result.text}</p>` : null}
    ${result && !result.ok ? html`<${ErrorNotice} error=${result.error} />` : null}
    <${ErrorNotice} error=${models.error} />
    <${Loading} when=${models.loading && !models.data} />
    ${models.data && list.length === 0 ? html`<p class="notice">No models registered yet (riskstream train --simulated registers one).</p>` : null}
    ${list.map((m) => html`<${ModelCard} model=${m} writable=${writable} onChange=${change} />`)}`;
}
