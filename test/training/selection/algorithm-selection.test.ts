import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@riskstream/shared';
import { createDataset } from '../../../training/src/data/dataset.ts';
import { selectAlgorithm } from '../../../training/src/selection/algorithm-selection.ts';
import { createRng } from '../../../training/src/random.ts';

/** XOR of two features: trees learn it, a linear model cannot. */
function xorData(rows: number, seed: number) {
  const rng = createRng(seed);
  const x = new Float32Array(rows * 3);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = rng.next() * 2 - 1;
    const b = rng.next() * 2 - 1;
    x[i * 3] = a;
    x[i * 3 + 1] = b;
    x[i * 3 + 2] = rng.next();
    y[i] = (a * b > 0 ? 1 : 0) ^ (rng.next() < 0.05 ? 1 : 0);
  }
  return createDataset({ featureNames: ['a', 'b', 'noise'], x, y });
}

const settings = { seed: 3, validFraction: 0.25, grouped: false, refitRoundsFactor: 0, gbdt: { rounds: 60, earlyStoppingRounds: 10, learningRate: 0.2 }, rf: { nEstimators: 20 } };

describe('selectAlgorithm (successive halving over learners)', () => {
  it('halves 3 learners to 2 on a quarter of the rows, then picks one on half; a linear model loses XOR', () => {
    const ds = xorData(4000, 1);
    const steps: number[] = [];
    const r = selectAlgorithm(ds, { settings, progress: (done, total) => steps.push(done, total) });
    assert.deepEqual(r.trials.map((t) => [t.rung, t.algorithm]), [[0, 'gbdt'], [0, 'rf'], [0, 'lr'], ...r.trials.slice(3).map((t) => [1, t.algorithm])]);
    assert.equal(r.trials.length, 5);
    assert.deepEqual(r.trials.filter((t) => t.rung === 0).map((t) => t.rows), [1000, 1000, 1000]);
    for (const t of r.trials.filter((t) => t.rung === 1)) assert.ok(Math.abs(t.rows - 2000) <= 2, `rung 1 sample ${t.rows} rows`);
    const lr = r.trials.find((t) => t.algorithm === 'lr')!;
    assert.equal(lr.advanced, false, `lr AP ${lr.validAp}`);
    assert.ok(r.winner === 'gbdt' || r.winner === 'rf');
    assert.ok(r.trials.find((t) => t.rung === 1 && t.algorithm === r.winner)!.advanced);
    for (const t of r.trials.filter((t) => t.rung === 1)) assert.ok(t.validAp > lr.validAp, `${t.algorithm} ${t.validAp} vs lr ${lr.validAp}`);
    assert.deepEqual(steps.slice(-2), [5, 5]);
  });

  it('is deterministic for a seed', () => {
    const ds = xorData(2000, 2);
    const a = selectAlgorithm(ds, { settings, candidates: ['rf', 'lr'] });
    const b = selectAlgorithm(ds, { settings, candidates: ['rf', 'lr'] });
    assert.deepEqual(a.trials.map((t) => [t.algorithm, t.validAp]), b.trials.map((t) => [t.algorithm, t.validAp]));
    assert.equal(a.trials.length, 2, 'two learners: one rung');
  });

  it('reports every bad option together', () => {
    assert.throws(
      () => selectAlgorithm(xorData(100, 1), { settings, candidates: ['rf'], eta: 1, minFraction: 0 }),
      (e: Error) => e instanceof ConfigError && /candidates/.test(e.message) && /eta/.test(e.message) && /minFraction/.test(e.message),
    );
  });
});
