/**
 * The report's window statistics: a window drawn from the reference raises nothing, a shifted feature
 * is flagged (and only it), and the numbers are exactly those of the live monitor's tumbling window over
 * the same events (DriftCore fed event by event).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@riskstream/shared';
import { driftMonitorConfigSchema, driftSettings } from '../../../../services/drift-monitor/src/config.ts';
import { DriftCore } from '../../../../services/drift-monitor/src/drift-core.ts';
import { windowDrift, type WindowValues } from '../../../../services/drift-monitor/src/report/window-drift.ts';
import { FEATURES, referenceProfile, world } from '../drift-fixtures.ts';

const settings = driftSettings(loadConfig(driftMonitorConfigSchema, {}));
const NAMES = [...FEATURES];
const DAY_MS = 86_400_000;

function windowOf(seed: number, count: number, amountFactor = 1): WindowValues & { times: Float64Array } {
  const next = world(seed);
  const cols = NAMES.map(() => new Float64Array(count));
  const scores = new Float64Array(count);
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const e = next(amountFactor);
    cols[0]![i] = e.amount;
    cols[1]![i] = e.velocity;
    cols[2]![i] = e.night;
    scores[i] = e.score;
    times[i] = Math.floor((i * DAY_MS) / count);
  }
  return { features: cols, scores, startMs: 0, endMs: DAY_MS, times };
}

test('window drift: a window drawn from the reference distribution raises no verdict', () => {
  const profile = referenceProfile(1);
  const r = windowDrift(profile, NAMES, settings, windowOf(2, 20_000));
  assert.equal(r.events, 20_000);
  assert.equal(r.dataset.drifted, false);
  assert.equal(r.dataset.testedCount, 3);
  assert.equal(r.dataset.needed, 1);
  for (const f of r.features) {
    assert.equal(f.drifted, false, `${f.name} drifted: PSI ${f.psi}, p ${f.pValue}`);
    assert.ok(f.psi < settings.psiFloor, `${f.name} PSI ${f.psi}`);
    assert.ok(f.tested);
  }
  assert.equal(r.score.drifted, false);
  // Each variable's shares are a distribution, next to the reference's.
  for (const v of [...r.features, r.score]) {
    const sum = v.bins.reduce((s, b) => s + b.window, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9, `${v.name} window shares sum to ${sum}`);
  }
  assert.equal(r.features[0]!.kind, 'numeric');
  assert.match(r.features[0]!.bins[0]!.label, /^\(.+, .+\]$/);
  assert.equal(r.features[2]!.kind, 'categorical');
  assert.deepEqual(r.features[2]!.bins.map((b) => b.label), ['0', '1', 'missing', 'other']);
  assert.ok(Math.abs(r.features[1]!.windowMissing - 0.05) < 0.01);
});

test('window drift: a +30% amount shift is flagged on amount only and raises the dataset verdict', () => {
  const profile = referenceProfile(3);
  const r = windowDrift(profile, NAMES, settings, windowOf(4, 20_000, 1.3));
  const byName = Object.fromEntries(r.features.map((f) => [f.name, f]));
  assert.equal(byName['amount']!.drifted, true);
  assert.equal(byName['amount']!.rejected, true);
  assert.ok(byName['amount']!.psi >= settings.psiFloor);
  assert.ok(byName['amount']!.ks > 0.05);
  assert.equal(byName['velocity']!.drifted, false);
  assert.equal(byName['night']!.drifted, false);
  assert.ok(Number.isFinite(byName['night']!.chi2));
  assert.ok(Number.isNaN(byName['night']!.ks));
  assert.deepEqual({ drifted: r.dataset.drifted, count: r.dataset.driftedCount }, { drifted: true, count: 1 });
});

test('window drift: too few events give statistics but no verdict, as in the monitor', () => {
  const profile = referenceProfile(5);
  const r = windowDrift(profile, NAMES, settings, windowOf(6, settings.minEvents - 1, 2));
  assert.ok(r.features[0]!.psi > settings.psiFloor);
  assert.equal(r.features[0]!.tested, false);
  assert.equal(r.features[0]!.drifted, false);
  assert.equal(r.dataset.testedCount, 0);
  assert.equal(r.dataset.drifted, false);
});

test('window drift agrees with the live monitor: the tumbling day window of DriftCore over the same events', () => {
  const profile = referenceProfile(7);
  const w = windowOf(8, 12_000, 1.15);
  const r = windowDrift(profile, NAMES, settings, w);
  let closed: { psi: number[]; js: number[]; ks: number[]; chi2: number[]; p: number[]; drifted: number[]; dataset: boolean } | undefined;
  let closedScore: { psi: number; p: number; drifted: number } | undefined;
  const core = new DriftCore(profile, NAMES, { ...settings, allowedLatenessMs: 0 }, {
    onTimeWindow: (stream, e) => {
      if (stream === 'score') closedScore ??= { psi: e.psi[0]!, p: e.pValue[0]!, drifted: e.drifted[0]! };
      else closed ??= { psi: [...e.psi], js: [...e.js], ks: [...e.ks], chi2: [...e.chi2], p: [...e.pValue], drifted: [...e.drifted], dataset: e.datasetDrifted };
    },
  });
  const row = new Float64Array(3);
  for (let i = 0; i < w.times.length; i++) {
    for (let j = 0; j < 3; j++) row[j] = w.features[j]![i]!;
    core.addFeatures(row, w.times[i]!);
    core.addScore(w.scores[i]!, w.times[i]!);
  }
  // One event of the next day closes the first.
  core.addFeatures(row, DAY_MS + 1);
  core.addScore(0.5, DAY_MS + 1);
  assert.ok(closed && closedScore, 'the day window closed');
  assert.deepEqual(r.features.map((f) => f.psi), closed.psi);
  assert.deepEqual(r.features.map((f) => f.js), closed.js);
  assert.deepEqual(r.features.map((f) => f.ks), closed.ks);
  assert.deepEqual(r.features.map((f) => f.chi2), closed.chi2);
  assert.deepEqual(r.features.map((f) => f.pValue), closed.p);
  assert.deepEqual(r.features.map((f) => (f.drifted ? 1 : 0)), closed.drifted);
  assert.equal(r.dataset.drifted, closed.dataset);
  assert.deepEqual({ psi: r.score.psi, p: r.score.pValue, drifted: r.score.drifted ? 1 : 0 }, closedScore);
});

test('window drift: a feature the profile lacks, or misaligned columns, are programming errors', () => {
  const profile = referenceProfile(9, 5000);
  const w = windowOf(10, 100);
  assert.throws(() => windowDrift(profile, ['amount', 'nope', 'night'], settings, w), /without a reference profile: nope/);
  assert.throws(() => windowDrift(profile, ['amount', 'velocity'], settings, w), /3 feature columns for 2 features/);
});
