import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ConfigError, ValidationError } from '@riskstream/shared';
import { createDataset } from '../../../training/src/data/dataset.ts';
import type { Dataset } from '../../../training/src/data/dataset.ts';
import { readCsvDataset } from '../../../training/src/data/csv-reader.ts';
import { DISTINCT_CAP, assertDataOk, checkData } from '../../../training/src/build/data-checks.ts';

const UCI = '/work/shared/datasets/default_of_credit_card_clients.csv';
const NaN = Number.NaN;

/** Columns given column-major for readability, stored row-major like every Dataset. */
function fromColumns(columns: Record<string, number[]>, y: number[]): Dataset {
  const names = Object.keys(columns);
  const x = new Float32Array(y.length * names.length);
  names.forEach((n, j) => columns[n]!.forEach((v, i) => (x[i * names.length + j] = v)));
  return createDataset({ featureNames: names, x, y: Uint8Array.from(y) });
}

const y = [0, 1, 0, 0, 1, 0, 0, 0, 1, 0];
const clean = fromColumns(
  {
    amount: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    holey: [1, NaN, 3, NaN, NaN, 6, 7, NaN, NaN, NaN], // 6/10 missing
    flat: [7, 7, 7, 7, 7, 7, 7, 7, 7, NaN],
    wild: [0, Infinity, 2, -Infinity, 4, 5, 6, 7, 8, 9],
  },
  y,
);

test('per-feature statistics: missing rate, infinities, min/max over finite values, distinct, constant', () => {
  const r = checkData(clean);
  const byName = Object.fromEntries(r.features.map((f) => [f.name, f]));
  assert.deepEqual(
    { missing: byName['holey']!.missing, rate: byName['holey']!.missingRate, distinct: byName['holey']!.distinct, min: byName['holey']!.min, max: byName['holey']!.max },
    { missing: 6, rate: 0.6, distinct: 4, min: 1, max: 7 },
  );
  assert.equal(byName['flat']!.constant, true);
  assert.equal(byName['flat']!.distinct, 1);
  assert.equal(byName['amount']!.constant, false);
  assert.equal(byName['wild']!.nonFinite, 2);
  assert.equal(byName['wild']!.min, 0);
  assert.equal(byName['wild']!.max, 9);
  assert.equal(byName['wild']!.distinct, 10); // +-Infinity are values, not missing
  assert.deepEqual(r.classBalance, { positives: 3, negatives: 7, rate: 0.3, invalid: 0 });
  // Nothing fatal; the constant, the 60%-missing and the infinite feature are warned about.
  assert.deepEqual(r.problems, []);
  assert.equal(r.warnings.length, 3, r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.includes('"holey"') && w.includes('60.0%')));
  assert.ok(r.warnings.some((w) => w.includes('"flat" is constant')));
  assert.ok(r.warnings.some((w) => w.includes('"wild"') && w.includes('2 infinite')));
  assert.doesNotThrow(() => assertDataOk(r));
});

test('maxMissingRate moves the missingness warning', () => {
  assert.ok(!checkData(clean, { maxMissingRate: 0.7 }).warnings.some((w) => w.includes('"holey"')));
  assert.ok(checkData(clean, { maxMissingRate: 0.05 }).warnings.some((w) => w.includes('"flat" is missing in 10.0%')));
});

test('duplicate ids are fatal and reported with examples', () => {
  const ids = ['a', 'b', 'c', 'a', 'd', 'e', 'c', 'a', 'f', 'g'];
  const r = checkData(clean, { ids });
  assert.equal(r.duplicateIds.count, 3);
  assert.deepEqual(r.duplicateIds.examples, ['a', 'c']);
  assert.equal(r.problems.length, 1);
  assert.throws(() => assertDataOk(r), (err: unknown) => err instanceof ValidationError && err.reason === 'DATA_CHECK_FAILED' && err.issues[0]!.problem.includes('3 duplicate id(s)'));
  assert.equal(checkData(clean, { ids: Int32Array.from({ length: 10 }, (_, i) => i) }).duplicateIds.count, 0);
  assert.ok(checkData(clean, { ids: [1, 2, 3] }).problems.some((p) => p.includes('ids has 3 values')));
});

