/**
 * The bandit's loop on the real stack: `riskstream experiment start --bandit thompson` announces the
 * experiment, the drift monitor measures each arm from scored records and their labels, and announces
 * ARM_WEIGHTS on models.lifecycle.v1: the better arm up to its cap, the worse one stopped with its
 * evidence; `riskstream experiment status` prints the live figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ModelLifecycleEvent, ScoredTransaction } from '@riskstream/shared';
import { runCli } from '../../cli/commands/cli-io.ts';
import { waitFor } from '../../support/child-service.ts';
import { integrationEnv, type IntegrationEnv } from '../../support/integration.ts';
import { referenceProfile, registerDriftModel, world, worldRecords } from './drift-fixtures.ts';
import { produce, startMonitor, tempRegistry } from './drift-stack.ts';

/** Every ARM_WEIGHTS event on the namespace's lifecycle topic so far. */
async function armWeights(env: IntegrationEnv, into: ModelLifecycleEvent[]): Promise<() => Promise<void>> {
  const consumer = env.kafka.consumer({ groupId: env.uniqueGroup('lifecycle-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic: env.names.modelsLifecycle, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = (await env.codec.decode('modelsLifecycle', message.value)) as ModelLifecycleEvent;
      if (event.action === 'ARM_WEIGHTS') into.push(event);
    },
  });
  return () => consumer.disconnect();
}

test('integration: the bandit raises the better arm to its cap and stops the worse one, announced as ARM_WEIGHTS', async (t) => {
  const env = await integrationEnv('bandit');
  t.after(() => env.cleanup());
  const { root, registry } = await tempRegistry(t);
  const champion = await registerDriftModel(registry, referenceProfile(1), { promote: true });
  const good = await registerDriftModel(registry, referenceProfile(1));
  const bad = await registerDriftModel(registry, referenceProfile(1));
  const svc = await startMonitor(t, env, root, {
    EXPERIMENT_DECIDE_INTERVAL_MS: '300',
    EXPERIMENT_DECIDE_EVERY_EVENTS: '200',
    EXPERIMENT_FLOOR_SHARE: '0.05',
  });
  const events: ModelLifecycleEvent[] = [];
  t.after(await armWeights(env, events));
  const cli = (...args: string[]) => runCli(['experiment', ...args], { ...process.env, MODEL_REGISTRY_DIR: root, TOPIC_NAMESPACE: env.namespace, DRIFT_MONITOR_URL: svc.url });
  const started = await cli('start', '--name', 'race', '--arms', `champion,v${good},v${bad}`, '--bandit', 'thompson', '--max-share', '0.45', '--min-events', '150');
  assert.equal(started.code, 0, started.stderr);
  await waitFor('the monitor measuring the experiment', async () => (await fetch(`${svc.url}/v1/experiments/race`)).status === 200, 60_000);

  // Three arms on the same traffic: the champion approves everything, the good arm declines the frauds,
  // the bad one declines legitimate transactions and approves the frauds.
  const records = worldRecords(world(5), { count: 3000, startMs: Date.UTC(2025, 2, 3), stepMs: 10_000, idPrefix: `b-${randomUUID()}`, version: champion });
  const arms = ['champion', `v${good}`, `v${bad}`];
  const scored: ScoredTransaction[] = records.scored.map((r, i) => {
    const arm = i % 3;
    const fraud = records.labels[i]!.is_fraud;
    const decline = arm === 1 ? fraud : arm === 2 ? !fraud : false;
    return { ...r, card_token: `card-${i % 300}`, score: decline ? 0.95 : 0.01, decision: decline ? 'DECLINE' : 'APPROVE', model_version: [champion, good, bad][arm]!, experiment: 'race', experiment_arm: arms[arm]! };
  });
  assert.ok(records.labels.filter((l) => l.is_fraud).length > 30, 'the fixture has frauds');
  await produce(env, scored.map((v) => ({ topic: 'transactionsScored', key: v.card_token, value: v })));
  await produce(env, records.labels.map((v) => ({ topic: 'transactionsLabels', key: v.transaction_id, value: v })));

  await waitFor('the bad arm stopped and the good one at its cap', () => {
    const last = events.at(-1)?.experiment?.weights;
    return last !== undefined && last[2] === 0 && Math.abs(last[1]! - 0.45) < 1e-9;
  }, 120_000, 250);
  const last = events.at(-1)!;
  t.diagnostic(`${events.length} ARM_WEIGHTS events; last: ${last.experiment!.weights.join(', ')}; ${last.reasons.join(' | ')}`);
  assert.equal(last.model_name, 'fraud');
  assert.deepEqual(last.experiment!.arms.map((a) => a.arm), arms);
  assert.ok(events.some((e) => e.reasons.some((r) => new RegExp(`^arm v${bad} stopped after \\d+ labelled events: value per event -?[\\d.]+ vs the champion's`).test(r))), 'the stop is announced with its evidence');
  assert.ok(Math.abs(last.experiment!.weights.reduce((s, w) => s + w, 0) - 1) < 1e-9);

  const status = await cli('status');
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`v${bad} \\(stopped\\) +v${bad} +0\\.0%`));
  assert.match(status.stdout, new RegExp(`v${good} +v${good} +45\\.0% +1000 +1000 +\\d+/0/\\d+`));
  assert.equal(await svc.metric('drift_experiment_arm_stopped', { experiment: 'race', arm: `v${bad}` }), 1);
});
