import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VALUE_MODEL, loadConfig } from '@riskstream/shared';
import { createRng } from '../../../../training/src/random.ts';
import { banditConfigSchema } from '../../../../services/drift-monitor/src/experiments/bandit-config.ts';
import { ExperimentBandits, type ExperimentStart } from '../../../../services/drift-monitor/src/experiments/experiment-bandits.ts';

const config = loadConfig(banditConfigSchema, { EXPERIMENT_DECIDE_EVERY_EVENTS: '1' });
const spec = (name: string): ExperimentStart => ({
  name,
  mode: 'bandit',
  arms: [{ arm: 'champion' }, { arm: 'v7' }],
  weights: [0.9, 0.1],
  maxShare: 0.2,
  minEvents: 100,
});
const scored = (id: string, experiment: string | null, arm: string) => ({
  transaction_id: id,
  card_token: `card-${id}`,
  experiment,
  experiment_arm: arm,
  amount: 50,
  score: 0.1,
  decision: 'APPROVE' as const,
});

function bandits(): ExperimentBandits {
  return new ExperimentBandits({ config, valueModel: DEFAULT_VALUE_MODEL, rngFor: () => createRng(1) });
}

test('routes scored records to their experiment and each label to the experiment holding its event', () => {
  const b = bandits();
  b.start(spec('a'));
  b.start(spec('b'));
  b.addScored([scored('t1', 'a', 'v7'), scored('t2', 'b', 'champion'), scored('t3', null, 'champion'), scored('t4', 'gone', 'v7')]);
  b.addLabels([
    { transaction_id: 't1', is_fraud: true },
    { transaction_id: 't2', is_fraud: false },
    { transaction_id: 't3', is_fraud: false },
  ]);
  const [a, bb] = b.views();
  assert.equal(a!.arms[1]!.events, 1);
  assert.equal(a!.arms[1]!.labelled.n, 1);
  assert.equal(a!.arms[1]!.realised.fn, 1);
  assert.equal(bb!.arms[0]!.labelled.n, 1);
  assert.equal(b.unmatchedLabels, 1, 't3 was scored outside any experiment');
});

test('a repeated start keeps the evidence; stop forgets the experiment; hand-set weights are adopted', () => {
  const b = bandits();
  b.start(spec('a'));
  b.addScored([scored('t1', 'a', 'v7')]);
  b.start(spec('a'));
  assert.equal(b.views()[0]!.arms[1]!.events, 1);
  b.adoptWeights('a', [0.95, 0.05]);
  assert.deepEqual(b.get('a')!.weights, [0.95, 0.05]);
  b.stop('a');
  assert.deepEqual(b.views(), []);
  assert.deepEqual(b.decide(0), []);
});

test('decide returns the experiments whose weights changed, capped at the experiment\'s maxShare', () => {
  const b = bandits();
  b.start(spec('a'));
  b.addScored([scored('t1', 'a', 'v7')]);
  const out = b.decide(0);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.experiment, 'a');
  assert.ok(out[0]!.decision.weights[1]! <= 0.2 + 1e-12);
});
