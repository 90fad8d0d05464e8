import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { DEFAULT_VALUE_MODEL } from '@riskstream/shared';
import { createRng } from '../../../../training/src/random.ts';
import { ExperimentController } from '../../../../services/drift-monitor/src/experiments/experiment-controller.ts';
import { experimentMetrics, publishExperimentMetrics } from '../../../../services/drift-monitor/src/experiments/experiment-metrics.ts';

const SETTINGS = { maxShare: 0.5, minEvents: 500, floorShare: 0.05, stopMargin: 0.1, stopConfidence: 0.99, estimateWeight: 0.5, priorEvents: 1, calibrationPriorEvents: 200, draws: 2000 };
const POLICY = { intervalMs: 60_000, everyEvents: 1000, minChange: 0.02 };

function controller(): ExperimentController {
  const plan = { name: 'exp1', mode: 'bandit' as const, arms: [{ arm: 'champion' }, { arm: 'v7' }], weights: [0.9, 0.1] };
  return new ExperimentController(plan, SETTINGS, POLICY, { valueModel: DEFAULT_VALUE_MODEL, rng: createRng(1), pendingCapacity: 10_000 });
}

let id = 0;
const scored = (arm: string, decision: 'APPROVE' | 'REVIEW' | 'DECLINE', score: number) => ({
  transaction_id: `t${++id}`,
  card_token: `card-${id}`,
  experiment: 'exp1',
  experiment_arm: arm,
  amount: 100,
  score,
  decision,
});

test('metrics: per-arm series of the experiment, rewritten on each publish', async () => {
  const registry = new Registry();
  const m = experimentMetrics(registry);
  const c = controller();
  const r = scored('v7', 'DECLINE', 0.9);
  c.onScored(r);
  c.onScored(scored('champion', 'APPROVE', 0.01));
  c.onLabel({ transaction_id: r.transaction_id, is_fraud: true });
  c.decide(0);
  publishExperimentMetrics(m, [c.view()]);
  const text = await registry.metrics();
  assert.match(text, /drift_experiment_arm_events\{experiment="exp1",arm="v7"\} 1/);
  assert.match(text, /drift_experiment_arm_decisions\{experiment="exp1",arm="v7",decision="DECLINE"\} 1/);
  assert.match(text, /drift_experiment_arm_precision\{experiment="exp1",arm="v7",source="realised"\} 1/);
  assert.match(text, /drift_experiment_arm_value\{experiment="exp1",arm="v7",source="realised"\} 115/);
  assert.match(text, /drift_experiment_arm_weight\{experiment="exp1",arm="champion"\} 0\.\d+/);
  assert.match(text, /drift_experiment_arm_probability_best\{experiment="exp1",arm="v7"\}/);
  assert.match(text, /drift_experiment_arm_stopped\{experiment="exp1",arm="v7"\} 0/);
  // Declined at 0.9, a fraud: realised 115, estimated 0.9 × 115 - 0.1 × 15 = 102; bias 13.
  assert.match(text, /drift_experiment_arm_estimate_bias\{experiment="exp1",arm="v7"\} 13(\.\d+)?\n/);
  assert.match(text, /drift_experiment_arm_estimate_only_events\{experiment="exp1",arm="champion"\} 1/);
  publishExperimentMetrics(m, []);
  assert.doesNotMatch(await registry.metrics(), /experiment="exp1"/);
});
