import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ModelError, ValidationError } from '@riskstream/shared';
import { predictBatch } from '@riskstream/shared/model';
import type { LinearModel, Model } from '@riskstream/shared/model';
import type { Dataset } from '../../../training/src/data/dataset.ts';
import { selectColumns } from '../../../training/src/data/select-columns.ts';
import { averagePrecision } from '../../../training/src/metrics/average-precision.ts';
import { trainGbdt } from '../../../training/src/models/gbdt.ts';
import { trainLogisticRegression } from '../../../training/src/models/logistic-regression.ts';
import { bisectionRefits, rankFeatures, selectFeatures } from '../../../training/src/selection/feature-selection.ts';
import type { FeatureSelectionResult, FitFunction } from '../../../training/src/selection/feature-selection.ts';
import { FEATURES, NOISE, SIGNAL, syntheticFraud } from './selection-fixture.ts';

const train = syntheticFraud(3000, 1);
const valid = syntheticFraud(3000, 2);

function countingFit(): { fit: FitFunction; calls: (readonly string[])[] } {
  const calls: (readonly string[])[] = [];
  return {
    calls,
    fit: (t: Dataset) => {
      calls.push(t.featureNames);
      return trainLogisticRegression(t).model;
    },
  };
}

function validAp(model: Model): number {
  const v = selectColumns(valid, model.featureNames);
  return averagePrecision(predictBatch(model, v.x, v.rows), v.y);
}

function assertSorted(a: readonly string[], b: readonly string[]): void {
  assert.deepEqual([...a].sort(), [...b].sort());
}

test("auto drops the noise columns, keeps the signal ones and stays within the margin of the reference AP", () => {
  const { fit, calls } = countingFit();
  const result = selectFeatures(train, valid, { fit, mode: 'auto', seed: 1, repeats: 2 });
  assert.deepEqual(result.kept, SIGNAL);
  assertSorted(result.dropped, NOISE);
  assertSorted(result.ranking.slice(3).map((r) => r.feature), NOISE);
  assert.deepEqual(result.ranking.slice(0, 3).map((r) => r.feature), SIGNAL);
  assert.equal(result.margin, 0.005);
  assert.ok(result.final.ap >= result.reference.ap - result.margin);
  assert.equal(result.withinMargin, true);
  assert.deepEqual(result.model.featureNames, result.kept);
  assert.equal(result.final.ap, validAp(result.model));
  assert.ok(result.steps.length <= bisectionRefits(FEATURES.length - 1));
  assert.equal(calls.length, 1 + result.steps.length);
  for (const step of result.steps) assert.equal(step.accepted, step.ap >= result.reference.ap - result.margin);
  // The first step tries the weakest half of the five candidates (the strongest is never one).
  assert.equal(result.steps[0]!.tried.length, 3);
});

test('auto with a generous margin bisects down to the strongest feature alone', () => {
  const { fit } = countingFit();
  const result = selectFeatures(train, valid, { fit, mode: 'auto', seed: 1, repeats: 1, margin: 1 });
  assert.deepEqual(result.kept, ['amount_z']);
  assert.deepEqual(result.steps.map((s) => s.tried.length), [3, 4, 5]);
  assert.ok(result.steps.every((s) => s.accepted));
  assert.ok(result.final.ap < result.reference.ap);
});

test('auto with margin 0 keeps only subsets that do not lose AP at all', () => {
  const { fit } = countingFit();
  const result = selectFeatures(train, valid, { fit, mode: 'auto', seed: 1, repeats: 1, margin: 0 });
  assert.ok(result.final.ap >= result.reference.ap);
  for (const name of SIGNAL) assert.ok(result.kept.includes(name));
});

test('maxRefits bounds the number of refits after the reference fit', () => {
  const { fit, calls } = countingFit();
  const result = selectFeatures(train, valid, { fit, mode: 'auto', seed: 1, repeats: 1, margin: 1, maxRefits: 1 });
  assert.equal(calls.length, 2);
  assert.equal(result.steps.length, 1);
  assert.equal(result.kept.length, 3);
});

test('mode K keeps exactly the K strongest features, in column order, whatever the AP', () => {
  const { fit, calls } = countingFit();
  const result = selectFeatures(train, valid, { fit, mode: 2, seed: 1, repeats: 1 });
  assert.deepEqual(result.kept, ['amount_z', 'velocity_z']);
  assert.equal(result.dropped.length, 4);
  assert.equal(result.dropped.at(-1), 'distance_z');
  assert.equal(result.steps.length, 1);
  assert.deepEqual(result.steps[0]!.tried, result.dropped);
  assert.equal(calls.length, 2);
  assert.equal(result.final.ap, validAp(result.model));
  // distance_z carries real signal, so losing it costs more than half a point of AP.
  assert.equal(result.withinMargin, false);
});

test('mode K = F keeps everything without a refit', () => {
  const { fit, calls } = countingFit();
  const result = selectFeatures(train, valid, { fit, mode: FEATURES.length, seed: 1, repeats: 1 });
  assert.deepEqual(result.kept, FEATURES);
  assert.deepEqual(result.dropped, []);
  assert.deepEqual(result.steps, []);
  assert.equal(result.final.ap, result.reference.ap);
  assert.equal(calls.length, 1);
});

test('deterministic for a seed', () => {
  const run = (): FeatureSelectionResult => selectFeatures(train, valid, { fit: countingFit().fit, mode: 'auto', seed: 9, repeats: 2 });
  assert.deepEqual(run(), run());
});

