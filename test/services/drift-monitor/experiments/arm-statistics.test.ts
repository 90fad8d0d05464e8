import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VALUE_MODEL, type Decision } from '@riskstream/shared';
import { ArmStatistics, blendedValuePerEvent, precisionOf, recallOf } from '../../../../services/drift-monitor/src/experiments/arm-statistics.ts';

const vm = DEFAULT_VALUE_MODEL;
const ev = (id: string, decision: Decision, score: number, amount = 100) => ({ transaction_id: id, card_token: `card-${id}`, decision, score, amount });

test('an event counts at once with its expected value; its label replaces it with the realised value', () => {
  const arm = new ArmStatistics('v7', vm);
  const p1 = arm.addScored(ev('t1', 'DECLINE', 0.8), 0);
  const p2 = arm.addScored(ev('t2', 'APPROVE', 0.1), 0);
  let s = arm.snapshot();
  assert.equal(s.events, 2);
  assert.deepEqual(s.decisions, { APPROVE: 1, REVIEW: 0, DECLINE: 1 });
  assert.equal(s.estimateOnly.n, 2);
  const e1 = vm.expected('DECLINE', 100, 0.8);
  const e2 = vm.expected('APPROVE', 100, 0.1);
  assert.ok(Math.abs(s.estimateOnly.sum - (e1 + e2)) < 1e-9);
  assert.ok(Math.abs(blendedValuePerEvent(s) - (e1 + e2) / 2) < 1e-9);
  // Variance of the declined event's outcome given p = 0.8: p(1-p)(fraud - legitimate)^2.
  const spread = vm.realised('DECLINE', 100, true) - vm.realised('DECLINE', 100, false);
  assert.ok(Math.abs(p1.conditionalVariance - 0.8 * 0.2 * spread * spread) < 1e-9);

  arm.settle(p1, false); // a false decline
  s = arm.snapshot();
  assert.equal(s.labelled.n, 1);
  assert.equal(s.labelled.sum, vm.realised('DECLINE', 100, false));
  assert.equal(s.estimateOnly.n, 1);
  assert.ok(Math.abs(s.estimateOnly.sum - e2) < 1e-9);
  assert.ok(Math.abs(blendedValuePerEvent(s) - (vm.realised('DECLINE', 100, false) + e2) / 2) < 1e-9);
  assert.ok(Math.abs(s.estimatedValue - (e1 + e2)) < 1e-9, 'the estimated total keeps every estimate');

  arm.settle(p2, true); // a missed fraud
  s = arm.snapshot();
  assert.deepEqual(s.estimateOnly, { n: 0, sum: 0, sumSq: 0, conditionalVariance: 0 });
  assert.deepEqual(s.realised, { tp: 0, fp: 1, fn: 1 });
  assert.equal(precisionOf(s.realised), 0);
  assert.equal(recallOf(s.realised), 0);
});

test('realised precision and recall at the arm\'s decisions; estimated ones from the calibrated scores', () => {
  const arm = new ArmStatistics('champion', vm);
  const labels: [Decision, number, boolean][] = [
    ['DECLINE', 0.9, true],
    ['REVIEW', 0.6, true],
    ['REVIEW', 0.5, false],
    ['APPROVE', 0.2, true],
    ['APPROVE', 0.01, false],
  ];
  labels.forEach(([d, p, y], i) => arm.settle(arm.addScored(ev(`t${i}`, d, p), 0), y));
  const s = arm.snapshot();
  assert.deepEqual(s.realised, { tp: 2, fp: 1, fn: 1 });
  assert.ok(Math.abs(precisionOf(s.realised) - 2 / 3) < 1e-12);
  assert.ok(Math.abs(recallOf(s.realised) - 2 / 3) < 1e-12);
  // Expected TP = 0.9 + 0.6 + 0.5, FP = 0.1 + 0.4 + 0.5, FN = 0.2 + 0.01.
  assert.ok(Math.abs(precisionOf(s.estimated) - 2 / 3) < 1e-12);
  assert.ok(Math.abs(recallOf(s.estimated) - 2 / 2.21) < 1e-12);
  assert.ok(Number.isNaN(precisionOf({ tp: 0, fp: 0, fn: 3 })));
});
