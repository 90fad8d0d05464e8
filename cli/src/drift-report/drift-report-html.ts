/**
 * The drift report page: one self-contained HTML file (inline CSS and SVG from the training report's
 * chart helpers, no script, no external resource, a Content-Security-Policy that forbids any fetch),
 * like the training report. The dataset verdict comes first; then the window and the settings, the
 * statistics table, one overlaid distribution per monitored feature, the score's drift and the
 * performance over time. Every string from the input goes through escapeHtml; numbers are formatted here.
 */
import { escapeHtml, htmlPage, lineChart, overlaidHistogram, type LineSeries } from '@riskstream/training';
import type { PerformanceBucket, VariableDrift } from '@riskstream/drift-monitor';
import type { DriftReportData } from './drift-report.ts';

const DAY_MS = 86_400_000;

export function renderDriftReport(r: DriftReportData): string {
  const title = `Drift report: ${r.model.name} v${r.model.version}`;
  const sections: [string, string, string][] = [
    ['verdict', 'Verdict', verdictSection(r)],
    ['window', 'Window and settings', windowSection(r)],
    ['statistics', 'Feature statistics', statisticsSection(r)],
    ['distributions', 'Distributions: reference vs window', distributionsSection(r)],
    ['score', 'Score drift', scoreSection(r)],
    ['performance', 'Performance over time', performanceSection(r)],
  ];
  const body = sections.map(([id, heading, html]) => `<section class="${id}"><h2>${escapeHtml(heading)}</h2>${html}</section>`).join('\n');
  return htmlPage(title, body, CSS);
}

/** The drift report's rules beside the page's base style (training's html-page.ts). */
const CSS = `
.feature svg{max-width:100%;height:auto;border:1px solid #eee}
.feature{display:inline-block;vertical-align:top;margin:0 1rem 1rem 0}
.badge.drift{background:#b3261e}
.badge.stable{background:#0a7d32}
.badge.untested{background:#777}
tr.drifted td{background:#fdecea}
`;

function verdictSection(r: DriftReportData): string {
  const d = r.drift.dataset;
  const badge =
    d.testedCount === 0
      ? '<span class="badge untested">NO VERDICT</span>'
      : d.drifted
        ? '<span class="badge drift">DATASET DRIFT</span>'
        : '<span class="badge stable">NO DATASET DRIFT</span>';
  const drifted = r.drift.features.filter((f) => f.drifted).map((f) => `<code>${escapeHtml(f.name)}</code>`);
  const lines = [
    `${badge} ${int(d.driftedCount)} of ${int(d.testedCount)} tested features drifted; the dataset verdict needs ${int(d.needed)}.`,
    drifted.length > 0 ? `Drifted: ${drifted.join(', ')}.` : '',
    `Score: ${verdictWord(r.drift.score)} (PSI ${num(r.drift.score.psi)}, KS p-value ${pValue(r.drift.score.pValue)}).`,
    d.testedCount === 0 ? `<span class="note">No feature had the ${int(r.drift.settings.minEvents)} values a verdict needs (DRIFT_MIN_EVENTS).</span>` : '',
  ];
  return lines.filter((l) => l !== '').map((l) => `<p>${l}</p>`).join('');
}

function windowSection(r: DriftReportData): string {
  const s = r.drift.settings;
  const rows: [string, string][] = [
    ['Model', `${escapeHtml(r.model.name)} v${int(r.model.version)} (${escapeHtml(r.model.kind)}, created ${escapeHtml(r.model.createdAt)}; asked for ${escapeHtml(r.requested)})`],
    ['Window', `${escapeHtml(iso(r.fromMs))} to ${escapeHtml(iso(r.toMs))} (event time, end excluded)`],
    ['Offline store', `<code>${escapeHtml(r.root)}</code>`],
    ['Transactions', int(r.rows)],
    ['Scored', `${int(r.drift.scoredEvents)} (${r.scoreSource === 'archived' ? 'archived scores of this model version' : 'scored here with this model, from the features as served: the store has no archived score of it in the window'})`],
    ['Labelled', `${int(r.labelledEvents)} scored transactions have a known label (joined by transaction id)`],
    ['Significance', `alpha ${escapeHtml(s.alpha)}, ${escapeHtml(s.correction)} correction across the monitored features; the score is tested alone at alpha`],
    ['Effect size', `a feature drifts when its test rejects and its PSI is at least ${escapeHtml(s.psiFloor)}`],
    ['Minimum values', `${int(s.minEvents)} per feature and window for a verdict`],
    ['Dataset verdict', s.datasetDriftShare > 0 ? `at least ${pct(s.datasetDriftShare)} of the tested features drift` : 'any one tested feature drifts'],
  ];
  let notes = '';
  if (r.excluded.length > 0) {
    notes +=
      '<h3>Not monitored</h3><table><tr><th class="l">Feature</th><th class="l">Why</th></tr>' +
      r.excluded.map((e) => `<tr><td class="l">${escapeHtml(e.name)}</td><td class="l">${escapeHtml(e.reason)}</td></tr>`).join('') +
      '</table>';
  }
  if (r.unknownFeatures.length > 0) notes += `<p class="note">DRIFT_FEATURES names features the reference profile lacks: ${r.unknownFeatures.map((n) => `<code>${escapeHtml(n)}</code>`).join(', ')}.</p>`;
  if (r.absentFeatures.length > 0) notes += `<p class="note">Absent from the store's files of this window (read as missing): ${r.absentFeatures.map((n) => `<code>${escapeHtml(n)}</code>`).join(', ')}.</p>`;
  return keyValueTable(rows) + notes;
}

