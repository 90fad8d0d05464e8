/**
 * The statistics core end to end on simulated numbers, with the service's default settings: stationary
 * samples from the reference never raise the dataset verdict; a +20% amount shift does, within 5,000
 * events of its onset. Plus the verdict rules on hand-made windows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@riskstream/shared';
import type { ReferenceProfile } from '@riskstream/shared/model';
import { categoricalProfile, numericProfile } from '../../../training/src/build/reference-profile.ts';
import { mulberry32 } from '../../../training/bench/random-model.ts';
import { buildBinLayout } from '../../../services/drift-monitor/src/bin-layout.ts';
import { driftMonitorConfigSchema, driftSettings } from '../../../services/drift-monitor/src/config.ts';
import { DriftCore } from '../../../services/drift-monitor/src/drift-core.ts';
import { WindowEvaluation } from '../../../services/drift-monitor/src/window-evaluation.ts';

const defaults = driftSettings(loadConfig(driftMonitorConfigSchema, {}));

/** amount ~ lognormal(3.5, 0.8), velocity ~ exponential count-ish with 5% missing, channel in {0,1,2}. */
function generator(seed: number) {
  const rand = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  return (out: Float64Array, amountFactor = 1): Float64Array => {
    out[0] = Math.round(Math.exp(3.5 + 0.8 * normal()) * amountFactor * 100) / 100;
    out[1] = rand() < 0.05 ? Number.NaN : Math.floor(-Math.log(Math.max(rand(), 1e-12)) * 4);
    const u = rand();
    out[2] = u < 0.6 ? 0 : u < 0.9 ? 1 : 2;
    return out;
  };
}

function reference(seed: number, rows = 60_000): ReferenceProfile {
  const next = generator(seed);
  const cols = [new Float64Array(rows), new Float64Array(rows), new Float64Array(rows)];
  const row = new Float64Array(3);
  for (let i = 0; i < rows; i++) {
    next(row);
    for (let j = 0; j < 3; j++) cols[j]![i] = row[j]!;
  }
  const rand = mulberry32(seed + 1);
  const scores = Float64Array.from({ length: rows }, () => rand() ** 6);
  return {
    features: { amount: numericProfile(cols[0]!), velocity: numericProfile(cols[1]!), channel: categoricalProfile(cols[2]!) },
    score: numericProfile(scores),
  };
}

const NAMES = ['amount', 'velocity', 'channel'];

test('drift core: 200,000 stationary events never raise the dataset verdict (count or time window)', () => {
  const profile = reference(1);
  let timeVerdicts = 0;
  let timeWindows = 0;
  const core = new DriftCore(profile, NAMES, defaults, {
    onTimeWindow: (stream, e) => {
      if (stream !== 'features') return;
      timeWindows++;
      if (e.datasetDrifted) timeVerdicts++;
    },
  });
  const next = generator(2);
  const row = new Float64Array(3);
  let verdicts = 0;
  let evaluations = 0;
  for (let i = 0; i < 200_000; i++) {
    // 10 events per minute of event time: a tumbling day holds 14,400.
    core.addFeatures(next(row), i * 6000);
    if ((i + 1) % 500 === 0) {
      core.evaluateCount();
      evaluations++;
      if (core.countFeatures.datasetDrifted) verdicts++;
    }
  }
  assert.equal(evaluations, 400);
  assert.equal(verdicts, 0);
  assert.ok(timeWindows >= 13, `${timeWindows} time windows`);
  assert.equal(timeVerdicts, 0);
  // Missing values are counted, not binned: ~5% of velocity.
  assert.ok(Math.abs(core.countFeatures.missingRatio[1]! - 0.05) < 0.015);
});

