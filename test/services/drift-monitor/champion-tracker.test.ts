import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, DependencyError, type ModelLifecycleEvent } from '@riskstream/shared';
import { DirectoryModelSource, type ModelSource } from '@riskstream/shared/model';
import { ModelRegistry } from '@riskstream/training';
import { ChampionTracker, type Champion } from '../../../services/drift-monitor/src/champion-tracker.ts';
import { referenceProfile, registerDriftModel } from './drift-fixtures.ts';

const profile = referenceProfile(1, 5000);

async function setup(t: TestContext, source?: (root: string) => ModelSource) {
  const root = await mkdtemp(join(tmpdir(), 'drift-champion-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const registry = await ModelRegistry.open(root);
  const changes: { next: number; previous: number | null; replaced: number | null }[] = [];
  const tracker = new ChampionTracker({
    source: source ? source(root) : new DirectoryModelSource(root),
    name: 'fraud',
    logger: createLogger('test', { level: 'silent' }),
    onChange: (next: Champion, old?: Champion) => changes.push({ next: next.version, previous: next.previousVersion, replaced: old?.version ?? null }),
  });
  t.after(() => tracker.close());
  return { registry, tracker, changes };
}

const event = (action: ModelLifecycleEvent['action'], version: number, previous: number | null = null, model = 'fraud'): ModelLifecycleEvent => ({
  event_id: `e-${action}-${version}`, model_name: model, action, version, previous_version: previous, onnx_sha256: '0'.repeat(64), artifact_uri: 'x', reasons: [], at: 0,
});

test('champion tracker: waits for a champion, then follows the alias with its manifest', async (t) => {
  const { registry, tracker, changes } = await setup(t);
  assert.equal(await tracker.loadInitial(), false);
  const v1 = await registerDriftModel(registry, profile, { promote: true });
  assert.equal(await tracker.loadInitial(), true);
  assert.equal(tracker.current()?.version, v1);
  assert.deepEqual(Object.keys(tracker.current()!.manifest.referenceProfile.features), ['amount', 'velocity', 'night']);
  assert.deepEqual(changes, [{ next: v1, previous: null, replaced: null }]);
  assert.equal(await tracker.loadInitial(), true, 'idempotent');
  assert.equal(changes.length, 1);
});

test('champion tracker: PROMOTED and ROLLED_BACK switch; other models and actions are ignored', async (t) => {
  const { registry, tracker, changes } = await setup(t);
  const v1 = await registerDriftModel(registry, profile, { promote: true });
  const v2 = await registerDriftModel(registry, profile);
  await tracker.loadInitial();
  assert.equal(await tracker.handleLifecycle(event('REGISTERED', v2)), 'ignored');
  assert.equal(await tracker.handleLifecycle(event('PROMOTED', v2, null, 'other')), 'ignored');
  assert.equal(await tracker.handleLifecycle(event('PROMOTED', v2, v1)), 'loaded');
  assert.equal(tracker.current()?.version, v2);
  assert.equal(tracker.current()?.previousVersion, v1);
  assert.equal(await tracker.handleLifecycle(event('PROMOTED', v2, v1)), 'unchanged');
  assert.equal(await tracker.handleLifecycle(event('ROLLED_BACK', v1, v2)), 'loaded');
  assert.deepEqual(changes.map((c) => [c.next, c.previous, c.replaced]), [[v1, null, null], [v2, v1, v1], [v1, v2, v2]]);
});

test('champion tracker: a version whose manifest cannot be read is refused and the current champion stays', async (t) => {
  const { registry, tracker } = await setup(t);
  const v1 = await registerDriftModel(registry, profile, { promote: true });
  await tracker.loadInitial();
  assert.equal(await tracker.handleLifecycle(event('PROMOTED', 42, v1)), 'refused');
  assert.equal(tracker.current()?.version, v1);
});

test('champion tracker: reconcile catches a promotion whose lifecycle event was missed', async (t) => {
  const { registry, tracker } = await setup(t);
  const v1 = await registerDriftModel(registry, profile, { promote: true });
  await tracker.loadInitial();
  const v2 = await registerDriftModel(registry, profile, { promote: true });
  await tracker.reconcile();
  assert.equal(tracker.current()?.version, v2);
  assert.equal(tracker.current()?.previousVersion, v1);
});

test('champion tracker: an unreachable model server is retriable (the lifecycle runner retries the event)', async (t) => {
  const failing = (root: string): ModelSource => {
    const dir = new DirectoryModelSource(root);
    return {
      location: 'failing',
      aliases: (n) => dir.aliases(n),
      resolve: (n, s) => dir.resolve(n, s),
      fetch: () => Promise.reject(new DependencyError('model-server', 'down')),
    };
  };
  const { registry, tracker } = await setup(t, failing);
  const v1 = await registerDriftModel(registry, profile, { promote: true });
  assert.equal(await tracker.loadInitial(), false, 'start-up keeps polling');
  await assert.rejects(tracker.handleLifecycle(event('PROMOTED', v1)), DependencyError);
});
