import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScoringModel } from '../../../services/scoring/src/scoring-model.ts';
import { ServingModels } from '../../../services/scoring/src/serving-models.ts';

function fake(version: number, released: number[]): ScoringModel {
  return {
    name: 'fraud',
    version,
    release: async () => {
      released.push(version);
    },
  } as unknown as ScoringModel;
}

test('a swap is seen by the next lease; the old session is released only when its last lease ends', async () => {
  const released: number[] = [];
  const installs: string[] = [];
  const serving = new ServingModels({ onInstall: (n, p) => installs.push(`${p?.champion.version ?? '-'}->${n.champion.version}`) });
  assert.equal(serving.acquire(), undefined);
  const v1 = fake(1, released);
  serving.install({ champion: v1 });
  await serving.firstInstall;

  const batchA = serving.acquire()!;
  const batchB = serving.acquire()!;
  serving.install({ champion: fake(2, released) });
  assert.equal(batchA.models.champion.version, 1, 'a batch keeps the set it started with');
  assert.equal(serving.acquire()!.models.champion.version, 2);
  batchA.release();
  batchA.release();
  assert.deepEqual(released, [], 'v1 is still used by batch B');
  batchB.release();
  await Promise.resolve();
  assert.deepEqual(released, [1]);
  assert.deepEqual(installs, ['-->1', '1->2']);
});

test('a challenger kept across a champion swap is not released; a replaced one is', async () => {
  const released: number[] = [];
  const serving = new ServingModels();
  const shadow = fake(5, released);
  serving.install({ champion: fake(1, released), challenger: shadow });
  serving.install({ champion: fake(2, released), challenger: shadow });
  await Promise.resolve();
  assert.deepEqual(released, [1]);
  serving.install({ champion: serving.current()!.champion });
  await Promise.resolve();
  assert.deepEqual(released, [1, 5]);
  await serving.close();
  assert.deepEqual(released.sort(), [1, 2, 5]);
});
