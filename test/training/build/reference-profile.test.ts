import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ConfigError, ModelError, ValidationError } from '@riskstream/shared';
import { MISSING_CATEGORY, binIndex, binProportions, validateManifest } from '@riskstream/shared/model';
import type { NumericProfile, ReferenceProfile } from '@riskstream/shared/model';
import { createDataset, featureColumn } from '../../../training/src/data/dataset.ts';
import type { Dataset } from '../../../training/src/data/dataset.ts';
import { readCsvDataset } from '../../../training/src/data/csv-reader.ts';
import { buildReferenceProfile, numericProfile } from '../../../training/src/build/reference-profile.ts';
import { sampleManifest } from '../../shared/model/sample-manifest.ts';

const UCI = '/work/shared/datasets/default_of_credit_card_clients.csv';
const NaN = Number.NaN;

function fromColumns(columns: Record<string, ArrayLike<number>>, y: ArrayLike<number>): Dataset {
  const names = Object.keys(columns);
  const x = new Float32Array(y.length * names.length);
  names.forEach((n, j) => Array.from(columns[n]!).forEach((v, i) => (x[i * names.length + j] = v)));
  return createDataset({ featureNames: names, x, y: Uint8Array.from(y) });
}

function sum(a: readonly number[]): number {
  return a.reduce((s, v) => s + v, 0);
}

/** Runs the profile through the manifest parser the registry and the monitor use. */
function assertValidProfile(profile: ReferenceProfile): void {
  assert.doesNotThrow(() => validateManifest(JSON.parse(JSON.stringify(sampleManifest({ referenceProfile: profile })))));
}

test('binIndex: bin i is (e_i, e_i+1], ends clipped, NaN is -1', () => {
  const edges = [0, 10, 20, 30];
  const cases: [number, number][] = [
    [-5, 0], [0, 0], [5, 0], [10, 0], [10.0001, 1], [20, 1], [20.5, 2], [30, 2], [99, 2],
    [Number.NEGATIVE_INFINITY, 0], [Number.POSITIVE_INFINITY, 2], [NaN, -1],
  ];
  for (const [v, b] of cases) assert.equal(binIndex(edges, v), b, `value ${v}`);
  assert.equal(binIndex([0, 1], 7), 0);
  assert.throws(() => binIndex([1], 0), ModelError);
  assert.deepEqual(binProportions(edges, [1, 11, 12, NaN]), { proportions: [1 / 3, 2 / 3, 0], missingRate: 0.25 });
});

test('numeric bins reproduce training quantiles: 1..100 in 10 bins of 10%', () => {
  const values = Float32Array.from({ length: 100 }, (_, i) => i + 1);
  const p = numericProfile(values, 10);
  assert.deepEqual(p.binEdges, [1, 10.5, 20.5, 30.5, 40.5, 50.5, 60.5, 70.5, 80.5, 90.5, 100]);
  assert.deepEqual(p.proportions, new Array(10).fill(0.1));
  assert.equal(p.missingRate, 0);
});

test('on continuous data every bin holds 1/k of the values and each edge splits at the j/k quantile', () => {
  let s = 7;
  const n = 997; // not a multiple of k, so the ceil() in the quantile index matters
  const values = Float32Array.from({ length: n }, () => ((s = (s * 48271) % 2147483647) / 2147483647) * 100);
  values[3] = NaN;
  values[500] = NaN;
  const k = 8;
  const p = numericProfile(values, k);
  assert.equal(p.binEdges.length, k + 1);
  assert.equal(p.missingRate, 2 / n);
  assert.ok(Math.abs(sum(p.proportions) - 1) < 1e-12);
  const present = [...values].filter((v) => !Number.isNaN(v));
  for (let j = 1; j < k; j++) {
    const below = present.filter((v) => v <= p.binEdges[j]!).length;
    assert.equal(below, Math.ceil((j * present.length) / k), `edge ${j}`);
  }
  for (const share of p.proportions) assert.ok(Math.abs(share - 1 / k) < 2 / present.length, `share ${share}`);
  // No training value sits on an inner edge (edges are midpoints between distinct values).
  for (const e of p.binEdges.slice(1, -1)) assert.ok(!present.includes(e));
});

