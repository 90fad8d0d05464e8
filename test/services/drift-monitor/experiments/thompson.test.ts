import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../../training/src/random.ts';
import type { ArmEvidence } from '../../../../services/drift-monitor/src/experiments/arm-statistics.ts';
import {
  banditDecision,
  banditSettingsProblems,
  constrainShares,
  posteriors,
  type BanditSettings,
} from '../../../../services/drift-monitor/src/experiments/thompson.ts';

const SETTINGS: BanditSettings = {
  maxShare: 1,
  minEvents: 2000,
  floorShare: 0.05,
  stopMargin: 0.1,
  stopConfidence: 0.99,
  estimateWeight: 0.5,
  priorEvents: 1,
  calibrationPriorEvents: 200,
  draws: 4000,
};

const NO_ESTIMATES = { n: 0, sum: 0, sumSq: 0, conditionalVariance: 0 };
const NO_RESIDUALS = { n: 0, sum: 0, sumSq: 0 };

/** An arm with n labelled events of this mean and standard deviation (exact sums). */
function labelled(arm: string, n: number, mean: number, sd: number): ArmEvidence {
  return { arm, events: n, labelled: { n, sum: n * mean, sumSq: n * (sd * sd + mean * mean) }, estimateOnly: NO_ESTIMATES, residual: NO_RESIDUALS };
}

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

test('converges to the better arm: routed by its own weights, the arm worth more per event ends with > 90% of traffic', () => {
  const rng = createRng(11);
  const world = createRng(12);
  const means = [1.0, 1.6];
  const sd = 6;
  const sums = means.map(() => ({ n: 0, sum: 0, sumSq: 0 }));
  let weights = [0.5, 0.5];
  for (let round = 0; round < 40; round++) {
    for (let e = 0; e < 1000; e++) {
      const arm = world.next() < weights[0]! ? 0 : 1;
      const v = means[arm]! + sd * world.nextNormal();
      sums[arm]!.n++;
      sums[arm]!.sum += v;
      sums[arm]!.sumSq += v * v;
    }
    const evidence = sums.map((s, i) => ({ arm: `a${i}`, events: s.n, labelled: { ...s }, estimateOnly: NO_ESTIMATES, residual: NO_RESIDUALS }));
    weights = [...banditDecision(evidence, new Set(), SETTINGS, rng).weights];
  }
  assert.ok(weights[1]! > 0.9, `better arm's weight ${weights[1]}`);
  assert.ok(Math.abs(sum(weights) - 1) < 1e-9);
});

test('respects the cap: a clearly better challenger gets maxShare and no more, the control the rest', () => {
  const d = banditDecision([labelled('champion', 20_000, 1, 3), labelled('v7', 20_000, 2, 3)], new Set(), { ...SETTINGS, maxShare: 0.2 }, createRng(1));
  assert.ok(d.probabilityBest[1]! > 0.99, `P(v7 best) ${d.probabilityBest[1]}`);
  assert.ok(Math.abs(d.weights[1]! - 0.2) < 1e-12, `v7 ${d.weights[1]}`);
  assert.ok(Math.abs(d.weights[0]! - 0.8) < 1e-12, `champion ${d.weights[0]}`);
});

test('three arms with a cap: each challenger at most maxShare, shares sum to 1', () => {
  const arms = [labelled('champion', 20_000, 0, 3), labelled('v7', 20_000, 2, 3), labelled('v8', 20_000, 2.01, 3)];
  const d = banditDecision(arms, new Set(), { ...SETTINGS, maxShare: 0.3 }, createRng(2));
  assert.ok(d.weights[1]! <= 0.3 + 1e-12 && d.weights[2]! <= 0.3 + 1e-12, d.weights.join());
  assert.ok(Math.abs(sum(d.weights) - 1) < 1e-12);
  assert.ok(d.weights[0]! >= 0.4 - 1e-12, 'the control takes what the capped arms cannot');
});

