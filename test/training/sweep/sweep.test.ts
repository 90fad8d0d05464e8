import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ModelRegistry, RunStore, runSweep, simulate, simulatedTrainingData } from '@riskstream/training';

const sim = simulate({ nCustomers: 400, nTerminals: 800, nbDays: 45, seed: 5 });
const gate = { metric: 'roc_auc' as const, margin: 0.002, iterations: 100, confidence: 0.95 };

/** A run store and a registry in a temp directory (removed after the test), and the simulated data. */
async function sweepFixture(t: TestContext): Promise<{ store: RunStore; registry: ModelRegistry; data: ReturnType<typeof simulatedTrainingData> }> {
  const root = await mkdtemp(join(tmpdir(), 'rs-sweep-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = await RunStore.open(join(root, 'registry'));
  const registry = await ModelRegistry.open(join(root, 'registry'));
  return { store, registry, data: simulatedTrainingData({ seed: 5, simulation: sim }) };
}

describe('runSweep', () => {
  it('trains every configuration in worker threads as child runs, picks the best by validation AP and registers it again', async (t) => {
    const { store, registry, data } = await sweepFixture(t);
    const stages: string[] = [];
    const r = await runSweep(
      data,
      { name: 'fraud', seed: 1, gate, gbdt: { rounds: 30, earlyStoppingRounds: 10 } },
      { spec: 'gbdt.maxLeaves=4,16 gbdt.learningRate=0.1', parallel: 2, registry },
      store,
      (stage, done, total) => stages.push(`${stage} ${done}/${total}`),
    );
    assert.deepEqual(stages, ['sweep 0/2', 'sweep 1/2', 'sweep 2/2']);
    assert.equal(r.trials.length, 2);
    assert.deepEqual(r.trials.map((t) => t.params['gbdt.maxLeaves']), [4, 16]);
    assert.ok(r.trials.every((t) => t.status === 'finished' && t.parentId === r.sweep.id && t.kind === 'trial' && t.outcome?.status === 'not-registered'));
    for (const t of r.trials) assert.ok(existsSync(t.artifacts['report.html']!), 'each trial keeps its report');
    const best = r.trials.reduce((a, b) => (b.metrics['valid_ap']! > a.metrics['valid_ap']! ? b : a));
    assert.equal(r.best?.id, best.id);
    // The same options and seed train the same model again: the registered run's metrics are the best trial's.
    assert.equal(r.registered?.run.metrics['ap'], best.metrics['ap']);
    assert.equal(r.registered?.run.parentId, r.sweep.id);
    assert.equal(r.registered?.outcome.version, 1);
    assert.equal(r.sweep.outcome?.status, 'promoted');
    assert.equal(r.sweep.metrics['best_valid_ap'], best.metrics['valid_ap']);
    assert.deepEqual((await store.list({ parentId: r.sweep.id })).map((x) => x.id).sort(), [...r.trials.map((x) => x.id), r.registered!.run.id].sort());
  });

  it('a trial that fails is recorded as failed and the sweep goes on', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'rs-sweep-fail-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const store = await RunStore.open(root);
    const data = simulatedTrainingData({ seed: 5, simulation: sim });
    // Feature selection keeping more features than the data has fails inside the thread, after validation.
    const r = await runSweep(data, { name: 'fraud', seed: 1, gbdt: { rounds: 10 }, selectFeatures: 200 }, { spec: 'seed=1,2', parallel: 1 }, store);
    assert.deepEqual(r.trials.map((x) => x.status), ['failed', 'failed']);
    assert.match(r.trials[0]!.error!, /200/);
    assert.equal(r.best, undefined);
    assert.equal(r.sweep.status, 'failed');
    assert.equal(r.sweep.outcome?.status, 'failed');
  });

  it('an interrupted sweep stops its trials in flight, starts no other, registers nothing and says how far it got', async (t) => {
    const { store, registry, data } = await sweepFixture(t);
    const controller = new AbortController();
    // The first trial finishes; the second is stopped while it trains; the third never starts.
    const r = await runSweep(
      data,
      { name: 'fraud', seed: 1, gbdt: { rounds: 30 } },
      { spec: 'algorithm=rf rf.nEstimators=5,2000,5', parallel: 1, registry, signal: controller.signal },
      store,
      (_stage, done) => {
        if (done === 1) setTimeout(() => controller.abort(), 300);
      },
    );
    assert.equal(r.interrupted, true);
    assert.deepEqual(r.trials.map((x) => x.status), ['finished', 'failed']);
    assert.equal(r.trials[1]!.error, 'interrupted while training');
    assert.equal(r.best, undefined);
    assert.equal(r.registered, undefined);
    assert.equal(r.sweep.status, 'failed');
    assert.equal(r.sweep.error, 'interrupted: 1 of 3 trials finished, 1 stopped, 1 not started');
    const stored = await store.list();
    assert.deepEqual(stored.filter((x) => x.status === 'running'), [], 'no run is left running');
    assert.equal(stored.length, 3, 'the sweep and the two trials that started');
    assert.deepEqual(await registry.models(), []);
  });

  it('refuses an invalid configuration before anything trains', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'rs-sweep-bad-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const store = await RunStore.open(root);
    const data = simulatedTrainingData({ seed: 5, simulation: sim });
    await assert.rejects(runSweep(data, { name: 'fraud', seed: 1 }, { spec: 'gbdt.learningRate=0.1,-3', parallel: 1 }, store), /learningRate/);
    assert.deepEqual(await store.list(), []);
  });
});