test('drift core: a +20% amount shift is detected within 5,000 events of its onset, on amount only', () => {
  const profile = reference(3);
  const core = new DriftCore(profile, NAMES, defaults);
  const next = generator(4);
  const row = new Float64Array(3);
  const onset = 20_000;
  let detectedAt = -1;
  for (let i = 0; i < onset + 10_000 && detectedAt < 0; i++) {
    core.addFeatures(next(row, i >= onset ? 1.2 : 1), i * 6000);
    if ((i + 1) % 500 === 0) {
      core.evaluateCount();
      if (core.countFeatures.datasetDrifted) detectedAt = i;
    }
  }
  assert.ok(detectedAt >= onset, `raised before the onset, at ${detectedAt}`);
  assert.ok(detectedAt - onset + 1 <= 5000, `detected ${detectedAt - onset + 1} events after the onset`);
  assert.deepEqual([...core.countFeatures.drifted], [1, 0, 0]);
  assert.ok(core.countFeatures.psi[0]! >= defaults.psiFloor);
});

test('window evaluation: a significant but trivial difference on a huge window is not drift (PSI floor)', () => {
  const layout = buildBinLayout([{ name: 'x', profile: { kind: 'numeric', binEdges: [0, 1, 2], proportions: [0.5, 0.5], missingRate: 0 } }]);
  const e = new WindowEvaluation(layout);
  // 50.5% / 49.5% of 1,000,000: KS D = 0.005, p ~ 1e-21, PSI = 0.0002
  e.evaluate(Int32Array.from([505_000, 495_000, 0]), 1_000_000, 0, 1, defaults);
  assert.ok(e.pValue[0]! < 1e-15);
  assert.equal(e.reject[0], 1);
  assert.equal(e.drifted[0], 0);
  assert.equal(e.datasetDrifted, false);
  // 70% / 30%: PSI 0.17, drifted
  e.evaluate(Int32Array.from([700_000, 300_000, 0]), 1_000_000, 0, 1, defaults);
  assert.equal(e.drifted[0], 1);
  assert.equal(e.datasetDrifted, true);
  assert.equal(e.driftedRatio, 1);
});

test('window evaluation: no verdict below the minimum number of events', () => {
  const layout = buildBinLayout([{ name: 'x', profile: { kind: 'numeric', binEdges: [0, 1, 2], proportions: [0.5, 0.5], missingRate: 0 } }]);
  const e = new WindowEvaluation(layout).evaluate(Int32Array.from([1000, 0, 0]), 1000, 0, 1, { ...defaults, minEvents: 2000 });
  assert.ok(e.psi[0]! > 1);
  assert.equal(e.drifted[0], 0);
  assert.equal(e.testedCount, 0);
  assert.equal(e.datasetDrifted, false);
});

test('window evaluation: categorical features use chi-square; missing values are a category there', () => {
  const layout = buildBinLayout([{ name: 'c', profile: { kind: 'categorical', frequencies: { '0': 0.5, '1': 0.4, missing: 0.1 } } }]);
  const e = new WindowEvaluation(layout).evaluate(Int32Array.from([1500, 1200, 300, 0]), 3000, 0, 1, defaults);
  assert.ok(Number.isNaN(e.ks[0]!));
  assert.ok(Math.abs(e.chi2[0]!) < 1e-9);
  assert.equal(e.pValue[0], 1);
  assert.ok(Math.abs(e.missingRatio[0]! - 0.1) < 1e-12);
  // A new category (slot "other") in 10% of the window: drift.
  e.evaluate(Int32Array.from([1350, 1080, 270, 300]), 3000, 0, 1, defaults);
  assert.equal(e.drifted[0], 1);
});

test('window evaluation: the dataset share decides how many drifted features raise the dataset verdict', () => {
  const numeric = { kind: 'numeric' as const, binEdges: [0, 1, 2], proportions: [0.5, 0.5], missingRate: 0 };
  const layout = buildBinLayout(['a', 'b', 'c', 'd'].map((name) => ({ name, profile: numeric })));
  const same = [5000, 5000, 0];
  const moved = [8000, 2000, 0];
  const counts = Int32Array.from([...moved, ...same, ...same, ...same]);
  const e = new WindowEvaluation(layout);
  assert.equal(e.evaluate(counts, 10_000, 0, 1, defaults).datasetDrifted, true);
  assert.equal(e.driftedRatio, 0.25);
  assert.equal(e.evaluate(counts, 10_000, 0, 1, { ...defaults, datasetDriftShare: 0.5 }).datasetDrifted, false);
});