test('stops a bad arm: confidently below the control by more than the margin after minEvents, with the evidence', () => {
  const arms = [labelled('champion', 20_000, 1.5, 2), labelled('v7', 5000, 0.5, 2)];
  const d = banditDecision(arms, new Set(), SETTINGS, createRng(3));
  assert.equal(d.stops.length, 1);
  const stop = d.stops[0]!;
  assert.equal(stop.arm, 'v7');
  assert.equal(stop.events, 5000);
  assert.ok(stop.upperBound < -SETTINGS.stopMargin, `upper bound ${stop.upperBound}`);
  assert.ok(Math.abs(stop.meanValue - 0.5) < 0.01 && Math.abs(stop.controlMeanValue - 1.5) < 0.01);
  assert.equal(d.weights[1], 0);
  assert.equal(d.weights[0], 1);
  // Stopped before: it stays at 0 and is not reported again.
  const again = banditDecision(arms, new Set(['v7']), SETTINGS, createRng(3));
  assert.deepEqual(again.stops, []);
  assert.equal(again.weights[1], 0);
});

test('does not stop before minEvents labelled events, however bad, and keeps the arm at its floor', () => {
  const arms = [labelled('champion', 20_000, 1.5, 2), labelled('v7', SETTINGS.minEvents - 1, 0.5, 2)];
  const d = banditDecision(arms, new Set(), SETTINGS, createRng(4));
  assert.deepEqual(d.stops, []);
  assert.ok(d.probabilityBest[1]! < 0.001);
  assert.ok(Math.abs(d.weights[1]! - SETTINGS.floorShare) < 1e-12, `floor ${d.weights[1]}`);
});

test('estimates alone never stop an arm: without minEvents labels it keeps its floor however bad it looks', () => {
  const estimatedOnly: ArmEvidence = {
    arm: 'v7',
    events: 100_000,
    labelled: { n: SETTINGS.minEvents - 1, sum: 0, sumSq: SETTINGS.minEvents - 1 },
    estimateOnly: { n: 100_000, sum: -100_000, sumSq: 200_000, conditionalVariance: 100_000 },
    residual: NO_RESIDUALS,
  };
  const d = banditDecision([labelled('champion', 100_000, 1.5, 2), estimatedOnly], new Set(), SETTINGS, createRng(7));
  assert.deepEqual(d.stops, []);
  assert.ok(Math.abs(d.weights[1]! - SETTINGS.floorShare) < 1e-12, `floor ${d.weights[1]}`);
});

test('does not stop an arm that trails by less than the margin, even when that is certain', () => {
  const arms = [labelled('champion', 1_000_000, 1.5, 2), labelled('v7', 1_000_000, 1.45, 2)];
  const d = banditDecision(arms, new Set(), SETTINGS, createRng(5));
  assert.deepEqual(d.stops, []);
});

test('never stops the control, even when a challenger is far better', () => {
  const d = banditDecision([labelled('champion', 20_000, -5, 2), labelled('v7', 20_000, 5, 2)], new Set(), SETTINGS, createRng(6));
  assert.deepEqual(d.stops, []);
  assert.ok(d.weights[1]! > 0.99);
});

test('estimate-only events count with a discount and with the variance of their realised values', () => {
  const n = 10_000;
  const asLabels = labelled('a', n, 1, 2);
  // Same values known only by estimate: the estimates themselves are spread by sd 1, the outcomes by 3 more.
  const asEstimates: ArmEvidence = {
    arm: 'b',
    events: n,
    labelled: { n: 0, sum: 0, sumSq: 0 },
    estimateOnly: { n, sum: n, sumSq: n * (1 + 1), conditionalVariance: n * 3 },
    residual: NO_RESIDUALS,
  };
  const [a, b] = posteriors([asLabels, asEstimates], SETTINGS);
  assert.ok(Math.abs(b!.effectiveEvents - SETTINGS.estimateWeight * n) < 1e-9);
  // Per-event variance 1 + 3 = 4 as for the labels, over half the effective events: sd larger by sqrt(2).
  assert.ok(Math.abs(b!.sd / a!.sd - Math.SQRT2) < 0.01, `${b!.sd} vs ${a!.sd}`);
  assert.ok(Math.abs(b!.mean - 1) < 1e-3);
});