test('gain importance breaks exact permutation ties; without it column order does', () => {
  // A model that ignores the noise columns: shuffling them changes nothing, so their importances tie at 0.
  const ignoreNoise: FitFunction = (t) => {
    const m = trainLogisticRegression(t).model;
    const weights = Float64Array.from(m.weights, (w, j) => ((NOISE as readonly string[]).includes(t.featureNames[j]!) ? 0 : w));
    return { ...m, weights } satisfies LinearModel;
  };
  const gain = FEATURES.map((name) => ({ noise_a: 2, noise_b: 1, noise_c: 3 })[name as 'noise_a'] ?? 10);
  const withGain = selectFeatures(train, valid, { fit: ignoreNoise, mode: 3, seed: 1, repeats: 1, importance: { gain } });
  assert.deepEqual(withGain.ranking.slice(3).map((r) => r.feature), ['noise_c', 'noise_a', 'noise_b']);
  assert.deepEqual(withGain.ranking.slice(3).map((r) => r.permutation), [0, 0, 0]);
  assert.equal(withGain.ranking[5]!.gain, 1);
  const without = selectFeatures(train, valid, { fit: ignoreNoise, mode: 3, seed: 1, repeats: 1 });
  assert.deepEqual(without.ranking.slice(3).map((r) => r.feature), [...NOISE]);
  assert.equal('gain' in without.ranking[0]!, false);
});

test('rankFeatures orders by permutation, then gain, then column order', () => {
  const perm = [0.1, 0, 0.3, 0, 0].map((mean) => ({ mean, std: 0 }));
  const ranking = rankFeatures(['a', 'b', 'c', 'd', 'e'], perm, [0, 1, 0, 5, 1]);
  assert.deepEqual(ranking.map((r) => r.feature), ['c', 'a', 'd', 'b', 'e']);
});

test('works with a GBDT fit, reusing a full model and its gain importance', () => {
  const opts = { rounds: 40, learningRate: 0.2, maxDepth: 3, earlyStoppingRounds: 10, seed: 1 };
  const full = trainGbdt(train, opts, valid);
  let fits = 0;
  const fit: FitFunction = (t, v) => {
    fits++;
    return trainGbdt(t, opts, v).model;
  };
  const result = selectFeatures(train, valid, { fit, mode: 'auto', seed: 1, repeats: 2, fullModel: full.model, importance: full.importance });
  assert.equal(fits, result.steps.length);
  assert.deepEqual(result.kept, SIGNAL);
  assertSorted(result.dropped, NOISE);
  assert.ok(result.final.ap >= result.reference.ap - result.margin);
});

test('progress reports the reference fit, each importance column and each refit', () => {
  const calls: string[] = [];
  selectFeatures(train, valid, {
    fit: countingFit().fit,
    mode: 2,
    seed: 1,
    repeats: 1,
    progress: (stage, done, total) => calls.push(`${stage} ${done}/${total}`),
  });
  assert.deepEqual(calls, [
    'reference 0/1',
    'reference 1/1',
    ...FEATURES.map((_, j) => `importance ${j + 1}/6`),
    'refit 0/1',
    'refit 1/1',
  ]);
});

test('bad options are reported together as a ConfigError', () => {
  const fit = countingFit().fit;
  assert.throws(
    () => selectFeatures(train, valid, { fit, mode: 0, seed: 1, margin: -0.01, maxRefits: 0, repeats: 1.5, importance: { gain: [1, 2] } }),
    (err: unknown) =>
      err instanceof ConfigError &&
      ['mode', 'margin', 'maxRefits', 'repeats', 'importance.gain'].every((f) => err.issues.some((i) => i.field === f)),
  );
  for (const mode of [7, 2.5, -1]) {
    assert.throws(() => selectFeatures(train, valid, { fit, mode, seed: 1 }), ConfigError);
  }
  assert.throws(() => selectFeatures(train, valid, { fit, mode: 'auto', seed: 1, margin: Number.NaN }), ConfigError);
});

test('a fit that returns a model over other columns is a ModelError; a validation set missing columns a ValidationError', () => {
  const wrong: FitFunction = () => trainLogisticRegression(selectColumns(train, ['amount_z'])).model;
  assert.throws(() => selectFeatures(train, valid, { fit: wrong, mode: 'auto', seed: 1 }), ModelError);
  const { fit } = countingFit();
  assert.throws(() => selectFeatures(train, selectColumns(valid, [...SIGNAL]), { fit, mode: 'auto', seed: 1 }), ValidationError);
});

test('extra folds: every subset is fitted on each split and its AP is the mean over all of them', () => {
  const { fit, calls } = countingFit();
  const second = { train: syntheticFraud(3000, 3), valid: syntheticFraud(3000, 4) };
  const result = selectFeatures(train, valid, { fit, mode: 3, seed: 1, repeats: 1, extraFolds: [second] });
  assert.equal(calls.length, 4, 'reference and top-3 subset, each on both splits');
  const apOn = (fold: { train: Dataset; valid: Dataset }, names: readonly string[]) => {
    const model = trainLogisticRegression(selectColumns(fold.train, names)).model;
    const v = selectColumns(fold.valid, names);
    return averagePrecision(predictBatch(model, v.x, v.rows), v.y);
  };
  const expected = (apOn({ train, valid }, result.kept) + apOn(second, result.kept)) / 2;
  assert.ok(Math.abs(result.final.ap - expected) < 1e-12, `${result.final.ap} vs ${expected}`);
  assert.ok(Math.abs(result.final.ap - validAp(result.model)) > 1e-9, 'not the first split alone');
});