test('ties merge bins instead of producing equal edges', () => {
  const values = [...new Array(50).fill(0), ...Array.from({ length: 50 }, (_, i) => i + 1)];
  const p = numericProfile(values, 10);
  assert.deepEqual(p.binEdges, [0, 0.5, 10.5, 20.5, 30.5, 40.5, 50]);
  assert.deepEqual(p.proportions, [0.5, 0.1, 0.1, 0.1, 0.1, 0.1]);
  // Two distinct values still give two bins.
  assert.deepEqual(numericProfile([0.25, 0.25, 0.75], 10).binEdges, [0.25, 0.5, 0.75]);
});

test('a constant numeric feature gets valid edges with the value in the middle bin', () => {
  const p = numericProfile(new Array(20).fill(3.25), 10);
  assert.deepEqual(p.binEdges, [2.25, 2.75, 3.25, 3.75]);
  assert.deepEqual(p.proportions, [0, 1, 0]);
  assert.equal(binIndex(p.binEdges, 3.25), 1);
  assert.equal(binIndex(p.binEdges, 2), 0); // drift downwards is visible ...
  assert.equal(binIndex(p.binEdges, 4), 2); // ... and upwards
  const big = numericProfile([1e12, 1e12], 10);
  assert.ok(big.binEdges.every((e, i) => i === 0 || e > big.binEdges[i - 1]!));
  const gone = numericProfile([NaN, NaN], 10);
  assert.deepEqual(gone, { kind: 'numeric', binEdges: [0, 1], proportions: [0], missingRate: 1 });
});

test('infinite values stay out of the edges and are clipped into the end bins', () => {
  const p = numericProfile([Number.NEGATIVE_INFINITY, 1, 2, 3, Number.POSITIVE_INFINITY], 2);
  assert.ok(p.binEdges.every(Number.isFinite));
  assert.deepEqual(p.binEdges, [1, 2.5, 3]);
  assert.deepEqual(p.proportions, [0.6, 0.4]);
});

const n = 200;
const idx = Array.from({ length: n }, (_, i) => i);
const ds = fromColumns(
  {
    amount: idx.map((i) => (i * 37) % 101 + 0.5),
    SEX: idx.map((i) => (i % 10 === 0 ? NaN : 1 + (i % 2))),
    TX_DURING_WEEKEND: idx.map((i) => (i % 7 < 2 ? 1 : 0)),
    CUSTOMER_ID_NB_TX_1DAY_WINDOW: idx.map((i) => 1 + (i % 4)),
    flat: idx.map(() => 5),
  },
  idx.map((i) => (i % 5 === 0 ? 1 : 0)),
);
const scores = idx.map((i) => ((i * 13) % n) / n);