function statisticsSection(r: DriftReportData): string {
  const head =
    '<tr><th class="l">Feature</th><th class="l">Kind</th><th>PSI</th><th>JS distance</th><th>KS D</th><th>Chi-square</th><th>p-value</th>' +
    '<th class="l">Test after correction</th><th class="l">Verdict</th><th>Missing (reference)</th><th>Missing (window)</th></tr>';
  const rows = r.drift.features.map((f) => statisticsRow(f)).join('');
  return `<table>${head}${rows}</table><p class="note">PSI and JS compare the binned shares; KS (numeric features, binned CDFs) and chi-square (categorical) give the p-value that enters the correction.</p>`;
}

function statisticsRow(f: VariableDrift): string {
  const test = !f.tested ? 'not tested (too few values)' : f.rejected ? 'rejects' : 'does not reject';
  return (
    `<tr${f.drifted ? ' class="drifted"' : ''}><td class="l">${escapeHtml(f.name)}</td><td class="l">${escapeHtml(f.kind)}</td>` +
    `<td>${num(f.psi)}</td><td>${num(f.js)}</td><td>${num(f.ks)}</td><td>${num(f.chi2, 2)}</td><td>${pValue(f.pValue)}</td>` +
    `<td class="l">${test}</td><td class="l">${verdictWord(f)}</td><td>${pct(f.referenceMissing)}</td><td>${pct(f.windowMissing)}</td></tr>`
  );
}

function distributionsSection(r: DriftReportData): string {
  return r.drift.features
    .map((f) => `<div class="feature" data-feature="${escapeHtml(f.name)}"><h3>${escapeHtml(f.name)}: ${verdictWord(f)}</h3>${histogram(f)}</div>`)
    .join('');
}

function histogram(v: VariableDrift): string {
  return overlaidHistogram({
    title: `${v.name} (PSI ${num(v.psi)})`,
    bins: v.bins.map((b) => b.label),
    series: [
      { name: 'reference', values: v.bins.map((b) => b.reference) },
      { name: 'window', values: v.bins.map((b) => b.window) },
    ],
    valueLabel: v.kind === 'numeric' ? 'share of present values' : 'share',
    format: (x) => `${(x * 100).toFixed(0)}%`,
    width: 520,
  });
}

function scoreSection(r: DriftReportData): string {
  const s = r.drift.score;
  const rows: [string, string][] = [
    ['Verdict', verdictWord(s)],
    ['PSI', num(s.psi)],
    ['JS distance', num(s.js)],
    ['KS D', num(s.ks)],
    ['p-value', pValue(s.pValue)],
  ];
  return `<div class="feature" data-feature="score">${keyValueTable(rows)}${histogram(s)}</div>`;
}

