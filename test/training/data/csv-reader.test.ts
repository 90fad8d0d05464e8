import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ValidationError } from '@riskstream/shared';
import { parseCsvDataset, readCsvDataset } from '../../../training/src/data/csv-reader.ts';

const UCI = '/work/shared/datasets/default_of_credit_card_clients.csv';

const text = ['ID,amount,SEX,city,label', '1,10.5,1,"Paris, FR",0', '2,,2,Lyon,1', '3,NA,1,Paris,0', '4,7,,"Lyon",1', ''].join('\r\n');

test('drops the id column, reads numbers, maps empty/NA to NaN, handles CRLF and quotes', () => {
  const { dataset } = parseCsvDataset(text, { target: 'label', idColumn: 'ID', drop: ['city'] });
  assert.deepEqual(dataset.featureNames, ['amount', 'SEX']);
  assert.equal(dataset.rows, 4);
  assert.deepEqual([...dataset.y], [0, 1, 0, 1]);
  assert.deepEqual([...dataset.x], [10.5, 1, Number.NaN, 2, Number.NaN, 1, 7, Number.NaN]);
});

test('one-hot expands named columns in place; a missing cell is NaN in every indicator', () => {
  const { dataset, oneHotLevels } = parseCsvDataset(text, { target: 'label', idColumn: 'ID', drop: ['city'], oneHot: ['SEX'] });
  assert.deepEqual(dataset.featureNames, ['amount', 'SEX=1', 'SEX=2']);
  assert.deepEqual(oneHotLevels, { SEX: ['1', '2'] });
  assert.deepEqual([...dataset.x.subarray(0, 3)], [10.5, 1, 0]);
  assert.deepEqual([...dataset.x.subarray(3, 6)], [Number.NaN, 0, 1]);
  assert.deepEqual([...dataset.x.subarray(9, 12)], [7, Number.NaN, Number.NaN]);
});

test('categorical text columns become sorted integer codes', () => {
  const { dataset, categoryLevels } = parseCsvDataset(text, { target: 'label', idColumn: 'ID', categorical: ['city'] });
  assert.deepEqual(categoryLevels, { city: ['Lyon', 'Paris', 'Paris, FR'] });
  const city = dataset.featureNames.indexOf('city');
  assert.deepEqual([0, 1, 2, 3].map((i) => dataset.x[i * dataset.cols + city]), [2, 0, 1, 0]);
});

test('a text value in an undeclared column is an error naming the column', () => {
  assert.throws(
    () => parseCsvDataset(text, { target: 'label', idColumn: 'ID' }),
    (err: unknown) => err instanceof ValidationError && err.reason === 'CSV_VALUES_INVALID' && err.issues[0]!.path.startsWith('city'),
  );
});

test('unknown columns, ragged rows and non-binary targets are errors', () => {
  assert.throws(() => parseCsvDataset(text, { target: 'nope' }), (e: unknown) => e instanceof ValidationError && e.reason === 'CSV_COLUMNS_INVALID');
  assert.throws(() => parseCsvDataset('a,y\n1,0\n2\n', { target: 'y' }), (e: unknown) => e instanceof ValidationError && e.reason === 'CSV_MALFORMED');
  assert.throws(() => parseCsvDataset('a,y\n1,0\n2,3\n', { target: 'y' }), (e: unknown) => e instanceof ValidationError && e.reason === 'CSV_VALUES_INVALID');
});

test('group and weight columns are taken out of the features', () => {
  const { dataset } = parseCsvDataset('card,w,a,y\nc1,1,5,0\nc2,2,6,1\nc1,0.5,7,1\n', { target: 'y', groupColumn: 'card', weightColumn: 'w' });
  assert.deepEqual(dataset.featureNames, ['a']);
  assert.deepEqual([...dataset.group!], [0, 1, 0]);
  assert.deepEqual([...dataset.weight!], [1, 2, 0.5]);
});

test('reads the UCI credit default file into 23 raw features', { skip: !existsSync(UCI) && 'dataset absent' }, async () => {
  const { dataset } = await readCsvDataset(UCI, { target: 'default payment next month', idColumn: 'ID' });
  assert.equal(dataset.rows, 30000);
  assert.equal(dataset.cols, 23);
  assert.equal(dataset.featureNames[0], 'LIMIT_BAL');
  let pos = 0;
  for (const v of dataset.y) pos += v;
  assert.ok(Math.abs(pos / dataset.rows - 0.2212) < 0.001);
});