test('fatal: no rows, a class absent, non-0/1 labels, a feature missing everywhere', () => {
  const empty = createDataset({ featureNames: ['a'], x: new Float32Array(0), y: new Uint8Array(0) });
  assert.ok(checkData(empty).problems.includes('dataset has no rows'));

  const allNeg = fromColumns({ a: [1, 2, 3] }, [0, 0, 0]);
  assert.deepEqual(checkData(allNeg).problems, ['no positive labels']);
  const allPos = fromColumns({ a: [1, 2, 3] }, [1, 1, 1]);
  assert.deepEqual(checkData(allPos).problems, ['no negative labels']);
  assert.deepEqual(checkData(fromColumns({ a: [1, 2, 3] }, [1, 0, 0]), { minPositives: 2 }).problems, ['only 1 positive labels, need at least 2']);

  // createDataset refuses labels > 1, so build the object by hand as a buggy loader could.
  const badLabels: Dataset = { featureNames: ['a'], rows: 3, cols: 1, x: new Float32Array([1, 2, 3]), y: Uint8Array.from([0, 1, 2]) };
  const r = checkData(badLabels);
  assert.equal(r.classBalance.invalid, 1);
  assert.ok(r.problems.includes('1 label(s) are not 0 or 1'));

  const gone = fromColumns({ a: [1, 2, 3], b: [NaN, NaN, NaN] }, [0, 1, 0]);
  assert.deepEqual(checkData(gone).problems, ['feature "b" is missing in every row']);

  const wrongShape: Dataset = { featureNames: ['a', 'b'], rows: 3, cols: 2, x: new Float32Array(5), y: new Uint8Array(3) };
  assert.match(checkData(wrongShape).problems[0]!, /x has 5 values/);
});

test('declared ranges count values below and above, unknown names warn', () => {
  const r = checkData(clean, { ranges: { amount: { min: 2, max: 8 }, wild: { min: 0 }, nope: { max: 1 } } });
  const amount = r.features.find((f) => f.name === 'amount')!;
  const wild = r.features.find((f) => f.name === 'wild')!;
  assert.deepEqual(amount.outOfRange, { below: 1, above: 2 });
  assert.deepEqual(wild.outOfRange, { below: 1, above: 0 }); // -Infinity
  assert.equal(r.features.find((f) => f.name === 'flat')!.outOfRange, undefined);
  assert.ok(r.warnings.some((w) => w.includes('"amount" has 1 value(s) below 2 and 2 above 8')));
  assert.ok(r.warnings.some((w) => w.includes('unknown feature "nope"')));
  assert.deepEqual(r.problems, []);
});

test('distinct counting stops at the cap', () => {
  const n = DISTINCT_CAP + 500;
  const ds = createDataset({ featureNames: ['v'], x: Float32Array.from({ length: n }, (_, i) => i), y: Uint8Array.from({ length: n }, (_, i) => i % 2) });
  const f = checkData(ds).features[0]!;
  assert.equal(f.distinct, DISTINCT_CAP);
  assert.equal(f.distinctCapped, true);
  const exact = createDataset({ featureNames: ['v'], x: Float32Array.from({ length: n }, (_, i) => i % DISTINCT_CAP), y: new Uint8Array(n).fill(1, 0, 3) });
  assert.equal(checkData(exact).features[0]!.distinctCapped, false);
});

test('bad options are a ConfigError', () => {
  assert.throws(() => checkData(clean, { maxMissingRate: 2 }), ConfigError);
  assert.throws(() => checkData(clean, { minPositives: 0 }), ConfigError);
  assert.throws(() => checkData(clean, { ranges: { amount: { min: 5, max: 1 } } }), ConfigError);
});

// Its speed is measured by `npm run bench -- startup-checks`, not here.
test('UCI credit default: passes and flags nothing fatal', { skip: !existsSync(UCI) && 'UCI dataset absent' }, async () => {
  const { dataset } = await readCsvDataset(UCI, { target: 'default payment next month', idColumn: 'ID' });
  const r = checkData(dataset, { ids: Int32Array.from({ length: dataset.rows }, (_, i) => i + 1), ranges: { AGE: { min: 18, max: 100 }, SEX: { min: 1, max: 2 } } });
  assert.deepEqual(r.problems, []);
  assert.equal(r.classBalance.positives, 6636);
  assert.equal(r.features.find((f) => f.name === 'SEX')!.distinct, 2);
  assert.equal(r.features.find((f) => f.name === 'AGE')!.outOfRange!.below, 0);
});
