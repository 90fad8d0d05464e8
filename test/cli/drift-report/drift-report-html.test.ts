/**
 * The page on its own: every section in order, the verdict first, every string escaped (a feature name
 * from a CSV can be anything), nothing to fetch or run, and a deterministic output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@riskstream/shared';
import type { ReferenceProfile } from '@riskstream/shared/model';
import { driftMonitorConfigSchema, driftSettings } from '../../../services/drift-monitor/src/config.ts';
import { performanceOverTime } from '../../../services/drift-monitor/src/report/performance-over-time.ts';
import { windowDrift } from '../../../services/drift-monitor/src/report/window-drift.ts';
import { renderDriftReport } from '../../../cli/src/drift-report/drift-report-html.ts';
import type { DriftReportData } from '../../../cli/src/drift-report/drift-report.ts';

const EVIL = '<img src=x onerror="alert(1)">';
const DAY_MS = 86_400_000;

function report(shift: number, rows = 3000): DriftReportData {
  const profile: ReferenceProfile = {
    features: {
      [EVIL]: { kind: 'numeric', binEdges: [0, 1, 2, 3], proportions: [0.3, 0.4, 0.3], missingRate: 0.1 },
      channel: { kind: 'categorical', frequencies: { '0': 0.7, '1': 0.3 } },
    },
    score: { kind: 'numeric', binEdges: [0, 0.1, 1], proportions: [0.9, 0.1], missingRate: 0 },
  };
  const x = Float64Array.from({ length: rows }, (_, i) => (i % 10 < 3 ? 0.5 : i % 10 < 7 ? 1.5 : 2.5) + shift);
  const channel = Float64Array.from({ length: rows }, (_, i) => (i % 10 < 7 ? 0 : 1));
  const scores = Float64Array.from({ length: rows }, (_, i) => (i % 10 === 0 ? 0.5 : 0.02));
  const settings = driftSettings(loadConfig(driftMonitorConfigSchema, {}));
  const drift = windowDrift(profile, [EVIL, 'channel'], settings, { features: [x, channel], scores, startMs: 0, endMs: 2 * DAY_MS });
  const scored = { eventTimeMs: Float64Array.from({ length: rows }, (_, i) => (i * 2 * DAY_MS) / rows), scores, labels: Int8Array.from({ length: rows }, (_, i) => (i % 20 === 0 ? 1 : i % 3 === 0 ? -1 : 0)) };
  const perf = { review: 0.1, scoreBins: 1000, minEvents: 100 };
  return {
    model: { name: 'fraud', version: 3, createdAt: '2026-01-01T00:00:00.000Z', thresholds: { review: 0.1, decline: 0.6 }, kind: 'tree-ensemble' },
    requested: 'fraud@champion',
    root: '/data/<offline>',
    fromMs: 0,
    toMs: 2 * DAY_MS,
    rows,
    drift,
    excluded: [{ name: 'TX_DURING_NIGHT', reason: 'calendar flag: "night" & day' }],
    unknownFeatures: ['<b>nope</b>'],
    absentFeatures: [],
    scoreSource: 'archived',
    labelledEvents: 2000,
    performance: {
      bucketMs: DAY_MS,
      buckets: performanceOverTime(scored, 0, 2 * DAY_MS, DAY_MS, perf),
      overall: performanceOverTime(scored, 0, 2 * DAY_MS, 2 * DAY_MS, perf)[0]!,
      minEvents: 100,
    },
  };
}

test('drift report page: sections in order, the verdict first, per-feature distributions and statistics', () => {
  const html = renderDriftReport(report(1));
  const order = ['Verdict', 'Window and settings', 'Feature statistics', 'Distributions: reference vs window', 'Score drift', 'Performance over time'].map((h) => html.indexOf(`<h2>${h}</h2>`));
  assert.ok(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!)), order.join(' '));
  assert.match(html, /<span class="badge drift">DATASET DRIFT<\/span> 1 of 2 tested features drifted; the dataset verdict needs 1\./);
  assert.match(html, /<div class="feature" data-feature="channel"><h3>channel: stable<\/h3><svg /);
  assert.match(html, /<div class="feature" data-feature="score">/);
  assert.equal((html.match(/<svg /g) ?? []).length, 2 + 1 + 4);
  assert.match(html, /<th class="l">Scored<\/th><td class="l">3,000 \(archived scores of this model version\)/);
  assert.match(html, /Buckets of one UTC day/);
  assert.match(html, /<tr><td class="l">1970-01-02<\/td><td>1,500<\/td>/);

  const stable = renderDriftReport(report(0));
  assert.match(stable, /<span class="badge stable">NO DATASET DRIFT<\/span> 0 of 2/);
  const few = renderDriftReport(report(0, 50));
  assert.match(few, /<span class="badge untested">NO VERDICT<\/span>/);
  assert.match(few, /No feature had the 2,000 values a verdict needs/);
  assert.match(few, /No bucket reached 100 events/);
});

test('drift report page: every string is escaped; nothing to fetch or run; the same input gives the same page', () => {
  const html = renderDriftReport(report(1));
  assert.ok(!html.includes(EVIL) && !html.includes('<img') && !html.includes('<b>nope'));
  assert.ok(html.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'));
  assert.ok(html.includes('/data/&lt;offline&gt;'));
  assert.ok(html.includes('calendar flag: &quot;night&quot; &amp; day'));
  assert.doesNotMatch(html, /<script|https?:|\s(src|href)=["']|xmlns/i);
  assert.equal(renderDriftReport(report(1)), html);
});