test('buildReferenceProfile: kinds, categorical shares, score histogram, manifest-valid', () => {
  const profile = buildReferenceProfile(ds, scores);
  const f = profile.features;
  assert.deepEqual(Object.keys(f), ['amount', 'SEX', 'TX_DURING_WEEKEND', 'CUSTOMER_ID_NB_TX_1DAY_WINDOW', 'flat']);
  assert.equal(f['amount']!.kind, 'numeric');
  // Integer-valued with few levels: categorical, missing counted under its own key, shares over all rows.
  assert.deepEqual(f['SEX'], { kind: 'categorical', frequencies: { '1': 0.4, '2': 0.5, [MISSING_CATEGORY]: 0.1 } });
  assert.deepEqual(f['TX_DURING_WEEKEND'], { kind: 'categorical', frequencies: { '0': 142 / 200, '1': 58 / 200 } });
  // A count of the shared feature set stays numeric although it looks categorical.
  assert.equal(f['CUSTOMER_ID_NB_TX_1DAY_WINDOW']!.kind, 'numeric');
  assert.deepEqual((f['CUSTOMER_ID_NB_TX_1DAY_WINDOW'] as NumericProfile).proportions, [0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual(f['flat'], { kind: 'categorical', frequencies: { '5': 1 } });
  const score = profile.score;
  assert.equal(score.binEdges.length, 11);
  assert.deepEqual(score.proportions, new Array(10).fill(0.1));
  for (const p of Object.values(f)) {
    if (p.kind === 'numeric') assert.ok(Math.abs(sum(p.proportions) - 1) < 1e-9);
    else assert.ok(Math.abs(sum(Object.values(p.frequencies)) - 1) < 1e-9);
  }
  assertValidProfile(profile);
});

test('kinds override the rules; a constant feature forced numeric is still manifest-valid', () => {
  const profile = buildReferenceProfile(ds, scores, { kinds: { flat: 'numeric', SEX: 'numeric', amount: 'categorical' }, bins: 4 });
  assert.deepEqual(profile.features['flat'], { kind: 'numeric', binEdges: [4, 4.5, 5, 5.5], proportions: [0, 1, 0], missingRate: 0 });
  assert.equal((profile.features['SEX'] as NumericProfile).missingRate, 0.1);
  assert.equal(profile.features['amount']!.kind, 'categorical');
  assert.equal(profile.score.binEdges.length, 5);
  assertValidProfile(profile);
  // categoricalMaxDistinct below SEX's 2 levels makes it numeric.
  assert.equal(buildReferenceProfile(ds, scores, { categoricalMaxDistinct: 1 }).features['SEX']!.kind, 'numeric');
});

test('bad options and mismatched scores are refused', () => {
  assert.throws(() => buildReferenceProfile(ds, scores, { bins: 1 }), ConfigError);
  assert.throws(() => buildReferenceProfile(ds, scores, { kinds: { nope: 'numeric' } }), ConfigError);
  assert.throws(() => buildReferenceProfile(ds, scores.slice(1)), (e: unknown) => e instanceof ValidationError && e.reason === 'PROFILE_INPUT_MISMATCH');
  const empty = createDataset({ featureNames: ['a'], x: new Float32Array(0), y: new Uint8Array(0) });
  assert.throws(() => buildReferenceProfile(empty, []), (e: unknown) => e instanceof ValidationError && e.reason === 'PROFILE_EMPTY');
});

test('UCI credit default: profile validates and the monitor-side histogram reproduces it', { skip: !existsSync(UCI) && 'UCI dataset absent' }, async (t) => {
  const { dataset } = await readCsvDataset(UCI, { target: 'default payment next month', idColumn: 'ID' });
  // A stand-in score: any deterministic function of the row will do for the histogram.
  const pay0 = dataset.featureNames.indexOf('PAY_0');
  const s = Float64Array.from({ length: dataset.rows }, (_, i) => 1 / (1 + Math.exp(-(dataset.x[i * dataset.cols + pay0]! - 1 + (i % 97) / 97))));
  const t0 = performance.now();
  const profile = buildReferenceProfile(dataset, s);
  const ms = performance.now() - t0;
  assertValidProfile(profile);
  assert.equal(profile.features['SEX']!.kind, 'categorical');
  assert.equal(profile.features['EDUCATION']!.kind, 'categorical');
  assert.equal(profile.features['MARRIAGE']!.kind, 'categorical');
  assert.equal(profile.features['LIMIT_BAL']!.kind, 'numeric');
  for (const [j, name] of dataset.featureNames.entries()) {
    const p = profile.features[name]!;
    if (p.kind !== 'numeric') continue;
    assert.ok(p.binEdges.length >= 2);
    const again = binProportions(p.binEdges, featureColumn(dataset, j));
    assert.deepEqual(again.proportions, p.proportions, name);
  }
  t.diagnostic(`buildReferenceProfile on UCI (${dataset.rows} x ${dataset.cols} + score): ${ms.toFixed(1)} ms`);
});
