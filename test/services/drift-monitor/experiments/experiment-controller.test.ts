import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VALUE_MODEL, ValidationError, type Decision } from '@riskstream/shared';
import { createRng } from '../../../../training/src/random.ts';
import { ExperimentController, type ExperimentPlan } from '../../../../services/drift-monitor/src/experiments/experiment-controller.ts';
import type { BanditSettings } from '../../../../services/drift-monitor/src/experiments/thompson.ts';

const PLAN: ExperimentPlan = { name: 'exp1', mode: 'bandit', arms: [{ arm: 'champion' }, { arm: 'v7' }], weights: [0.9, 0.1] };
const SETTINGS: BanditSettings = {
  maxShare: 0.5,
  minEvents: 500,
  floorShare: 0.05,
  stopMargin: 0.1,
  stopConfidence: 0.99,
  estimateWeight: 0.5,
  priorEvents: 1,
  calibrationPriorEvents: 200,
  draws: 2000,
};
const POLICY = { intervalMs: 60_000, everyEvents: 1000, minChange: 0.02 };

function controller(plan = PLAN, settings = SETTINGS): ExperimentController {
  return new ExperimentController(plan, settings, POLICY, { valueModel: DEFAULT_VALUE_MODEL, rng: createRng(1), pendingCapacity: 10_000 });
}

let id = 0;
const scored = (arm: string, decision: Decision, score: number, experiment = 'exp1') => ({
  transaction_id: `t${++id}`,
  card_token: `card-${id % 97}`,
  experiment,
  experiment_arm: arm,
  amount: 100,
  score,
  decision,
});

test('counts only its own experiment\'s known arms, once per transaction; labels settle their event once', () => {
  const c = controller();
  const r = scored('v7', 'DECLINE', 0.9);
  assert.equal(c.onScored(r), true);
  assert.equal(c.onScored(r), false, 'a redelivered score');
  assert.equal(c.onScored(scored('v7', 'APPROVE', 0.1, 'other')), false);
  assert.equal(c.onScored(scored('v9', 'APPROVE', 0.1)), false);
  assert.equal(c.onScored({ ...scored('v7', 'APPROVE', 0.1), experiment: null }), false);
  assert.equal(c.duplicates, 1);
  assert.equal(c.unknownArm, 1);
  assert.equal(c.onLabel({ transaction_id: r.transaction_id, is_fraud: true }), true);
  assert.equal(c.onLabel({ transaction_id: r.transaction_id, is_fraud: true }), false);
  assert.equal(c.unmatchedLabels, 1);
  const [, v7] = c.snapshot();
  assert.equal(v7!.events, 1);
  assert.equal(v7!.labelled.n, 1);
  assert.equal(v7!.realised.tp, 1);
});

test('decides on the interval or after everyEvents, publishes only material changes, and stops a bad arm once', () => {
  const c = controller();
  // Before anything: the first evaluation runs, with no evidence both arms get equal chances; v7's share
  // moves from the plan's 0.1 to its cap (0.5): a material change.
  const first = c.decide(0);
  assert.ok(first, 'first decision');
  assert.ok(Math.abs(first.weights[1]! - 0.5) < 0.05);
  assert.equal(c.decide(1000), undefined, 'neither the interval nor the event count has passed');

  // The champion declines frauds and approves good transactions; v7 declines good customers.
  for (let i = 0; i < 2000; i++) {
    const fraud = i % 20 === 0;
    const a = scored('champion', fraud ? 'DECLINE' : 'APPROVE', fraud ? 0.9 : 0.02);
    const b = scored('v7', fraud ? 'APPROVE' : i % 3 === 0 ? 'DECLINE' : 'APPROVE', fraud ? 0.3 : i % 3 === 0 ? 0.2 : 0.05);
    c.onScored(a);
    c.onScored(b);
    c.onLabel({ transaction_id: a.transaction_id, is_fraud: fraud });
    c.onLabel({ transaction_id: b.transaction_id, is_fraud: fraud });
  }
  const d = c.decide(2000);
  assert.ok(d, 'the event count triggers a decision');
  assert.equal(d.stops.length, 1);
  assert.equal(d.stops[0]!.arm, 'v7');
  assert.deepEqual(d.weights, [1, 0]);
  assert.deepEqual([...c.stopped], ['v7']);
  // Nothing new: no decision, even after the interval.
  assert.equal(c.decide(2000 + POLICY.intervalMs), undefined);
  assert.deepEqual(c.weights, [1, 0]);
});

test('with a label sample only that share of transactions waits for its label; the rest keep their estimate', () => {
  const c = new ExperimentController(PLAN, SETTINGS, POLICY, { valueModel: DEFAULT_VALUE_MODEL, rng: createRng(1), pendingCapacity: 10_000, labelSample: 0.25 });
  const ids: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const r = scored(i % 2 === 0 ? 'champion' : 'v7', 'APPROVE', 0.05);
    ids.push(r.transaction_id);
    assert.equal(c.onScored(r), true);
  }
  let matched = 0;
  for (const id of ids) if (c.onLabel({ transaction_id: id, is_fraud: false })) matched++;
  assert.ok(matched > 850 && matched < 1150, `${matched} of 4000 held`);
  const arms = c.snapshot();
  assert.equal(arms[0]!.labelled.n + arms[1]!.labelled.n, matched);
  assert.equal(arms[0]!.expired + arms[1]!.expired, 4000 - matched);
  assert.equal(arms[0]!.estimateOnly.n + arms[1]!.estimateOnly.n, 4000 - matched);
  assert.throws(() => new ExperimentController(PLAN, SETTINGS, POLICY, { valueModel: DEFAULT_VALUE_MODEL, rng: createRng(1), pendingCapacity: 10, labelSample: 0 }), ValidationError);
});

test('an arm stopped elsewhere gets no weight from the next decision; the control cannot be stopped', () => {
  const c = controller();
  c.markStopped('v7');
  const d = c.decide(0);
  assert.ok(d);
  assert.deepEqual(d.weights, [1, 0]);
  assert.deepEqual(d.stops, [], 'not reported as the bandit\'s stop');
  assert.throws(() => c.markStopped('champion'), ValidationError);
  assert.throws(() => c.markStopped('v9'), ValidationError);
});

test('a split experiment is measured but never reweighted', () => {
  const c = controller({ ...PLAN, mode: 'split', weights: [0.5, 0.5] });
  c.onScored(scored('v7', 'APPROVE', 0.1));
  assert.equal(c.decide(0), undefined);
  assert.deepEqual(c.weights, [0.5, 0.5]);
  assert.equal(c.snapshot()[1]!.events, 1);
});

test('refuses invalid settings with a typed error naming each problem', () => {
  assert.throws(
    () => controller({ ...PLAN, weights: [1] }, { ...SETTINGS, floorShare: 0.9 }),
    (err: unknown) =>
      err instanceof ValidationError &&
      err.issues.some((i) => i.problem.startsWith('floorShare must be in')) &&
      err.issues.some((i) => i.problem === '1 weights for 2 arms'),
  );
});
