/**
 * The training report: one self-contained HTML page (inline CSS and SVG, no script, no external
 * resource) that a reviewer opens from the model's registry folder to decide whether the candidate is
 * fit to promote. It shows the candidate next to the logistic-regression baseline and the current
 * champion, evaluated on the same holdout, plus the promotion gate's decision.
 *
 * Self-contained on purpose: the page must render offline and years later, and a Content-Security-Policy
 * of default-src 'none' makes the browser refuse any network fetch even if one slipped in. Every string
 * from the input is escaped (escapeHtml); numbers are formatted here. Every section is always present,
 * with a note when its data was not supplied, so reports of different runs have the same outline.
 * Output is deterministic (no "generated at" clock), so two runs with the same input give the same file.
 */

import type { GateResult } from '../registry/promotion-gate.ts';
import type { ThresholdChoice } from '../thresholds.ts';
import { HEADLINE_METRICS, compareEvaluations, headlineMetrics } from './evaluation.ts';
import type { Evaluation } from './evaluation.ts';
import { escapeHtml } from './html-escape.ts';
import { htmlPage } from './html-page.ts';
import { PALETTE, barChart, lineChart, reliabilityDiagram } from './svg-charts.ts';
import type { LineSeries } from './svg-charts.ts';
import type { ThresholdMetrics } from '../metrics/threshold-metrics.ts';

export interface ReportModelInfo {
  readonly name: string;
  /** Model kind, e.g. "tree-ensemble" or "linear". */
  readonly kind: string;
  /** Registry version; absent when the report is rendered before registration. */
  readonly version?: number | undefined;
  readonly parentVersion?: number | undefined;
  /** Number of trees kept (tree ensembles). */
  readonly trees?: number | undefined;
  /** Further labelled facts (algorithm, run id, feature selection), shown as given (escaped). */
  readonly details?: readonly (readonly [string, string])[] | undefined;
}