function performanceSection(r: DriftReportData): string {
  const p = r.performance;
  const o = p.overall;
  const intro =
    `<p>Realised: from the scored transactions whose label is known. Estimated: confidence-based (CBPE), as the monitor estimates it ` +
    `before labels arrive: the calibrated scores are expected fraud shares, so the expected AUC, AP and precision at the review threshold ` +
    `(${num(r.model.thresholds.review)}) follow without labels; it holds while the calibration does, which the realised numbers check. ` +
    `Buckets of ${escapeHtml(bucketName(p.bucketMs))}; a bucket needs ${int(p.minEvents)} scored (estimated) or labelled (realised) events for a number (DRIFT_MIN_PERFORMANCE_EVENTS).</p>`;
  const summary = keyValueTable([
    ['ROC AUC realised / estimated', `${num(o.realised.roc_auc)} / ${num(o.estimated.roc_auc)}`],
    ['Average precision realised / estimated', `${num(o.realised.average_precision)} / ${num(o.estimated.average_precision)}`],
    ['Precision at review realised / estimated', `${num(o.realised.precision_at_review)} / ${num(o.estimated.precision_at_review)}`],
    ['Calibration error (ECE, realised)', num(o.realised.calibration_error)],
    ['Fraud rate (labelled) / mean score', `${pct(o.fraudRate, 3)} / ${pct(o.meanScore, 3)}`],
  ]);
  const x = { label: `${bucketUnit(p.bucketMs)}s since ${iso(r.fromMs)}`, min: 0 };
  const at = (b: PerformanceBucket): number => (b.startMs - r.fromMs) / p.bucketMs;
  const metric = (title: string, realised: (b: PerformanceBucket) => number, estimated: (b: PerformanceBucket) => number): string =>
    lineChart({
      title,
      x,
      y: { label: title },
      series: [
        { name: 'realised', markers: true, points: p.buckets.map((b) => ({ x: at(b), y: realised(b) })) },
        { name: 'estimated (CBPE)', dashed: true, markers: true, points: p.buckets.map((b) => ({ x: at(b), y: estimated(b) })) },
      ] satisfies LineSeries[],
      width: 540,
      height: 320,
    });
  const charts = [
    metric('ROC AUC', (b) => b.realised.roc_auc, (b) => b.estimated.roc_auc),
    metric('Average precision', (b) => b.realised.average_precision, (b) => b.estimated.average_precision),
    metric('Precision at review', (b) => b.realised.precision_at_review, (b) => b.estimated.precision_at_review),
    metric('Fraud rate vs mean score', (b) => b.fraudRate, (b) => b.meanScore),
  ];
  const table =
    '<table><tr><th class="l">Bucket</th><th>Scored</th><th>Labelled</th><th>AUC realised</th><th>AUC estimated</th><th>AP realised</th><th>AP estimated</th><th>Precision@review realised</th><th>Precision@review estimated</th><th>ECE</th></tr>' +
    p.buckets
      .map(
        (b) =>
          `<tr><td class="l">${escapeHtml(p.bucketMs >= DAY_MS ? iso(b.startMs).slice(0, 10) : iso(b.startMs))}</td><td>${int(b.estimated.events)}</td><td>${int(b.realised.labelled_events)}</td>` +
          `<td>${num(b.realised.roc_auc)}</td><td>${num(b.estimated.roc_auc)}</td><td>${num(b.realised.average_precision)}</td><td>${num(b.estimated.average_precision)}</td>` +
          `<td>${num(b.realised.precision_at_review)}</td><td>${num(b.estimated.precision_at_review)}</td><td>${num(b.realised.calibration_error)}</td></tr>`,
      )
      .join('') +
    '</table>';
  const empty = p.buckets.every((b) => b.estimated.events < p.minEvents && b.realised.labelled_events < p.minEvents);
  const note = empty ? `<p class="note">No bucket reached ${int(p.minEvents)} events, so the charts have no performance line; the summary above covers the whole window.</p>` : '';
  return `${intro}${summary}${note}<div class="charts">${charts.join('')}</div>${table}`;
}

function verdictWord(v: VariableDrift): string {
  return !v.tested ? 'no verdict' : v.drifted ? 'DRIFT' : v.rejected ? 'significant, below the PSI floor' : 'stable';
}

function keyValueTable(rows: readonly [string, string][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th class="l">${escapeHtml(k)}</th><td class="l">${v}</td></tr>`).join('')}</table>`;
}

function bucketName(ms: number): string {
  return ms >= DAY_MS ? 'one UTC day' : `one ${bucketUnit(ms)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function bucketUnit(ms: number): string {
  return ms >= DAY_MS ? 'day' : ms >= 3_600_000 ? 'hour' : 'minute';
}

function num(v: number, digits = 4): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '—';
}

function int(v: number): string {
  return Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—';
}

function pct(v: number, digits = 1): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : '—';
}

function pValue(p: number): string {
  return !Number.isFinite(p) ? '—' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}
