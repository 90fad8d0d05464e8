import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { createDataset } from '../../../training/src/data/dataset.ts';
import { columnIndices, selectColumns } from '../../../training/src/data/select-columns.ts';

const ds = createDataset({
  featureNames: ['a', 'b', 'c'],
  x: Float32Array.from([1, 2, 3, 4, 5, Number.NaN]),
  y: Uint8Array.from([0, 1]),
  weight: Float32Array.from([1, 2]),
  group: Int32Array.from([7, 8]),
});

test('selectColumns keeps the named columns in the order given, row by row', () => {
  const sub = selectColumns(ds, ['c', 'a']);
  assert.deepEqual(sub.featureNames, ['c', 'a']);
  assert.equal(sub.rows, 2);
  assert.equal(sub.cols, 2);
  assert.deepEqual([...sub.x], [3, 1, Number.NaN, 4]);
  assert.deepEqual([...sub.y], [0, 1]);
  assert.deepEqual([...sub.weight!], [1, 2]);
  assert.deepEqual([...sub.group!], [7, 8]);
});

test('selectColumns copies x, so writing to the projection leaves the source untouched', () => {
  const sub = selectColumns(ds, ['a', 'b', 'c']);
  assert.notEqual(sub.x, ds.x);
  sub.x[0] = 99;
  assert.equal(ds.x[0], 1);
});

test('selectColumns omits weight and group when the source has none', () => {
  const plain = createDataset({ featureNames: ['a', 'b'], x: Float32Array.from([1, 2]), y: Uint8Array.from([1]) });
  const sub = selectColumns(plain, ['b']);
  assert.deepEqual([...sub.x], [2]);
  assert.equal('weight' in sub, false);
  assert.equal('group' in sub, false);
});

test('selectColumns reports every unknown or repeated name at once as a ValidationError', () => {
  assert.throws(
    () => selectColumns(ds, ['a', 'zz', 'a', 'yy']),
    (err: unknown) =>
      err instanceof ValidationError &&
      err.reason === 'COLUMNS_INVALID' &&
      err.issues.length === 3 &&
      err.issues.some((i) => i.path === 'names[1]' && i.problem.includes("'zz'")) &&
      err.issues.some((i) => i.path === 'names[2]' && i.problem.includes('twice')),
  );
  assert.throws(() => selectColumns(ds, []), ValidationError);
});

test('columnIndices maps names to source column positions', () => {
  assert.deepEqual([...columnIndices(ds, ['b', 'c', 'a'])], [1, 2, 0]);
});
