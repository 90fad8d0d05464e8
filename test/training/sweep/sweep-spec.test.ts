import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, UsageError } from '@riskstream/shared';
import { applyConfig, describeConfig, gridConfigs, parseSweep, randomConfigs } from '../../../training/src/sweep/sweep-spec.ts';

describe('parseSweep', () => {
  it('reads the example hydra multirun: lists, python ranges, aliases and the random_forest prefix', () => {
    assert.deepEqual(parseSweep('random_forest.n_estimators=10,50,80 random_forest.max_depth=range(7,17,5)'), [
      { key: 'rf.nEstimators', kind: 'values', values: [10, 50, 80] },
      { key: 'rf.maxDepth', kind: 'values', values: [7, 12] },
    ]);
    assert.deepEqual(parseSweep('gbdt.numLeaves=15,31,63  gbdt.learningRate=0.05,0.1 algorithm=gbdt,rf'), [
      { key: 'gbdt.maxLeaves', kind: 'values', values: [15, 31, 63] },
      { key: 'gbdt.learningRate', kind: 'values', values: [0.05, 0.1] },
      { key: 'algorithm', kind: 'values', values: ['gbdt', 'rf'] },
    ]);
    assert.deepEqual(parseSweep('seed=range(3)'), [{ key: 'seed', kind: 'values', values: [0, 1, 2] }]);
    assert.deepEqual(parseSweep('gbdt.maxDepth=range(6,2,-2)'), [{ key: 'gbdt.maxDepth', kind: 'values', values: [6, 4] }]);
    assert.deepEqual(parseSweep('gbdt.learningRate=loguniform(0.01, 0.2)'), [{ key: 'gbdt.learningRate', kind: 'loguniform', min: 0.01, max: 0.2 }]);
  });

  it('refuses unknown keys, empty or malformed axes, repeated keys with a usage error', () => {
    assert.throws(() => parseSweep('gbdt.leaves=1,2'), (e: Error) => e instanceof UsageError && /unknown key "gbdt.leaves".*gbdt.<rounds\|/.test(e.message));
    assert.throws(() => parseSweep('xgb.eta=1'), /unknown key "xgb.eta"; use algorithm, seed, gbdt.<option> or rf.<option>/);
    assert.throws(() => parseSweep(''), /--sweep is empty/);
    assert.throws(() => parseSweep('gbdt.maxLeaves'), /expected KEY=VALUES/);
    assert.throws(() => parseSweep('gbdt.maxLeaves=1 gbdt.numLeaves=2'), /gbdt.maxLeaves is given twice/);
    assert.throws(() => parseSweep('rf.maxDepth=range(7,7)'), /is empty/);
    assert.throws(() => parseSweep('rf.maxDepth=range(1,5,0)'), /step != 0/);
    assert.throws(() => parseSweep('gbdt.lambda=uniform(3,1)'), /min < max/);
    assert.throws(() => parseSweep('gbdt.lambda=loguniform(0,1)'), /min > 0/);
    assert.throws(() => parseSweep('gbdt.lambda=uniform(a,1)'), /numeric arguments/);
  });
});

describe('configurations', () => {
  it('a grid is every combination, the first axis slowest', () => {
    const grid = gridConfigs(parseSweep('rf.nEstimators=10,50 rf.maxDepth=7,12'));
    assert.deepEqual(grid, [
      { 'rf.nEstimators': 10, 'rf.maxDepth': 7 },
      { 'rf.nEstimators': 10, 'rf.maxDepth': 12 },
      { 'rf.nEstimators': 50, 'rf.maxDepth': 7 },
      { 'rf.nEstimators': 50, 'rf.maxDepth': 12 },
    ]);
    assert.throws(() => gridConfigs(parseSweep('gbdt.lambda=uniform(0,1)')), /a grid needs listed values/);
  });

  it('random draws from a grid are distinct while the grid lasts and follow the seed', () => {
    const axes = parseSweep('gbdt.maxLeaves=4,8,16 gbdt.learningRate=0.05,0.1');
    const drawn = randomConfigs(axes, 6, 1);
    assert.equal(new Set(drawn.map(describeConfig)).size, 6);
    assert.deepEqual(randomConfigs(axes, 4, 1), drawn.slice(0, 4));
    assert.notDeepEqual(randomConfigs(axes, 6, 2), drawn);
  });

  it('continuous ranges are drawn inside their bounds, log-uniform on a log scale', () => {
    const drawn = randomConfigs(parseSweep('gbdt.learningRate=loguniform(0.001,1) gbdt.lambda=uniform(2,3)'), 400, 5);
    const lr = drawn.map((c) => c['gbdt.learningRate'] as number);
    assert.ok(lr.every((v) => v >= 0.001 && v <= 1));
    assert.ok(drawn.every((c) => (c['gbdt.lambda'] as number) >= 2 && (c['gbdt.lambda'] as number) <= 3));
    const belowHundredth = lr.filter((v) => v < 0.01).length / lr.length;
    assert.ok(belowHundredth > 0.2 && belowHundredth < 0.47, `a third of a log-uniform draw over 3 decades is below 0.01, got ${belowHundredth}`);
  });

  it('applyConfig sets the learner options, algorithm and seed, and validates the values', () => {
    const o = applyConfig({ name: 'm', seed: 1, gbdt: { rounds: 10 } }, { algorithm: 'rf', seed: 4, 'rf.nEstimators': 30, 'gbdt.maxLeaves': 8 });
    assert.equal(o.algorithm, 'rf');
    assert.equal(o.seed, 4);
    assert.deepEqual(o.rf, { nEstimators: 30 });
    assert.deepEqual(o.gbdt, { rounds: 10, maxLeaves: 8 });
    assert.throws(() => applyConfig({ name: 'm', seed: 1 }, { 'gbdt.learningRate': -1 }), ConfigError);
    assert.throws(() => applyConfig({ name: 'm', seed: 1 }, { algorithm: 'svm' }), /algorithm must be one of gbdt, rf, lr/);
    assert.throws(() => applyConfig({ name: 'm', seed: 1 }, { seed: 1.5 }), /seed must be an integer/);
  });

  it('describes a configuration compactly', () => {
    assert.equal(describeConfig({ 'rf.nEstimators': 10, 'gbdt.learningRate': 0.0123456 }), 'rf.nEstimators=10 gbdt.learningRate=0.01235');
  });
});
