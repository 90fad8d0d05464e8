import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { predictProbability, sigmoid } from '@riskstream/shared/model';
import type { LinearModel } from '@riskstream/shared/model';
import { applyIsotonic, applyPlatt, fitIsotonic, fitPlatt, withCalibration } from '../../training/src/calibration.ts';
import { calibrationCurve } from '../../training/src/metrics/calibration-curve.ts';
import { createRng } from '../../training/src/random.ts';

test("Platt on a tiny separable case lands exactly on Platt's smoothed targets", () => {
  // Targets: positives (2+1)/(2+2) = 3/4, negatives 1/(2+2) = 1/4, so sigmoid(a + b) = 3/4, sigmoid(-a + b) = 1/4.
  const cal = fitPlatt([-1, -1, 1, 1], [0, 0, 1, 1]);
  assert.ok(Math.abs(cal.a - Math.log(3)) < 1e-8, `a = ${cal.a}`);
  assert.ok(Math.abs(cal.b) < 1e-8, `b = ${cal.b}`);
});

test('Platt recovers the slope and offset of a mis-scaled score', () => {
  const rng = createRng(1);
  const n = 40_000;
  const margins = Float64Array.from({ length: n }, () => rng.nextNormal() * 1.5);
  const labels = Uint8Array.from(margins, (m) => (rng.next() < sigmoid(2 * m - 1) ? 1 : 0));
  const cal = fitPlatt(margins, labels);
  assert.ok(Math.abs(cal.a - 2) < 0.08, `a = ${cal.a}`);
  assert.ok(Math.abs(cal.b + 1) < 0.05, `b = ${cal.b}`);
  const before = calibrationCurve(Float64Array.from(margins, sigmoid), labels).ece;
  const after = calibrationCurve(applyPlatt(cal, margins), labels).ece;
  assert.ok(after < before / 3, `ece ${before} -> ${after}`);
});

test('Platt needs both classes', () => {
  assert.throws(() => fitPlatt([1, 2], [1, 1]), ValidationError);
});

test('withCalibration returns a calibrated copy and leaves the original alone', () => {
  const model: LinearModel = {
    kind: 'linear',
    featureNames: ['x'],
    weights: Float64Array.from([1]),
    intercept: 0,
    mean: Float64Array.from([0]),
    scale: Float64Array.from([1]),
  };
  const cal = withCalibration(model, { kind: 'platt', a: 2, b: 1 });
  assert.equal(model.calibration, undefined);
  assert.equal(predictProbability(cal, [0.5]), sigmoid(2 * 0.5 + 1));
});

test('isotonic PAV pools violators (hand-computed)', () => {
  // scores 1..5 with labels 1,0,1,1,0: {1,2} pool to 0.5; {3,4,5} = (1+1+0)/3 after pooling 5 into 4 then 3.
  const iso = fitIsotonic([1, 2, 3, 4, 5], [1, 0, 1, 1, 0]);
  assert.deepEqual([...iso.value], [0.5, 2 / 3]);
  assert.deepEqual([...iso.upper], [2, 5]);
  assert.deepEqual([...applyIsotonic(iso, [0, 1.5, 2, 2.5, 9])], [0.5, 0.5, 0.5, 2 / 3, 2 / 3]);
});

test('isotonic keeps tied scores together and is monotone', () => {
  const iso = fitIsotonic([1, 1, 2, 2], [1, 0, 0, 0]);
  assert.deepEqual([...iso.value], [0.25]);
  const rng = createRng(3);
  const s = Float64Array.from({ length: 2000 }, () => rng.next());
  const y = Uint8Array.from(s, (v) => (rng.next() < v ? 1 : 0));
  const fit = fitIsotonic(s, y);
  for (let i = 1; i < fit.value.length; i++) assert.ok(fit.value[i]! >= fit.value[i - 1]!);
});