export interface DataSplitSummary {
  readonly name: string;
  readonly rows: number;
  readonly positives: number;
  /** Time range, as text (e.g. ISO dates). */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export interface DataSummary {
  /** Rows of the whole dataset and its fraud rate. */
  readonly rows: number;
  readonly positiveRate: number;
  readonly dataHash: string;
  /** Model input order. */
  readonly features: readonly string[];
  readonly trainRows?: number | undefined;
  readonly testRows?: number | undefined;
  /** What the evaluations were computed on, e.g. "holdout, days 150-181"; default "holdout". */
  readonly evaluationSet?: string | undefined;
  readonly splits?: readonly DataSplitSummary[] | undefined;
}

/** Evaluations of the candidate and its comparators on the SAME rows (see evaluation.ts). */
export interface ReportEvaluations {
  readonly candidate: Evaluation;
  /** Logistic-regression baseline. */
  readonly baseline?: Evaluation | undefined;
  /** Current champion, when there is one. */
  readonly champion?: Evaluation | undefined;
}

/** One boosting round; a missing or non-finite value leaves a gap in that line. */
export interface LearningCurvePoint {
  readonly round: number;
  readonly train?: number | undefined;
  readonly valid?: number | undefined;
}

export interface FeatureImportanceEntry {
  readonly feature: string;
  readonly importance: number;
}

export interface ReportInput {
  /** Page title; defaults to "Training report: <name> v<version>". */
  readonly title?: string | undefined;
  readonly model: ReportModelInfo;
  /** ISO-8601 timestamp of the training run (shown as given). */
  readonly createdAt: string;
  readonly data: DataSummary;
  readonly evaluations: ReportEvaluations;
  /** Column and legend labels; defaults: "<name> v<version>", "logistic regression", "champion". */
  readonly labels?: { readonly candidate?: string; readonly baseline?: string; readonly champion?: string } | undefined;
  /** Train/valid metric per boosting round, in round order. */
  readonly learningCurve?: readonly LearningCurvePoint[] | undefined;
  /** Metric of the learning curve; default "log loss". */
  readonly learningCurveMetric?: string | undefined;
  /** Round of the model that was kept (early stopping), marked on the learning curve. */
  readonly bestRound?: number | undefined;
  readonly gate?: GateResult | undefined;
  /** How the candidate's thresholds were chosen (thresholds.ts). */
  readonly thresholdChoice?: ThresholdChoice | undefined;
  /** Importance per feature (any order; shown ranked). */
  readonly featureImportance?: readonly FeatureImportanceEntry[] | undefined;
  /** What the importance measures; default "gain". */
  readonly importanceKind?: string | undefined;
}

/** Section headings, in page order. */
export const REPORT_SECTIONS = [
  'Model',
  'Data',
  'Headline metrics',
  'ROC curve',
  'Precision-recall curve',
  'Lift',
  'Calibration',
  'Confusion matrices',
  'Precision and recall at thresholds',
  'Learning curve',
  'Promotion gate',
  'Features',
] as const;

type Section = (typeof REPORT_SECTIONS)[number];

interface Named {
  readonly label: string;
  readonly evaluation: Evaluation;
  readonly color: string;
}

const LIFT_TABLE_FRACTIONS = [0.01, 0.02, 0.05, 0.1, 0.2];
const IMPORTANCE_CHART_FEATURES = 25;

export function renderReport(input: ReportInput): string {
  const { model, evaluations } = input;
  const candidateLabel = input.labels?.candidate ?? (model.version !== undefined ? `${model.name} v${model.version}` : `${model.name} (candidate)`);
  const models: Named[] = [{ label: candidateLabel, evaluation: evaluations.candidate, color: PALETTE[0]! }];
  if (evaluations.baseline) models.push({ label: input.labels?.baseline ?? 'logistic regression', evaluation: evaluations.baseline, color: PALETTE[1]! });
  if (evaluations.champion) models.push({ label: input.labels?.champion ?? 'champion', evaluation: evaluations.champion, color: PALETTE[2]! });
  const title = input.title ?? `Training report: ${candidateLabel}`;

  const body: Record<Section, string> = {
    Model: modelSection(input, candidateLabel),
    Data: dataSection(input),
    'Headline metrics': headlineSection(input, models),
    'ROC curve': rocSection(models),
    'Precision-recall curve': prSection(models),
    Lift: liftSection(models),
    Calibration: calibrationSection(models),
    'Confusion matrices': confusionSection(evaluations.candidate, candidateLabel),
    'Precision and recall at thresholds': thresholdSection(evaluations.candidate, candidateLabel),
    'Learning curve': learningSection(input),
    'Promotion gate': gateSection(input.gate),
    Features: featureSection(input),
  };
  const sections = REPORT_SECTIONS.map((s) => `<section><h2>${escapeHtml(s)}</h2>${body[s]}</section>`).join('\n');
  return htmlPage(title, sections, CSS);
}

/** The training report's rules beside the page's base style (html-page.ts). */
const CSS = `
.better{color:#0a7d32}
.worse{color:#b3261e}
.promote{background:#0a7d32}
.refuse{background:#b3261e}
`;

const UNREGISTERED = 'not registered yet';

/**
 * A report rendered before registration (a retrain's, in its training thread) with the version it was
 * registered as in its Model table.
 */
export function reportWithVersion(html: string, version: number): string {
  return html.replace(`<th class="l">Version</th><td class="l">${UNREGISTERED}</td>`, `<th class="l">Version</th><td class="l">${escapeHtml(version)}</td>`);
}

function modelSection(input: ReportInput, label: string): string {
  const { model } = input;
  const candidate = input.evaluations.candidate;
  const rows: [string, string][] = [
    ['Name', escapeHtml(model.name)],
    ['Version', model.version !== undefined ? escapeHtml(model.version) : UNREGISTERED],
    ['Kind', escapeHtml(model.kind)],
    ['Created at', escapeHtml(input.createdAt)],
  ];
  if (model.trees !== undefined) rows.push(['Trees', int(model.trees)]);
  if (model.parentVersion !== undefined) rows.push(['Parent version', escapeHtml(model.parentVersion)]);
  for (const [label, value] of model.details ?? []) rows.push([escapeHtml(label), escapeHtml(value)]);
  rows.push(['Review threshold', num(candidate.thresholds.review)], ['Decline threshold', num(candidate.thresholds.decline)]);
  const choice = input.thresholdChoice;
  let note = '';
  if (choice) {
    const rule =
      choice.declineRule === 'precision'
        ? `decline reaches precision ${pct(choice.declinePrecision)} on the threshold-selection set`
        : `the decline precision target was NOT reachable; decline falls back to the top 1% of scores (precision ${pct(choice.declinePrecision)})`;
    note = `<p class="note">Thresholds for ${escapeHtml(label)}: review flags ${pct(choice.reviewRate)} of rows, decline ${pct(choice.declineRate)}; ${escapeHtml(rule)}.</p>`;
  }
  return keyValueTable(rows) + note;
}

function dataSection(input: ReportInput): string {
  const d = input.data;
  const e = input.evaluations.candidate;
  const rows: [string, string][] = [
    ['Rows', int(d.rows)],
    ['Fraud rate', pct(d.positiveRate, 3)],
    ['Data hash', `<code>${escapeHtml(d.dataHash)}</code>`],
    ['Features', int(d.features.length)],
  ];
  if (d.trainRows !== undefined) rows.push(['Training rows', int(d.trainRows)]);
  if (d.testRows !== undefined) rows.push(['Holdout rows', int(d.testRows)]);
  rows.push(['Evaluated on', `${escapeHtml(d.evaluationSet ?? 'holdout')}: ${int(e.rows)} rows, ${int(e.positives)} fraud (${pct(e.positive_rate, 3)})`]);
  let splits = '';
  if (d.splits && d.splits.length > 0) {
    splits =
      '<h3>Splits</h3><table><tr><th class="l">Split</th><th>Rows</th><th>Fraud</th><th>Fraud rate</th><th class="l">From</th><th class="l">To</th></tr>' +
      d.splits
        .map(
          (s) =>
            `<tr><td class="l">${escapeHtml(s.name)}</td><td>${int(s.rows)}</td><td>${int(s.positives)}</td><td>${s.rows > 0 ? pct(s.positives / s.rows, 3) : '—'}</td>` +
            `<td class="l">${escapeHtml(s.from ?? '')}</td><td class="l">${escapeHtml(s.to ?? '')}</td></tr>`,
        )
        .join('') +
      '</table>';
  }
  return keyValueTable(rows) + splits;
}

function headlineSection(input: ReportInput, models: readonly Named[]): string {
  const candidate = models[0]!;
  const others = models.slice(1);
  const values = models.map((m) => headlineMetrics(m.evaluation));
  const deltas = others.map((m) => compareEvaluations(candidate.evaluation, m.evaluation));
  let head = `<tr><th class="l">Metric</th><th>${escapeHtml(candidate.label)}</th>`;
  for (const m of others) head += `<th>${escapeHtml(m.label)}</th><th>Δ vs ${escapeHtml(m.label)}</th>`;
  head += '</tr>';
  const rows = HEADLINE_METRICS.filter((h) => values.some((v) => v[h.key] !== null && v[h.key] !== undefined)).map((h) => {
    let row = `<tr><td class="l">${escapeHtml(h.label)}</td><td>${headlineNum(values[0]![h.key])}</td>`;
    others.forEach((_, i) => {
      const d = deltas[i]![h.key];
      const cls = d === undefined || d === 0 || h.higherIsBetter === null ? '' : (d > 0) === h.higherIsBetter ? 'better' : 'worse';
      row += `<td>${headlineNum(values[i + 1]![h.key])}</td><td${cls ? ` class="${cls}"` : ''}>${d === undefined ? '—' : signed(d, Math.abs(d) >= 10 ? 2 : 4)}</td>`;
    });
    return `${row}</tr>`;
  });
  const t = candidate.evaluation.thresholds;
  const sameThresholds = others.every((m) => m.evaluation.thresholds.review === t.review && m.evaluation.thresholds.decline === t.decline);
  const note =
    `<p class="note">All models are evaluated on the same rows, ` +
    `${sameThresholds ? "threshold metrics at the candidate's thresholds" : "threshold metrics at each model's own thresholds"}. ` +
    `Green: the candidate is better; lower is better for log loss, Brier score and ECE.` +
    `${input.evaluations.champion ? '' : ' No champion yet.'}${input.evaluations.baseline ? '' : ' No baseline was supplied.'}</p>`;
  return `<table>${head}${rows.join('')}</table>${note}`;
}

function rocSection(models: readonly Named[]): string {
  const series = models
    .filter((m) => m.evaluation.roc_curve.length > 0)
    .map((m) => ({ name: `${m.label} (AUC ${num(m.evaluation.roc_auc)})`, color: m.color, points: m.evaluation.roc_curve.map((p) => ({ x: p.fpr, y: p.tpr })) }));
  if (series.length === 0) return note('ROC curve undefined: the evaluation rows contain a single class.');
  const full = lineChart({ title: 'ROC curve', x: { label: 'False positive rate', min: 0, max: 1 }, y: { label: 'True positive rate', min: 0, max: 1 }, series, diagonal: true });
  // Fraud operations live at false positive rates of a few percent; the full curve hides that region.
  const zoom = lineChart({
    title: 'ROC curve, FPR ≤ 5%',
    x: { label: 'False positive rate', min: 0, max: 0.05, format: (v) => pct(v, 0) },
    y: { label: 'True positive rate', min: 0, max: 1 },
    series: series.map((s) => ({ ...s, points: clipX(s.points, 0.05) })),
  });
  return `<div class="charts">${full}${zoom}</div>`;
}

function prSection(models: readonly Named[]): string {
  const withCurve = models.filter((m) => m.evaluation.pr_curve.length > 0);
  if (withCurve.length === 0) return note('Precision-recall curve undefined: the evaluation rows contain no fraud.');
  const series: LineSeries[] = withCurve.map((m) => ({
    name: `${m.label} (AP ${num(m.evaluation.average_precision)})`,
    color: m.color,
    points: m.evaluation.pr_curve.map((p) => ({ x: p.recall, y: p.precision })),
  }));
  const rate = withCurve[0]!.evaluation.positive_rate;
  series.push({ name: `no skill (fraud rate ${pct(rate, 2)})`, color: '#999', dashed: true, points: [{ x: 0, y: rate }, { x: 1, y: rate }] });
  return `<div class="charts">${lineChart({ title: 'Precision-recall curve', x: { label: 'Recall', min: 0, max: 1 }, y: { label: 'Precision', min: 0, max: 1 }, series })}</div>`;
}

function liftSection(models: readonly Named[]): string {
  const withLift = models.filter((m) => m.evaluation.lift.length > 0);
  if (withLift.length === 0) return note('Lift undefined: the evaluation rows contain no fraud.');
  const liftChart = lineChart({
    title: 'Cumulative lift, top 20% of scores',
    x: { label: 'Share of rows flagged (highest scores first)', min: 0, max: 0.2, format: (v) => pct(v, 0) },
    y: { label: 'Cumulative lift', min: 0 },
    series: withLift.map((m) => ({ name: m.label, color: m.color, markers: true, points: m.evaluation.lift.filter((r) => r.fraction <= 0.2 + 1e-9).map((r) => ({ x: r.fraction, y: r.cumulativeLift })) })),
  });
  const gains = lineChart({
    title: 'Fraud captured (gains)',
    x: { label: 'Share of rows flagged (highest scores first)', min: 0, max: 1, format: (v) => pct(v, 0) },
    y: { label: 'Share of fraud captured', min: 0, max: 1, format: (v) => pct(v, 0) },
    diagonal: true,
    series: withLift.map((m) => ({ name: m.label, color: m.color, points: [{ x: 0, y: 0 }, ...m.evaluation.lift.map((r) => ({ x: r.fraction, y: r.capture }))] })),
  });
  let table = '<table><tr><th class="l">Top share of rows</th>';
  for (const m of withLift) table += `<th>Lift: ${escapeHtml(m.label)}</th><th>Captured: ${escapeHtml(m.label)}</th>`;
  table += '</tr>';
  for (const fraction of LIFT_TABLE_FRACTIONS) {
    table += `<tr><td class="l">${pct(fraction, 0)}</td>`;
    for (const m of withLift) {
      const row = m.evaluation.lift.find((r) => Math.abs(r.fraction - fraction) < 1e-9);
      table += `<td>${row ? num(row.cumulativeLift, 2) : '—'}</td><td>${row ? pct(row.capture) : '—'}</td>`;
    }
    table += '</tr>';
  }
  table += '</table>';
  return `<div class="charts">${liftChart}${gains}</div>${table}`;
}

function calibrationSection(models: readonly Named[]): string {
  const diagram = reliabilityDiagram({
    title: 'Reliability diagram (10 equal-width bins)',
    series: models.map((m) => ({ name: `${m.label} (ECE ${num(m.evaluation.ece)})`, color: m.color, bins: m.evaluation.calibration.bins })),
  });
  let ece = '<table><tr><th class="l">Model</th><th>ECE</th><th>Max gap (MCE)</th><th>Brier score</th><th>Log loss</th></tr>';
  for (const m of models) {
    const e = m.evaluation;
    ece += `<tr><td class="l">${escapeHtml(m.label)}</td><td>${num(e.ece)}</td><td>${num(e.mce)}</td><td>${num(e.brier)}</td><td>${num(e.logloss)}</td></tr>`;
  }
  ece += '</table>';
  const c = models[0]!;
  let bins = `<h3>Bins: ${escapeHtml(c.label)}</h3><table><tr><th>Probability range</th><th>Rows</th><th>Mean predicted</th><th>Observed fraud rate</th></tr>`;
  for (const b of c.evaluation.calibration.bins) {
    bins += `<tr><td>${num(b.lower, 2)}–${num(b.upper, 2)}</td><td>${int(b.count)}</td><td>${b.count > 0 ? num(b.meanPredicted) : '—'}</td><td>${b.count > 0 ? num(b.fractionPositive) : '—'}</td></tr>`;
  }
  bins += '</table>';
  return `<div class="charts">${diagram}</div>${ece}${bins}`;
}

function confusionSection(e: Evaluation, label: string): string {
  const matrix = (name: string, m: ThresholdMetrics): string => {
    const fraud = m.tp + m.fn;
    const legit = m.fp + m.tn;
    return (
      `<div><h3>${escapeHtml(name)} (p ≥ ${num(m.threshold)})</h3><table>` +
      '<tr><th class="l"></th><th>Flagged</th><th>Not flagged</th></tr>' +
      `<tr><th class="l">Fraud</th>${cell(m.tp, fraud)}${cell(m.fn, fraud)}</tr>` +
      `<tr><th class="l">Legitimate</th>${cell(m.fp, legit)}${cell(m.tn, legit)}</tr>` +
      `</table><p>Precision ${pct(m.precision)}, recall ${pct(m.recall)}, F1 ${num(m.f1)}, FPR ${pct(m.fpr, 3)}, flagged ${pct(m.flaggedRate, 3)}</p></div>`
    );
  };
  const d = e.decision_matrix;
  const fraud = d.approve.fraud + d.review.fraud + d.decline.fraud;
  const legit = d.approve.legit + d.review.legit + d.decline.legit;
  const actions =
    '<h3>Rows by scoring action</h3><table><tr><th class="l"></th><th>Approve</th><th>Review</th><th>Decline</th></tr>' +
    `<tr><th class="l">Fraud</th>${cell(d.approve.fraud, fraud)}${cell(d.review.fraud, fraud)}${cell(d.decline.fraud, fraud)}</tr>` +
    `<tr><th class="l">Legitimate</th>${cell(d.approve.legit, legit)}${cell(d.review.legit, legit)}${cell(d.decline.legit, legit)}</tr></table>`;
  return (
    `<p class="note">${escapeHtml(label)}; shading and percentages are shares of the actual class (row). "Review threshold" flags review and decline rows together.</p>` +
    `<div class="charts">${matrix('Review threshold', e.operating_points.review)}${matrix('Decline threshold', e.operating_points.decline)}</div>${actions}`
  );
}

function thresholdSection(e: Evaluation, label: string): string {
  const row = (name: string, m: ThresholdMetrics): string =>
    `<tr><td class="l">${escapeHtml(name)}</td><td>${num(m.threshold)}</td><td>${pct(m.flaggedRate, 3)}</td><td>${pct(m.precision)}</td><td>${pct(m.recall)}</td>` +
    `<td>${num(m.f1)}</td><td>${pct(m.fpr, 3)}</td><td>${int(m.tp)}</td><td>${int(m.fp)}</td></tr>`;
  let table =
    '<table><tr><th class="l">Operating point</th><th>Threshold</th><th>Flagged</th><th>Precision</th><th>Recall</th><th>F1</th><th>FPR</th><th>TP</th><th>FP</th></tr>';
  table += row('review', e.operating_points.review) + row('decline', e.operating_points.decline);
  for (const m of e.threshold_grid) table += row('grid', m);
  table += '</table>';
  let chart = '';
  if (e.pr_curve.length > 0) {
    const byThreshold = [...e.pr_curve].sort((a, b) => a.threshold - b.threshold);
    chart = lineChart({
      title: `Precision and recall by threshold: ${label}`,
      x: { label: 'Threshold (flag when p ≥ threshold)', min: 0, max: 1 },
      y: { label: 'Share', min: 0, max: 1, format: (v) => pct(v, 0) },
      series: [
        { name: 'precision', points: byThreshold.map((p) => ({ x: p.threshold, y: p.precision })) },
        { name: 'recall', points: byThreshold.map((p) => ({ x: p.threshold, y: p.recall })) },
      ],
      markers: [
        { x: e.thresholds.review, label: 'review' },
        { x: e.thresholds.decline, label: 'decline' },
      ],
    });
  }
  return `<p class="note">${escapeHtml(label)}.</p>${chart ? `<div class="charts">${chart}</div>` : ''}${table}`;
}

function learningSection(input: ReportInput): string {
  const points = input.learningCurve;
  if (!points || points.length === 0) return note('No learning curve was supplied (the learner is not iterative, or no history was kept).');
  const metric = input.learningCurveMetric ?? 'log loss';
  const series: LineSeries[] = [];
  if (points.some((p) => p.train !== undefined)) series.push({ name: 'train', points: points.map((p) => ({ x: p.round, y: p.train ?? Number.NaN })) });
  if (points.some((p) => p.valid !== undefined)) series.push({ name: 'validation', points: points.map((p) => ({ x: p.round, y: p.valid ?? Number.NaN })) });
  const chart = lineChart({
    title: `Learning curve: ${metric}`,
    x: { label: 'Boosting round' },
    y: { label: metric },
    series,
    ...(input.bestRound !== undefined ? { markers: [{ x: input.bestRound, label: `kept: round ${input.bestRound}` }] } : {}),
  });
  return `<div class="charts">${chart}</div>`;
}

function gateSection(gate: GateResult | undefined): string {
  if (!gate) return note('No promotion gate result was supplied.');
  const badge = gate.promote ? '<span class="badge promote">PROMOTE</span>' : '<span class="badge refuse">REFUSED</span>';
  const against = gate.hasChampion ? 'Champion' : gate.metric === 'value' ? 'Approve-everything baseline' : 'No-skill baseline';
  const rows: [string, string][] = [
    // value is in currency units (the promotion gate's value criterion).
    ['Metric', escapeHtml(gate.currency ? `${gate.metric} (${gate.currency})` : gate.metric)],
    ['Challenger', num(gate.challenger)],
    [against, num(gate.champion)],
    ['Delta', signed(gate.delta)],
    ['Bootstrap CI of delta', `[${signed(gate.ci[0])}, ${signed(gate.ci[1])}]`],
    ['p-value', num(gate.pValue)],
    ['Skipped resamples', int(gate.skippedResamples)],
  ];
  const reasons = `<h3>Reasons</h3><ul>${gate.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`;
  return `<p>${badge}</p>${keyValueTable(rows)}${reasons}`;
}

function featureSection(input: ReportInput): string {
  const names = input.data.features;
  const importance = input.featureImportance;
  if (!importance || importance.length === 0) {
    return `<p class="note">Model input order; no importance was supplied.</p><ol>${names.map((n) => `<li><code>${escapeHtml(n)}</code></li>`).join('')}</ol>`;
  }
  const kind = input.importanceKind ?? 'gain';
  const inputIndex = new Map(names.map((n, i) => [n, i]));
  let total = 0;
  for (const r of importance) if (Number.isFinite(r.importance)) total += r.importance;
  const key = (v: number): number => (Number.isFinite(v) ? v : Number.NEGATIVE_INFINITY);
  const ranked = [...importance].sort((a, b) => key(b.importance) - key(a.importance) || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
  const top = ranked.slice(0, IMPORTANCE_CHART_FEATURES);
  const chart = barChart({
    title: `Feature importance (${kind}), top ${top.length}`,
    categories: top.map((r) => r.feature),
    series: [{ name: kind, values: top.map((r) => (total > 0 ? r.importance / total : r.importance)) }],
    valueLabel: total > 0 ? `Share of total ${kind}` : kind,
    ...(total > 0 ? { format: (v: number) => pct(v, 0) } : {}),
  });
  let table = `<table><tr><th>Rank</th><th class="l">Feature</th><th>Input index</th><th>${escapeHtml(kind)}</th><th>Share</th></tr>`;
  ranked.forEach((r, rank) => {
    const share = total > 0 && Number.isFinite(r.importance) ? pct(r.importance / total) : '—';
    table += `<tr><td>${rank + 1}</td><td class="l"><code>${escapeHtml(r.feature)}</code></td><td>${inputIndex.get(r.feature) ?? '—'}</td><td>${num(r.importance)}</td><td>${share}</td></tr>`;
  });
  table += '</table>';
  return `<div class="charts">${chart}</div>${table}`;
}

function keyValueTable(rows: readonly (readonly [string, string])[]): string {
  // Values are already escaped or formatted by the callers (some contain <code>); keys are literals.
  return `<table>${rows.map(([k, v]) => `<tr><th class="l">${escapeHtml(k)}</th><td class="l">${v}</td></tr>`).join('')}</table>`;
}

/** Confusion-matrix cell shaded by its share of the row, so the two classes' very different sizes compare. */
function cell(count: number, rowTotal: number): string {
  const share = rowTotal > 0 ? count / rowTotal : 0;
  const alpha = (0.08 + 0.6 * share).toFixed(2);
  return `<td style="background:rgba(0,114,178,${alpha})">${int(count)}<br><small>${rowTotal > 0 ? pct(share) : '—'}</small></td>`;
}

function clipX(points: readonly { x: number; y: number }[], maxX: number): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.x <= maxX) {
      out.push(p);
      continue;
    }
    // Interpolate the crossing so the zoomed curve reaches the right edge instead of stopping short.
    const prev = points[i - 1];
    if (prev && prev.x < maxX) out.push({ x: maxX, y: prev.y + ((p.y - prev.y) * (maxX - prev.x)) / (p.x - prev.x) });
    break;
  }
  return out;
}

function note(text: string): string {
  return `<p class="note">${escapeHtml(text)}</p>`;
}

function num(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/** Four decimals for metrics in [0, 1]; two for large ones such as lift. */
function headlineNum(v: number | null | undefined): string {
  return num(v, v !== null && v !== undefined && Math.abs(v) >= 10 ? 2 : 4);
}

function signed(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return '—';
  return `${v > 0 ? '+' : ''}${v.toFixed(digits)}`;
}

function pct(v: number, digits = 1): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : '—';
}

function int(v: number): string {
  // Fixed locale: the report must not depend on the machine that rendered it.
  return Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—';
}
