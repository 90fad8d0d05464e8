import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benjaminiHochberg, correct, sidak, sidakThreshold } from '../../../services/drift-monitor/src/multiple-testing.ts';

const rejected = (r: Uint8Array): number[] => [...r.keys()].filter((i) => r[i] === 1);

test('Benjamini-Hochberg: the step-up finds the largest k with p_(k) <= k/m * alpha', () => {
  // m = 8, alpha = 0.05: thresholds 0.00625, 0.0125, 0.01875, ...; only the two smallest pass.
  const p = [0.041, 0.001, 0.039, 0.074, 0.008, 0.042, 0.205, 0.06];
  assert.deepEqual(rejected(benjaminiHochberg(p, 0.05, new Uint8Array(8))), [1, 4]);
});

test('Benjamini-Hochberg: a p-value above its own threshold is rejected when a larger rank passes', () => {
  // sorted 0.005 (<=0.0125), 0.03 (> 0.025), 0.036 (<= 0.0375): k = 3, so 0.03 is rejected too
  const p = [0.03, 0.9, 0.005, 0.036];
  assert.deepEqual(rejected(benjaminiHochberg(p, 0.05, new Uint8Array(4))), [0, 2, 3]);
});

test('Benjamini-Hochberg: NaN p-values are not tests (m counts only real ones)', () => {
  // With m = 2 (not 3): thresholds 0.025, 0.05; 0.04 passes at rank 2.
  const p = [0.04, Number.NaN, 0.02];
  assert.deepEqual(rejected(benjaminiHochberg(p, 0.05, new Uint8Array(3))), [0, 2]);
});

test('Sidak: per-test threshold 1 - (1 - alpha)^(1/m)', () => {
  assert.ok(Math.abs(sidakThreshold(0.05, 4) - 0.012741455098566) < 1e-12);
  const p = [0.0127, 0.0128, 0.5, Number.NaN];
  // m = 3 real tests: threshold 0.016952...
  assert.deepEqual(rejected(sidak(p, 0.05, new Uint8Array(4))), [0, 1]);
  assert.deepEqual(rejected(sidak([0.0127, 0.0128, 0.5, 0.5], 0.05, new Uint8Array(4))), [0]);
});

test('correct dispatches by name', () => {
  const p = [0.03, 0.9, 0.005, 0.036];
  assert.deepEqual(rejected(correct('benjamini-hochberg', p, 0.05, new Uint8Array(4))), [0, 2, 3]);
  assert.deepEqual(rejected(correct('sidak', p, 0.05, new Uint8Array(4))), [2]);
});
