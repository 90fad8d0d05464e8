import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createLogger } from '@riskstream/shared';
import { DirectoryModelSource } from '@riskstream/shared/model';
import { ModelRegistry } from '@riskstream/training';
import { ModelManager, type LifecycleEvent } from '../../../services/scoring/src/model-manager.ts';
import { scoringMetrics } from '../../../services/scoring/src/scoring-metrics.ts';
import { ServingModels } from '../../../services/scoring/src/serving-models.ts';
import { handMadeEnsemble, nanModel, passingGate, registerModel, tempDir } from './scoring-fixtures.ts';

async function setup(t: TestContext) {
  const root = await tempDir(t);
  const registry = await ModelRegistry.open(root);
  const metricsRegistry = new Registry();
  const metrics = scoringMetrics(metricsRegistry);
  const serving = new ServingModels();
  const manager = new ModelManager({ source: new DirectoryModelSource(root), name: 'fraud', serving, metrics, logger: createLogger('test', { level: 'silent' }) });
  t.after(async () => {
    await manager.close();
    await serving.close();
  });
  const loads = async (outcome: string) => (await metrics.modelLoads.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  const lifecycle = (action: LifecycleEvent['action'], version: number, sha: string, model = 'fraud'): LifecycleEvent => ({
    event_id: `e-${action}-${version}`, model_name: model, action, version, previous_version: null, onnx_sha256: sha, artifact_uri: 'test', reasons: [], at: 0,
  });
  return { registry, serving, manager, loads, lifecycle };
}

const variant = (baseMargin: number) => ({ ...handMadeEnsemble(), baseMargin });

test('model manager: nothing to serve until a champion exists; then champion and challenger load at start', async (t) => {
  const { registry, serving, manager } = await setup(t);
  assert.equal(await manager.loadInitial(), false);
  const v1 = await registerModel(registry, 'fraud', variant(-2), { promote: true });
  const v2 = await registerModel(registry, 'fraud', variant(-1));
  await registry.setAlias('fraud', 'challenger', v2.version, 'shadow');
  assert.equal(await manager.loadInitial(), true);
  assert.equal(serving.current()?.champion.version, v1.version);
  assert.equal(serving.current()?.challenger?.version, v2.version);
});

test('model manager: lifecycle events swap the champion, load shadows, and ignore other models and actions', async (t) => {
  const { registry, serving, manager, lifecycle, loads } = await setup(t);
  await registerModel(registry, 'fraud', variant(-2), { promote: true });
  const v2 = await registerModel(registry, 'fraud', variant(-1));
  const v3 = await registerModel(registry, 'fraud', variant(0));
  await manager.loadInitial();
  assert.equal(await manager.handleLifecycle(lifecycle('PROMOTED', v2.version, v2.sha256, 'other-model')), 'ignored');
  assert.equal(await manager.handleLifecycle(lifecycle('REGISTERED', v2.version, v2.sha256)), 'ignored');
  assert.equal(await manager.handleLifecycle(lifecycle('SHADOW_STARTED', v3.version, v3.sha256)), 'loaded');
  assert.equal(serving.current()?.challenger?.version, 3);
  await registry.promote('fraud', v2.version, passingGate());
  assert.equal(await manager.handleLifecycle(lifecycle('PROMOTED', v2.version, v2.sha256)), 'loaded');
  assert.equal(serving.current()?.champion.version, 2);
  // The registry has no challenger alias (v3 was announced, not aliased): reconciling to the registry drops it.
  assert.equal(serving.current()?.challenger, undefined);
  assert.equal(await manager.handleLifecycle(lifecycle('PROMOTED', v2.version, v2.sha256)), 'unchanged');
  assert.equal(await loads('loaded'), 3);
});

test('model manager: a refused model keeps the old one serving; reconciliation does not retry it, a lifecycle event does', async (t) => {
  const { registry, serving, manager, lifecycle, loads } = await setup(t);
  await registerModel(registry, 'fraud', variant(-2), { promote: true });
  await manager.loadInitial();
  const bad = await registerModel(registry, 'fraud', nanModel(handMadeEnsemble().featureNames), { promote: true });
  assert.equal(await manager.handleLifecycle(lifecycle('PROMOTED', bad.version, bad.sha256)), 'refused');
  assert.equal(serving.current()?.champion.version, 1);
  await manager.reconcile();
  assert.equal(await loads('refused'), 1, 'the registry still names the refused version, but it is not retried');
  assert.equal(await manager.handleLifecycle(lifecycle('ROLLED_BACK', bad.version, bad.sha256)), 'refused');
  assert.equal(await loads('refused'), 2);
  assert.equal(serving.current()?.champion.version, 1);
});

test('model manager: reconciliation catches up with a promotion whose lifecycle event was lost', async (t) => {
  const { registry, serving, manager } = await setup(t);
  await registerModel(registry, 'fraud', variant(-2), { promote: true });
  await manager.loadInitial();
  const v2 = await registerModel(registry, 'fraud', variant(-1), { promote: true });
  await manager.reconcile();
  assert.equal(serving.current()?.champion.version, v2.version);
  await registry.rollback('fraud');
  await manager.reconcile();
  assert.equal(serving.current()?.champion.version, 1);
});

test('model manager: experiments start from the registry at start-up, follow ARM_WEIGHTS and STOPPED, survive a promotion, and reconcile', async (t) => {
  const { registry, serving, manager, lifecycle, loads } = await setup(t);
  const v1 = await registerModel(registry, 'fraud', variant(-2), { promote: true });
  const v2 = await registerModel(registry, 'fraud', variant(-1));
  const spec = {
    name: 'exp', mode: 'bandit' as const, arms: [{ arm: 'champion', version: v1.version }, { arm: 'v2', version: v2.version }],
    weights: [0.8, 0.2], maxShare: 0.5, minEvents: 10, startedAt: 1,
  };
  await registry.startExperiment('fraud', spec);
  assert.equal(await manager.loadInitial(), true);
  const started = serving.current()!.experiment!;
  assert.deepEqual(started.models.map((m) => m.version), [1, 2]);
  assert.equal(started.models[0], serving.current()!.champion, 'the control arm is the serving champion, not a second session');
  const record = (weights: number[]) => ({ name: 'exp', mode: 'bandit' as const, arms: spec.arms, weights, max_share: 0.5, min_events: 10, started_at: 1 });
  const reweighted = { ...lifecycle('ARM_WEIGHTS', v1.version, v1.sha256), experiment: record([0.6, 0.4]) };
  assert.equal(await manager.handleLifecycle(reweighted), 'loaded');
  assert.deepEqual(serving.current()!.experiment!.spec.weights, [0.6, 0.4]);
  assert.equal(serving.current()!.experiment!.models[1], started.models[1], 'new weights load nothing');
  assert.equal(await manager.handleLifecycle(reweighted), 'unchanged');
  await manager.reconcile();
  assert.deepEqual(serving.current()!.experiment!.spec.weights, [0.6, 0.4], 'a bandit\'s announced weights outlive reconciliation with the registry\'s starting weights');
  assert.equal(await manager.handleLifecycle({ ...lifecycle('ARM_WEIGHTS', 1, v1.sha256), experiment: record([0.6]) }), 'refused', 'an invalid experiment is refused');

  const v3 = await registerModel(registry, 'fraud', variant(0));
  await registry.promote('fraud', v3.version, passingGate());
  assert.equal(await manager.handleLifecycle(lifecycle('PROMOTED', v3.version, v3.sha256)), 'loaded');
  assert.deepEqual(serving.current()!.experiment?.spec.weights, [0.6, 0.4], 'a promotion keeps the experiment');

  assert.equal(await manager.handleLifecycle(lifecycle('EXPERIMENT_STOPPED', v1.version, v1.sha256)), 'loaded');
  assert.equal(serving.current()!.experiment, undefined);
  // The registry still runs it (the event was a stray): reconciliation restores the registry's weights.
  await manager.reconcile();
  assert.deepEqual(serving.current()!.experiment?.spec.weights, [0.8, 0.2]);
  await registry.stopExperiment('fraud', 'exp', 'done');
  await manager.reconcile();
  assert.equal(serving.current()!.experiment, undefined);
  assert.equal(await loads('refused'), 0);
});
