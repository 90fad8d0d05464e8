import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { linearMargin, treeMargin } from '@riskstream/shared/model';
import type { LinearModel, TreeEnsembleModel } from '@riskstream/shared/model';
import { modelMargins, treeMargins } from '../../../training/src/models/margins.ts';

const tree: TreeEnsembleModel = {
  kind: 'tree-ensemble',
  featureNames: ['a', 'b'],
  baseMargin: -1,
  trees: [
    {
      feature: Int32Array.from([0, -1, 1, -1, -1]),
      threshold: Float32Array.from([0.5, 0, 2, 0, 0]),
      left: Int32Array.from([1, -1, 3, -1, -1]),
      right: Int32Array.from([2, -1, 4, -1, -1]),
      missingLeft: Uint8Array.from([1, 0, 0, 0, 0]),
      value: Float64Array.from([0, 0.1, 0, 0.2, 0.3]),
    },
  ],
};
const linear: LinearModel = {
  kind: 'linear',
  featureNames: ['a', 'b'],
  weights: Float64Array.from([1, -2]),
  intercept: 0.5,
  mean: Float64Array.from([1, 1]),
  scale: Float64Array.from([2, 4]),
};
const x = Float32Array.from([0.5, 9, Number.NaN, 1, 0.6, 2, 0.6, 2.5, 3, Number.NaN]);

test('batch margins equal the shared per-row margins, including NaN routing', () => {
  const m = treeMargins(tree, x, 5);
  assert.deepEqual([...m], [0, 1, 2, 3, 4].map((i) => treeMargin(tree, x, i * 2)));
  assert.deepEqual([...m], [-0.9, -0.9, -0.8, -0.7, -0.7]);
  const l = modelMargins(linear, x, 5);
  assert.deepEqual([...l], [0, 1, 2, 3, 4].map((i) => linearMargin(linear, x, i * 2)));
  assert.deepEqual([...modelMargins(tree, x, 5)], [...m]);
});

test('a matrix of the wrong size is rejected', () => {
  assert.throws(() => modelMargins(linear, x, 4), ValidationError);
});
