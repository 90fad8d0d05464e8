import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GateResult } from '../../../training/src/registry/promotion-gate.ts';
import { createRng } from '../../../training/src/random.ts';
import { thresholdChoice } from '../../../training/src/thresholds.ts';
import { evaluateScores } from '../../../training/src/report/evaluation.ts';
import { REPORT_SECTIONS, renderReport } from '../../../training/src/report/html-report.ts';
import type { ReportInput } from '../../../training/src/report/html-report.ts';

const EXPECTED_HEADINGS = [
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
];

function scored(seed: number, signal: number, labels: Uint8Array): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from(labels, (y) => 1 / (1 + Math.exp(-(rng.nextNormal() + signal * y - 4))));
}

function fullInput(): ReportInput {
  const rng = createRng(1);
  const n = 5000;
  const labels = Uint8Array.from({ length: n }, () => (rng.next() < 0.03 ? 1 : 0));
  const cards = { day: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 500)), card: Int32Array.from({ length: n }, () => rng.nextInt(800)) };
  const candidateScores = scored(2, 3.5, labels);
  const choice = thresholdChoice(candidateScores, labels);
  const thresholds = choice.thresholds;
  const gate: GateResult = {
    promote: true,
    reasons: ['roc_auc 0.9500 vs champion 0.9300: delta 0.0200 >= margin 0.002', 'bootstrap CI <above> 0'],
    metric: 'roc_auc',
    challenger: 0.95,
    champion: 0.93,
    hasChampion: true,
    delta: 0.02,
    ci: [0.01, 0.03],
    pValue: 0.002,
    skippedResamples: 0,
  };
  return {
    model: { name: 'card-fraud', kind: 'tree-ensemble', version: 4, parentVersion: 3, trees: 120 },
    createdAt: '2026-05-01T12:00:00.000Z',
    data: { rows: 50_000, positiveRate: 0.03, dataHash: 'sha256:abc123', features: ['amount', 'tx_count_1d', 'terminal_risk_7d'], trainRows: 45_000, testRows: n },
    evaluations: {
      candidate: evaluateScores({ scores: candidateScores, labels, thresholds, cards }),
      baseline: evaluateScores({ scores: scored(3, 2, labels), labels, thresholds, cards }),
      champion: evaluateScores({ scores: scored(4, 3, labels), labels, thresholds, cards }),
    },
    learningCurve: Array.from({ length: 50 }, (_, r) => ({ round: r, train: 0.3 / (r + 1), valid: r === 10 ? Number.NaN : 0.3 / Math.sqrt(r + 1) })),
    bestRound: 40,
    gate,
    thresholdChoice: choice,
    featureImportance: [
      { feature: 'amount', importance: 12 },
      { feature: 'tx_count_1d', importance: 30 },
      { feature: 'terminal_risk_7d', importance: 5 },
    ],
  };
}

test('the report has every section heading, in order', () => {
  assert.deepEqual([...REPORT_SECTIONS], EXPECTED_HEADINGS);
  const html = renderReport(fullInput());
  const found = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
  assert.deepEqual(found, EXPECTED_HEADINGS);
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.ok(html.includes('<title>Training report: card-fraud v4</title>'));
});

test('the report shows the inputs: model, data, three models, gate, features', () => {
  const html = renderReport(fullInput());
  for (const text of ['card-fraud v4', 'tree-ensemble', '2026-05-01T12:00:00.000Z', 'sha256:abc123', '50,000', '45,000', 'logistic regression', 'champion', 'PROMOTE', 'Δ vs logistic regression', 'Δ vs champion', 'Card precision@100', 'kept: round 40', 'tx_count_1d']) {
    assert.ok(html.includes(text), `missing ${text}`);
  }
  // Charts: ROC (2), PR, lift (2), reliability, precision/recall by threshold, learning curve, importance.
  assert.ok((html.match(/<svg /g) ?? []).length >= 9);
  // Importance is ranked: tx_count_1d (30) before amount (12) before terminal_risk_7d (5).
  const table = html.slice(html.lastIndexOf('<h2>Features</h2>'));
  assert.ok(table.indexOf('<code>tx_count_1d</code>') < table.indexOf('<code>amount</code>'));
  assert.ok(table.indexOf('<code>amount</code>') < table.indexOf('<code>terminal_risk_7d</code>'));
  assert.ok(!html.includes('NaN') && !html.includes('Infinity') && !html.includes('undefined'));
});

test('the page is self-contained: no URL, no script, no external resource', () => {
  const html = renderReport(fullInput());
  assert.ok(!html.includes('http://') && !html.includes('https://'));
  assert.ok(!/<script|<link|<img|<iframe|@import|url\(/i.test(html));
  assert.ok(html.includes(`content="default-src 'none'; style-src 'unsafe-inline'"`));
});

test('every input string is escaped', () => {
  const input = fullInput();
  const evil = '<script>alert(1)</script>';
  const html = renderReport({
    ...input,
    model: { ...input.model, name: evil, kind: `"${evil}` },
    createdAt: evil,
    data: { ...input.data, dataHash: evil, features: [evil, 'amount'], evaluationSet: evil },
    labels: { baseline: evil },
    learningCurveMetric: evil,
    gate: { ...input.gate!, reasons: [evil] },
    featureImportance: [{ feature: evil, importance: 1 }],
    importanceKind: evil,
  });
  assert.ok(!/<script/i.test(html), 'raw <script> in the page');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('<title>Training report: &lt;script&gt;'));
});

test('optional parts absent: every section still present, with a note', () => {
  const full = fullInput();
  const html = renderReport({ model: { name: 'lr', kind: 'linear' }, createdAt: full.createdAt, data: full.data, evaluations: { candidate: full.evaluations.candidate } });
  const found = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
  assert.deepEqual(found, EXPECTED_HEADINGS);
  assert.ok(html.includes('No promotion gate result was supplied.'));
  assert.ok(html.includes('No learning curve was supplied'));
  assert.ok(html.includes('no importance was supplied'));
  assert.ok(html.includes('lr (candidate)'));
  assert.ok(html.includes('No champion yet.'));
  assert.ok(!html.includes('Δ vs'));
  assert.ok(!html.includes('NaN') && !html.includes('undefined'));
});

test('a refused gate and a one-class holdout render without NaN', () => {
  const full = fullInput();
  const labels = new Uint8Array(100);
  const scores = Float64Array.from({ length: 100 }, (_, i) => i / 100);
  const candidate = evaluateScores({ scores, labels, thresholds: { review: 0.5, decline: 0.9 } });
  const gate: GateResult = { ...full.gate!, promote: false, reasons: ['ONNX model does not load'], challenger: NaN, champion: NaN, delta: NaN, ci: [NaN, NaN], pValue: NaN };
  const html = renderReport({ ...full, evaluations: { candidate }, gate });
  assert.ok(html.includes('REFUSED'));
  assert.ok(html.includes('ROC curve undefined'));
  assert.ok(!html.includes('NaN') && !html.includes('Infinity'));
});

test('rendering is deterministic', () => {
  assert.equal(renderReport(fullInput()), renderReport(fullInput()));
});

test('a value gate shows its currency and the approve-everything baseline', () => {
  const full = fullInput();
  const gate: GateResult = { ...full.gate!, metric: 'value', currency: 'EUR', hasChampion: false, challenger: 1234.5, champion: 0, delta: 1234.5 };
  const html = renderReport({ ...full, gate });
  assert.match(html, /value \(EUR\)/);
  assert.match(html, /Approve-everything baseline/);
});
