import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TrackedRun } from '@riskstream/training';
import { compareRuns, comparisonJson, lowerIsBetter } from '../../../training/src/tracking/run-comparison.ts';

function run(id: string, params: TrackedRun['params'], metrics: TrackedRun['metrics']): TrackedRun {
  return { id, model: 'fraud', kind: 'trial', status: 'finished', startedAt: '2026-12-07T10:00:00.000Z', params, metrics, artifacts: {} };
}

describe('compareRuns', () => {
  test('one row per key of the union, sorted, undefined where a run lacks the key', () => {
    const c = compareRuns([run('a', { seed: 1, 'gbdt.maxLeaves': 8 }, { ap: 0.5 }), run('b', { seed: 1, lr: 0.1 }, { ap: 0.5, auc: 0.7 })]);
    assert.deepEqual(c.runs, ['a', 'b']);
    assert.deepEqual(
      c.params.map((r) => [r.key, r.values, r.differs]),
      [
        ['gbdt.maxLeaves', [8, undefined], true],
        ['lr', [undefined, 0.1], true],
        ['seed', [1, 1], false],
      ],
    );
    assert.deepEqual(
      c.metrics.map((r) => [r.key, r.values, r.differs, r.best]),
      [
        ['ap', [0.5, 0.5], false, []],
        ['auc', [undefined, 0.7], true, []],
      ],
    );
  });

  test('arrays and objects compare by value', () => {
    const c = compareRuns([run('a', { arms: [1, 2] }, {}), run('b', { arms: [1, 2] }, {}), run('c', { arms: [2, 1] }, {})]);
    assert.equal(c.params[0]!.differs, true);
    assert.equal(compareRuns([run('a', { arms: [1, 2] }, {}), run('b', { arms: [1, 2] }, {})]).params[0]!.differs, false);
  });

  test('the best value is the highest, the lowest for losses and times; ties are all best', () => {
    const c = compareRuns([
      run('a', {}, { ap: 0.7, logloss: 0.3, train_seconds: 12, valid_ece: 0.02 }),
      run('b', {}, { ap: 0.7, logloss: 0.2, train_seconds: 30, valid_ece: 0.01 }),
      run('c', {}, { ap: 0.6, logloss: Number.NaN, train_seconds: 12 }),
    ]);
    const best = Object.fromEntries(c.metrics.map((r) => [r.key, r.best]));
    assert.deepEqual(best, { ap: [0, 1], logloss: [1], train_seconds: [0, 2], valid_ece: [1] });
  });

  test('lowerIsBetter names logloss, ece, brier and *_seconds, and nothing else', () => {
    assert.deepEqual(
      ['logloss', 'ece', 'brier', 'train_seconds', 'valid_logloss', 'ap', 'auc', 'valid_ap', 'cp_at_100', 'recall'].filter(lowerIsBetter),
      ['logloss', 'ece', 'brier', 'train_seconds', 'valid_logloss'],
    );
  });

  test('comparisonJson: null for missing values and the differing keys per section', () => {
    const json = comparisonJson(compareRuns([run('a', { seed: 1 }, { ap: 0.5 }), run('b', { seed: 2 }, {})]));
    assert.deepEqual(json, { runs: ['a', 'b'], params: { seed: [1, 2] }, metrics: { ap: [0.5, null] }, differing: { params: ['seed'], metrics: ['ap'] } });
  });
});
