import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ArmSnapshot } from '../../../../services/drift-monitor/src/experiments/arm-statistics.ts';
import { armStatus, valuePerEvent, wilson } from '../../../../services/drift-monitor/src/experiments/experiment-status.ts';

test('Wilson interval: known values, bounded to [0, 1], undefined without trials', () => {
  const [lo, hi] = wilson(40, 100);
  assert.ok(Math.abs(lo - 0.3094) < 1e-4 && Math.abs(hi - 0.4980) < 1e-4, `${lo} ${hi}`);
  assert.deepEqual(wilson(0, 10).map((x) => x >= 0 && x <= 1), [true, true]);
  assert.equal(wilson(0, 10)[0], 0);
  assert.ok(wilson(0, 0).every(Number.isNaN));
});

test('value per event: the raw blended mean, and the 95% interval of the bandit\'s posterior', () => {
  const sums = { labelled: { n: 300, sum: 150, sumSq: 900 }, estimateOnly: { n: 100, sum: 10, sumSq: 50, conditionalVariance: 5 } };
  const v = valuePerEvent(sums, { mean: 0.42, sd: 0.1 });
  assert.equal(v.blended, 0.4);
  assert.ok(Math.abs(v.ci[0] - (0.42 - 0.196)) < 1e-3 && Math.abs(v.ci[1] - (0.42 + 0.196)) < 1e-3, JSON.stringify(v));
  assert.ok(Number.isNaN(valuePerEvent({ labelled: { n: 0, sum: 0, sumSq: 0 }, estimateOnly: { n: 0, sum: 0, sumSq: 0, conditionalVariance: 0 } }, { mean: 0, sd: Number.POSITIVE_INFINITY }).ci[0]));
});

test('an arm\'s status: precision and recall from its confusion counts, realised with intervals', () => {
  const s = armStatus(
    // The card groups play no part in the status figures.
    {
      residual: { n: 800, sum: 0, sumSq: 0 },
      groups: {} as ArmSnapshot['groups'],
      arm: 'v7', events: 1000, decisions: { APPROVE: 900, REVIEW: 60, DECLINE: 40 }, labelled: { n: 800, sum: 400, sumSq: 4000 },
      estimateOnly: { n: 200, sum: 50, sumSq: 100, conditionalVariance: 10 }, expired: 0, realised: { tp: 30, fp: 50, fn: 10 }, estimated: { tp: 35, fp: 60, fn: 12 }, estimatedValue: 470,
    },
    { mean: 0.45, sd: 0.05, effectiveEvents: 900 },
    0.2,
    false,
    0.7,
  );
  assert.equal(s.precision.realised, 30 / 80);
  assert.equal(s.recall.realised, 30 / 40);
  assert.ok(s.precision.realisedCi[0] < 0.375 && s.precision.realisedCi[1] > 0.375);
  assert.equal(s.value.blended, 450);
  assert.equal(s.weight, 0.2);
  assert.equal(s.probabilityBest, 0.7);
});
