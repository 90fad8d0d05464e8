/**
 * Automatic rollback end to end, every component real (see loop-harness.ts): v1 serves stationary
 * traffic with labels until the drift monitor has measured it; then v2, a model that learned nothing
 * (trained on shuffled labels) and is promoted over its gate's refusal, as a bad promotion would be in
 * production; the drift monitor's "new champion minus previous" falls below the rollback margin ->
 * PromotedModelUnderperforms fires in Prometheus -> Alertmanager -> receiver publishes ROLLBACK on
 * models.retrain.v1 -> the trainer rolls the registry back and publishes ROLLED_BACK -> scoring returns
 * to v1. No transaction is lost or scored twice on the way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRegistry, simulate, simulatedTrainingData, trainModel, transactionsInOrder } from '@riskstream/training';
import { publishLifecycle } from '../../cli/src/lifecycle-publisher.ts';
import { mulberry32 } from '../../training/bench/random-model.ts';
import { waitFor } from '../support/child-service.ts';
import { TrafficProducer, collect, dayOf, openLoop, promQuery } from '../support/loop-harness.ts';

const SEED = 23;
const DAYS = 60;

test('integration: automatic rollback - a promoted model that underperforms the previous champion is rolled back by alert, and scoring returns to it', { timeout: 15 * 60_000 }, async (t) => {
  const loop = await openLoop('rollback', { FEATURE_ALLOWED_LATENESS_MS: String(40 * 86_400_000) });
  t.after(() => loop.stop());
  const { env } = loop;

  const sim = simulate({ nCustomers: 800, nTerminals: 1600, nbDays: DAYS, seed: SEED });
  const registry = await ModelRegistry.open(loop.registryDir);
  await trainModel(simulatedTrainingData({ seed: SEED, simulation: sim }), { name: 'fraud', seed: 1, registry });
  // v2 learns nothing: its training labels are shuffled. The gate refuses it (it becomes the challenger).
  const noise = simulatedTrainingData({ seed: SEED, simulation: sim });
  const rnd = mulberry32(5);
  const y = noise.dataset.y;
  for (let i = y.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const tmp = y[i]!;
    y[i] = y[j]!;
    y[j] = tmp;
  }
  const bad = await trainModel(noise, { name: 'fraud', seed: 2, registry });
  assert.equal(bad.version, 2);
  assert.equal(bad.gate.promote, false, 'the gate refuses a model trained on shuffled labels');

  const all = [...transactionsInOrder(sim)];
  const phase = (from: number, to: number) => all.filter((tx) => dayOf(tx, sim.startTimeMs) >= from && dayOf(tx, sim.startTimeMs) < to);

  for (const s of ['ingest', 'features', 'scoring'] as const) loop.start(s);
  const scored = await collect(env, 'transactionsScored');
  loop.closeFirst(() => scored.stop());
  const traffic = await TrafficProducer.open(env);
  loop.closeFirst(() => traffic.close());
  await traffic.send(phase(0, 39), 0, 0);
  await traffic.flushLabels();
  await waitFor('warm-up scored', () => scored.values.length >= traffic.produced, 300_000, 1000);

  for (const s of ['drift-monitor', 'alert-receiver', 'trainer'] as const) loop.start(s);
  await loop.ready('drift-monitor');
  await loop.ready('alert-receiver', '/healthz');
  await loop.ready('trainer', '/healthz');
  const retrains = await collect(env, 'modelsRetrain');
  const lifecycle = await collect(env, 'modelsLifecycle');
  loop.closeFirst(() => retrains.stop());
  loop.closeFirst(() => lifecycle.stop());

  // v1 is measured on its own traffic first: the "previous champion" numbers the comparison needs.
  await traffic.send(phase(39, 45), 400, 1000);
  await waitFor(
    'v1 measured by the drift monitor',
    async () => (await promQuery('drift_estimated_events{model_version="1"} >= 1000')).length > 0,
    60_000,
    1000,
  );

  // The bad promotion (over the gate, as an operator's override would be), announced like any other.
  const overridden = { ...bad.gate, promote: true, reasons: ['test: promoted over the gate'] };
  await registry.promote('fraud', 2, overridden, 'test: operator override');
  const promotedAt = Date.now();
  await publishLifecycle({ ...process.env, TOPIC_NAMESPACE: env.namespace }, { action: 'PROMOTED', model: await registry.get('fraud', 2), previousVersion: 1, reasons: ['test: operator override'] });

  let rolledBackAt = 0;
  await traffic.send(phase(45, DAYS), 100, 1000, () => {
    if (rolledBackAt === 0 && lifecycle.values.some((v) => v['action'] === 'ROLLED_BACK')) rolledBackAt = Date.now();
    // Keep traffic flowing through the rollback, then 20 s more so scoring is seen back on v1.
    return rolledBackAt > 0 && Date.now() - rolledBackAt > 20_000;
  });
  await traffic.flushLabels();
  assert.ok(rolledBackAt > 0, `a rollback happened while ${phase(45, DAYS).length} events were produced`);

  const request = retrains.values.find((v) => v['action'] === 'ROLLBACK');
  assert.ok(request, 'the receiver published a ROLLBACK request');
  assert.equal(request['model_version'], 2);
  assert.equal(request['alert_name'], 'PromotedModelUnderperforms');
  assert.equal(retrains.values.filter((v) => v['action'] === 'RETRAIN').length, 0, 'no retrain on this stationary traffic');
  const rolledBack = lifecycle.values.find((v) => v['action'] === 'ROLLED_BACK')!;
  assert.equal(rolledBack['version'], 1);
  assert.equal(rolledBack['previous_version'], 2);
  assert.equal((await registry.aliases('fraud')).champion, 1, 'the registry champion is v1 again');
  t.diagnostic(`rollback: ROLLED_BACK ${((rolledBackAt - promotedAt) / 1000).toFixed(1)} s after the bad promotion`);

  const total = traffic.produced;
  await waitFor('every transaction scored', () => scored.values.length >= total, 180_000, 1000);
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(new Set(scored.values.map((v) => v['transaction_id'] as string)).size, total, 'no transaction lost');
  assert.equal(scored.values.length, total, 'no transaction scored twice');
  const versions = scored.values.map((v) => v['model_version'] as number);
  assert.ok(versions.includes(2), 'v2 served between promotion and rollback');
  assert.equal(versions.at(-1), 1, 'the last transactions are scored by v1 again');
});