test('labels correct an arm whose scores overstate its value: the estimates still waiting move by the observed bias', () => {
  // 20,000 events estimated at 3 per event; the 2,000 labelled so far realised 2 (residual -1 each, sd 4).
  const overstated: ArmEvidence = {
    arm: 'shallow',
    events: 22_000,
    labelled: { n: 2000, sum: 2000 * 2, sumSq: 2000 * (16 + 4) },
    estimateOnly: { n: 20_000, sum: 20_000 * 3, sumSq: 20_000 * 10, conditionalVariance: 20_000 * 15 },
    residual: { n: 2000, sum: -2000, sumSq: 2000 * (16 + 1) },
  };
  const honest = labelled('default', 22_000, 2.2, 4);
  const [o, h] = posteriors([overstated, honest], SETTINGS);
  const shrunk = 2000 / (2000 + SETTINGS.calibrationPriorEvents);
  assert.ok(Math.abs(o!.mean - (2000 * 2 + 0.5 * 20_000 * (3 - shrunk)) / (1 + 2000 + 0.5 * 20_000)) < 0.01, `mean ${o!.mean}`);
  assert.ok(o!.mean < h!.mean, 'corrected, the overstated arm is no longer ahead');
  const uncorrected = posteriors([{ ...overstated, residual: NO_RESIDUALS }, honest], SETTINGS)[0]!;
  assert.ok(uncorrected.mean > h!.mean, 'without its residuals it would be');
  assert.ok(o!.sd > uncorrected.sd, 'the correction\'s own error widens the posterior');
});

test('with no evidence every arm has an equal chance and the same seed gives the same weights', () => {
  const empty = (arm: string): ArmEvidence => ({ arm, events: 0, labelled: { n: 0, sum: 0, sumSq: 0 }, estimateOnly: NO_ESTIMATES, residual: NO_RESIDUALS });
  const d1 = banditDecision([empty('a'), empty('b')], new Set(), SETTINGS, createRng(9));
  const d2 = banditDecision([empty('a'), empty('b')], new Set(), SETTINGS, createRng(9));
  assert.deepEqual(d1.weights, d2.weights);
  assert.ok(Math.abs(d1.probabilityBest[0]! - 0.5) < 0.05);
});

test('constrainShares keeps every share within its bounds and the total at 1', () => {
  const cases: [number[], number[], number[]][] = [
    [[0.9, 0.1], [0, 0], [1, 0.2]],
    [[0.1, 0.9], [0, 0], [1, 0.2]],
    [[0.98, 0.01, 0.01], [0, 0.05, 0.05], [1, 0.3, 0.3]],
    [[0, 0, 1], [0, 0, 0], [1, 0.3, 0.3]],
    [[0, 0.5, 0.5], [0, 0, 0], [1, 0, 0.3]],
    [[0, 0, 0], [0, 0.05, 0], [1, 0.2, 0.2]],
  ];
  for (const [p, lower, upper] of cases) {
    const w = constrainShares(p, lower, upper);
    assert.ok(Math.abs(sum(w) - 1) < 1e-12, `${p} -> ${w}`);
    w.forEach((x, i) => assert.ok(x >= lower[i]! - 1e-12 && x <= upper[i]! + 1e-12, `${p} -> ${w} (arm ${i})`));
  }
  assert.deepEqual(constrainShares([0.5, 0.5], [0, 0], [1, 1]), [0.5, 0.5]);
});

test('banditSettingsProblems names each bad setting', () => {
  assert.deepEqual(banditSettingsProblems(SETTINGS, 3), []);
  const problems = banditSettingsProblems({ ...SETTINGS, maxShare: 0, floorShare: 0.5, stopConfidence: 0.4, estimateWeight: 0, draws: 0 }, 3);
  for (const name of ['maxShare', 'floorShare', 'stopConfidence', 'estimateWeight', 'draws']) assert.ok(problems.some((p) => p.startsWith(name)), `${name}: ${problems.join('; ')}`);
});
