import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, UsageError } from '@riskstream/shared';
import { DirectoryModelSource } from '@riskstream/shared/model';
import { ModelRegistry } from '../../../training/src/registry/model-registry.ts';
import { draft, onnxBytes, passingGate, tempRoot } from './registry-fixtures.ts';

const spec = (weights = [0.9, 0.1]) => ({
  name: 'exp', mode: 'split' as const, arms: [{ arm: 'champion', version: 1 }, { arm: 'v2', version: 2 }],
  weights, maxShare: 0.2, minEvents: 100, startedAt: 5,
});

async function registryWithTwo(t: import('node:test').TestContext) {
  const root = await tempRoot(t);
  const registry = await ModelRegistry.open(root);
  await registry.register('fraud', { onnx: onnxBytes(), manifest: draft() });
  await registry.register('fraud', { onnx: onnxBytes(-1), manifest: draft({ parentVersion: 1 }) });
  return { root, registry };
}

test('an experiment starts only with the champion as its first arm and registered versions, one at a time', async (t) => {
  const { registry } = await registryWithTwo(t);
  await assert.rejects(registry.startExperiment('fraud', spec()), UsageError, 'no champion yet');
  await registry.promote('fraud', 1, passingGate());
  await assert.rejects(registry.startExperiment('fraud', { ...spec(), arms: [{ arm: 'v2', version: 2 }, { arm: 'champion', version: 1 }] }), /first arm must be the champion/);
  await assert.rejects(registry.startExperiment('fraud', { ...spec(), arms: [{ arm: 'champion', version: 1 }, { arm: 'v9', version: 9 }] }), NotFoundError);
  await assert.rejects(registry.startExperiment('fraud', spec([0.9, 0.2])), /sum to 1/);
  await registry.startExperiment('fraud', spec());
  await assert.rejects(registry.startExperiment('fraud', { ...spec(), name: 'other' }), /already runs experiment "exp"/);
});

test('weights change, a promotion keeps the experiment, and stopping keeps it in the ended list; serving reads it', async (t) => {
  const { root, registry } = await registryWithTwo(t);
  await registry.promote('fraud', 1, passingGate());
  await registry.startExperiment('fraud', spec());
  await registry.setExperimentWeights('fraud', 'exp', [0.5, 0.5]);
  await assert.rejects(registry.setExperimentWeights('fraud', 'nope', [0.5, 0.5]), NotFoundError);
  await assert.rejects(registry.setExperimentWeights('fraud', 'exp', [0.5]), UsageError);
  await registry.setAlias('fraud', 'challenger', 2, 'shadow too');
  assert.deepEqual((await new DirectoryModelSource(root).aliases('fraud')).experiment?.weights, [0.5, 0.5]);
  const stopped = await registry.stopExperiment('fraud', 'exp', 'v2 lost');
  assert.equal(stopped.experiment, undefined);
  assert.equal(stopped.endedExperiments?.[0]?.reason, 'v2 lost');
  assert.deepEqual(stopped.endedExperiments?.[0]?.experiment.weights, [0.5, 0.5]);
  assert.equal(stopped.champion, 1);
  assert.equal(stopped.challenger, 2);
  assert.equal((await new DirectoryModelSource(root).aliases('fraud')).experiment, undefined);
});
