import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationCurve, expectedCalibrationError } from '../../../training/src/metrics/calibration-curve.ts';

test('hand-computed reliability bins, ECE and MCE', () => {
  // Bin 0: {0.05: 0} gap .05; bin 1: {0.15: 0, 0.15: 1} gap .35; bin 9: {0.95: 1} gap .05.
  const c = calibrationCurve([0.05, 0.15, 0.15, 0.95], [0, 0, 1, 1]);
  assert.equal(c.bins.length, 10);
  assert.equal(c.bins[1]!.count, 2);
  assert.ok(Math.abs(c.bins[1]!.meanPredicted - 0.15) < 1e-12);
  assert.equal(c.bins[1]!.fractionPositive, 0.5);
  assert.equal(c.bins[5]!.count, 0);
  assert.ok(Math.abs(c.ece - 0.2) < 1e-12);
  assert.ok(Math.abs(c.mce - 0.35) < 1e-12);
});

test('perfectly calibrated bins have ECE 0; p = 1 falls in the last bin', () => {
  assert.equal(expectedCalibrationError([0.25, 0.25, 0.25, 0.25, 1], [1, 0, 0, 0, 1], { bins: 4 }), 0);
});

test('quantile bins hold equal counts and keep ties together', () => {
  const p = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.6, 0.6];
  const c = calibrationCurve(p, [0, 0, 0, 1, 0, 1, 1, 0], { bins: 4, strategy: 'quantile' });
  // The 0.6 tie starts in bin 2 and stays there, leaving bin 3 empty.
  assert.deepEqual(c.bins.map((b) => b.count), [2, 2, 4, 0]);
  assert.equal(c.bins[2]!.lower, 0.5);
  assert.equal(c.bins[2]!.upper, 0.6);
  assert.equal(c.bins[0]!.upper, 0.2);
  assert.ok(Number.isNaN(c.bins[3]!.lower));
});
