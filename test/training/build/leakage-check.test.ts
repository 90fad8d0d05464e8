import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ConfigError, ValidationError } from '@riskstream/shared';
import { createDataset } from '../../../training/src/data/dataset.ts';
import type { Dataset } from '../../../training/src/data/dataset.ts';
import { readCsvDataset } from '../../../training/src/data/csv-reader.ts';
import { assertNoLeakage, checkLeakage } from '../../../training/src/build/leakage-check.ts';
import { mulberry32 as rng } from '../../../training/bench/random-model.ts';

const UCI = '/work/shared/datasets/default_of_credit_card_clients.csv';


/** 2000 rows, 10% positives; `columns` maps a name to a function of (label, random). */
function build(columns: Record<string, (label: number, r: () => number) => number>): Dataset {
  const r = rng(42);
  const n = 2000;
  const names = Object.keys(columns);
  const y = Uint8Array.from({ length: n }, () => (r() < 0.1 ? 1 : 0));
  const x = new Float32Array(n * names.length);
  for (let i = 0; i < n; i++) names.forEach((name, j) => (x[i * names.length + j] = columns[name]!(y[i]!, r)));
  return createDataset({ featureNames: names, x, y });
}

const ds = build({
  // Honest: shifted by the label but overlapping heavily (AUC around 0.75).
  honest: (label, r) => r() + 0.4 * label,
  noise: (_label, r) => r(),
  label_copy: (label) => label,
  label_inverted: (label) => 1 - label,
  label_plus_noise: (label, r) => label + 0.01 * r(),
  label_scaled_down: (label, r) => -5 * label + 0.1 * r(),
  // A field only filled in for frauds: its presence alone gives the label away.
  filled_by_fraud_team: (label, r) => (label === 1 ? r() : Number.NaN),
});

test('flags copies of the label, near copies in either direction and missingness leaks; honest features pass', () => {
  const report = checkLeakage(ds);
  const by = Object.fromEntries(report.features.map((f) => [f.name, f]));
  assert.equal(report.threshold, 0.98);
  assert.deepEqual(
    report.features.filter((f) => f.suspicious).map((f) => f.name),
    ['label_copy', 'label_inverted', 'label_plus_noise', 'label_scaled_down', 'filled_by_fraud_team'],
  );
  assert.equal(by['label_copy']!.identicalToLabel, true);
  assert.equal(by['label_inverted']!.identicalToInvertedLabel, true);
  assert.equal(by['label_plus_noise']!.identicalToLabel, false);
  assert.equal(by['label_plus_noise']!.auc, 1);
  assert.equal(by['label_scaled_down']!.auc, 0);
  assert.equal(by['label_scaled_down']!.strength, 1);
  assert.ok(by['honest']!.auc > 0.65 && by['honest']!.auc < 0.9, `honest auc ${by['honest']!.auc}`);
  assert.ok(Math.abs(by['noise']!.auc - 0.5) < 0.06, `noise auc ${by['noise']!.auc}`);
  assert.equal(report.problems.length, 5);
  assert.match(report.problems[0]!, /"label_copy" is identical to the label/);
  assert.match(report.problems[2]!, /"label_plus_noise" alone separates the classes with AUC 1\.0000 >= 0\.98/);
  assert.throws(() => assertNoLeakage(report), (err: unknown) => err instanceof ValidationError && err.reason === 'LEAKAGE_SUSPECTED' && err.issues.length === 5);
});

test('the threshold is configurable and validated', () => {
  const strict = checkLeakage(ds, { maxSingleFeatureAuc: 0.6 });
  assert.ok(strict.features.find((f) => f.name === 'honest')!.suspicious);
  assert.ok(!strict.features.find((f) => f.name === 'noise')!.suspicious);
  assert.throws(() => checkLeakage(ds, { maxSingleFeatureAuc: 0.5 }), ConfigError);
  assert.throws(() => checkLeakage(ds, { maxSingleFeatureAuc: 1.5 }), ConfigError);
});

test('an honest dataset passes assertNoLeakage', () => {
  const honest = build({ a: (l, r) => r() + 0.3 * l, b: (_l, r) => r() });
  const report = checkLeakage(honest);
  assert.deepEqual(report.problems, []);
  assert.doesNotThrow(() => assertNoLeakage(report));
});

test('with one class only, AUCs are NaN, a warning says so, identity is still checked', () => {
  const x = new Float32Array([0, 5, 0, 6, 0, 7]);
  const report = checkLeakage(createDataset({ featureNames: ['copy', 'v'], x, y: new Uint8Array(3) }));
  assert.ok(Number.isNaN(report.features[0]!.auc));
  assert.equal(report.warnings.length, 1);
  assert.deepEqual(report.problems, ['feature "copy" is identical to the label']);
});

test('UCI credit default: no single feature leaks', { skip: !existsSync(UCI) && 'UCI dataset absent' }, async (t) => {
  const { dataset } = await readCsvDataset(UCI, { target: 'default payment next month', idColumn: 'ID' });
  const t0 = performance.now();
  const report = checkLeakage(dataset);
  const ms = performance.now() - t0;
  assert.deepEqual(report.problems, []);
  // PAY_0 (last month's repayment status) is the strongest honest feature, around 0.7.
  const best = report.features.reduce((a, b) => (b.strength > a.strength ? b : a));
  assert.equal(best.name, 'PAY_0');
  assert.ok(best.strength > 0.65 && best.strength < 0.8, `PAY_0 strength ${best.strength}`);
  t.diagnostic(`checkLeakage on UCI (${dataset.rows} x ${dataset.cols}): ${ms.toFixed(1)} ms`);
});
