import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rocAuc } from '../../../training/src/metrics/roc-auc.ts';
import { createRng } from '../../../training/src/random.ts';
import { scoreCurves } from '../../../training/src/report/score-curves.ts';

test('tied scores form one vertex', () => {
  const { roc, pr } = scoreCurves([0.2, 0.5, 0.5, 0.9], [0, 1, 0, 1]);
  assert.deepEqual([...roc.fpr], [0, 0, 0.5, 1]);
  assert.deepEqual([...roc.tpr], [0, 0.5, 1, 1]);
  assert.ok(Number.isNaN(roc.threshold[0]!));
  assert.deepEqual([...roc.threshold.subarray(1)], [0.9, 0.5, 0.2]);
  assert.deepEqual([...pr.recall], [0.5, 1, 1]);
  assert.deepEqual([...pr.precision], [1, 2 / 3, 0.5]);
});

test('the trapezoid area under the ROC vertices equals rocAuc (ties included)', () => {
  const rng = createRng(4);
  const n = 4000;
  const s = Float64Array.from({ length: n }, () => rng.nextInt(200) / 200);
  const y = Uint8Array.from(s, (v) => (rng.next() < v * 0.3 ? 1 : 0));
  const { roc } = scoreCurves(s, y);
  let area = 0;
  for (let i = 1; i < roc.fpr.length; i++) area += ((roc.fpr[i]! - roc.fpr[i - 1]!) * (roc.tpr[i]! + roc.tpr[i - 1]!)) / 2;
  assert.ok(Math.abs(area - rocAuc(s, y)) < 1e-12);
});

test('undefined curves are empty', () => {
  const none = scoreCurves([0.1, 0.2], [0, 0]);
  assert.equal(none.roc.fpr.length, 0);
  assert.equal(none.pr.recall.length, 0);
  const all = scoreCurves([0.1, 0.2], [1, 1]);
  assert.equal(all.roc.fpr.length, 0);
  assert.equal(all.pr.recall.length, 2);
});
