import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { sigmoid } from '@riskstream/shared/model';
import { createDataset } from '../../../training/src/data/dataset.ts';
import { trainGbdtWithHoldout } from '../../../training/src/models/gbdt-holdout.ts';
import { createRng } from '../../../training/src/random.ts';

const rng = createRng(1);
const n = 2000;
const x = Float32Array.from({ length: n * 2 }, () => rng.nextNormal());
const y = Uint8Array.from({ length: n }, (_, i) => (rng.next() < sigmoid(x[2 * i]! - x[2 * i + 1]! + rng.nextNormal()) ? 1 : 0));
const ds = createDataset({ featureNames: ['a', 'b'], x, y });

test('early-stops on a carved stratified validation split', () => {
  const r = trainGbdtWithHoldout(ds, { rounds: 500, learningRate: 0.2, earlyStoppingRounds: 10 }, { validFraction: 0.25, seed: 3 });
  assert.equal(r.validation.rows, 500);
  assert.equal(r.result, r.earlyStopped);
  assert.ok(r.result.history.length < 500);
  assert.equal(r.result.model.trees.length, r.result.bestRound + 1);
});

test('refit trains on all rows with the scaled number of best rounds', () => {
  const r = trainGbdtWithHoldout(ds, { rounds: 500, learningRate: 0.2, earlyStoppingRounds: 10 }, { validFraction: 0.25, seed: 3, refitRoundsFactor: 1.5 });
  assert.notEqual(r.result, r.earlyStopped);
  assert.equal(r.result.model.trees.length, Math.round((r.earlyStopped.bestRound + 1) * 1.5));
  assert.throws(() => trainGbdtWithHoldout(ds, {}, { validFraction: 0.2, seed: 0, refitRoundsFactor: -1 }), ConfigError);
});
