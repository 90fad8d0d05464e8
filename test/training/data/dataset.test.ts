import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { createDataset, featureColumn, positiveRate, takeRows } from '../../../training/src/data/dataset.ts';

const ds = createDataset({
  featureNames: ['a', 'b'],
  x: Float32Array.from([1, 10, 2, 20, 3, Number.NaN]),
  y: Uint8Array.from([0, 1, 1]),
  weight: Float32Array.from([1, 2, 3]),
  group: Int32Array.from([7, 8, 7]),
});

test('createDataset derives the shape', () => {
  assert.equal(ds.rows, 3);
  assert.equal(ds.cols, 2);
});

test('createDataset rejects inconsistent arrays and non-binary labels, listing every problem', () => {
  assert.throws(
    () => createDataset({ featureNames: ['a', 'a'], x: new Float32Array(5), y: Uint8Array.from([0, 2, 1]) }),
    (err: unknown) => err instanceof ValidationError && err.issues.length === 3,
  );
});

test('takeRows copies the requested rows in order with their labels, weights and groups', () => {
  const sub = takeRows(ds, Uint32Array.from([2, 0]));
  assert.equal(sub.rows, 2);
  assert.deepEqual([...sub.x], [3, Number.NaN, 1, 10]);
  assert.deepEqual([...sub.y], [1, 0]);
  assert.deepEqual([...sub.weight!], [3, 1]);
  assert.deepEqual([...sub.group!], [7, 7]);
  assert.throws(() => takeRows(ds, Uint32Array.from([3])), ValidationError);
});

test('featureColumn and positiveRate', () => {
  assert.deepEqual([...featureColumn(ds, 1)], [10, 20, Number.NaN]);
  assert.equal(positiveRate(ds), 5 / 6);
});
