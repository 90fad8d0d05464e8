import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import {
  DEFAULT_RANDOM_FOREST_OPTIONS,
  featuresPerSplit,
  resolveRandomForestOptions,
} from '../../../training/src/models/random-forest-options.ts';
import type { RandomForestOptions } from '../../../training/src/models/random-forest-options.ts';

test('defaults resolve to a frozen copy with partial overrides applied', () => {
  const o = resolveRandomForestOptions({ nEstimators: 7 });
  assert.ok(Object.isFrozen(o));
  assert.equal(o.nEstimators, 7);
  assert.equal(o.maxDepth, DEFAULT_RANDOM_FOREST_OPTIONS.maxDepth);
  assert.equal(o.maxFeatures, 'sqrt');
  assert.deepEqual(resolveRandomForestOptions(), DEFAULT_RANDOM_FOREST_OPTIONS);
});

test('every invalid option is reported together in one ConfigError', () => {
  const bad = {
    nEstimators: 0,
    maxDepth: 2.5,
    minSamplesLeaf: 0,
    maxFeatures: 'auto',
    maxSamples: 1.5,
    maxBins: 256,
    binPositiveShare: 1,
    classWeight: 'balanced_subsample',
    seed: Number.NaN,
    bootstrap: 'yes',
  } as unknown as Partial<RandomForestOptions>;
  assert.throws(
    () => resolveRandomForestOptions(bad),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.issues.map((i) => i.field).sort(),
        ['binPositiveShare', 'bootstrap', 'classWeight', 'maxBins', 'maxDepth', 'maxFeatures', 'maxSamples', 'minSamplesLeaf', 'nEstimators', 'seed'],
      );
      return true;
    },
  );
});

test('maxSamples below 1 needs bootstrap', () => {
  assert.throws(
    () => resolveRandomForestOptions({ bootstrap: false, maxSamples: 0.5 }),
    (err: unknown) => err instanceof ConfigError && err.issues.length === 1 && err.issues[0]!.field === 'maxSamples',
  );
  assert.equal(resolveRandomForestOptions({ maxSamples: 0.5 }).maxSamples, 0.5);
});

test('features per split follow scikit-learn: floor of sqrt, log2 or share, at least one', () => {
  assert.equal(featuresPerSplit('sqrt', 23), 4);
  assert.equal(featuresPerSplit('sqrt', 25), 5);
  assert.equal(featuresPerSplit('log2', 23), 4);
  assert.equal(featuresPerSplit('sqrt', 1), 1);
  assert.equal(featuresPerSplit(0.5, 23), 11);
  assert.equal(featuresPerSplit(0.01, 23), 1);
  assert.equal(featuresPerSplit(1, 23), 23);
});
