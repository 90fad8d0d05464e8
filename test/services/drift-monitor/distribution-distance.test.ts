import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jensenShannonDistance, psi, PSI_EPSILON } from '../../../services/drift-monitor/src/distribution-distance.ts';

const close = (actual: number, expected: number, tol = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

test('psi: hand-computed two-bin value from counts', () => {
  // live 40/60 vs reference 50/50: 0.1 ln(0.6/0.5) + (-0.1) ln(0.4/0.5) = 0.1 * (0.18232 + 0.22314)
  close(psi([40, 60], [0.5, 0.5]), 0.1 * (Math.log(1.2) - Math.log(0.8)));
  close(psi([40, 60], [0.5, 0.5]), 0.0405465108, 1e-9);
});

test('psi: identical distributions give 0; it is symmetric in its two arguments', () => {
  close(psi([10, 20, 30, 40], [0.1, 0.2, 0.3, 0.4]), 0);
  close(psi([25, 75], [0.6, 0.4]), psi([60, 40], [0.25, 0.75]));
});

test('psi: empty bins are floored at PSI_EPSILON instead of making the index infinite', () => {
  const value = psi([0, 100], [0.5, 0.5]);
  const expected = (PSI_EPSILON - 0.5) * Math.log(PSI_EPSILON / 0.5) + (1 - 0.5) * Math.log(1 / 0.5);
  close(value, expected);
  assert.ok(Number.isFinite(value));
});

test('psi: no live events is NaN, not 0 (no evidence either way)', () => {
  assert.ok(Number.isNaN(psi([0, 0], [0.5, 0.5])));
});

test('psi: slot ranges of a flat array (several variables in one buffer)', () => {
  const counts = [99, 40, 60, 99];
  const ref = [0.5, 0.5];
  close(psi(counts, ref, 1, 3, 0), psi([40, 60], ref));
});

test('jensen-shannon distance: 0 for identical, 1 for disjoint supports (log base 2)', () => {
  close(jensenShannonDistance([5, 5], [0.5, 0.5]), 0);
  close(jensenShannonDistance([10, 0], [0, 1]), 1);
});

test('jensen-shannon distance: hand-computed value', () => {
  // P = (1, 0), Q = (0.5, 0.5), M = (0.75, 0.25): KL(P||M) = log2(4/3), KL(Q||M) = 0.5 log2(2/3) + 0.5 log2(2)
  const jsd = 0.5 * Math.log2(4 / 3) + 0.5 * (0.5 * Math.log2(0.5 / 0.75) + 0.5 * Math.log2(0.5 / 0.25));
  close(jensenShannonDistance([8, 0], [0.5, 0.5]), Math.sqrt(jsd));
  close(jensenShannonDistance([8, 0], [0.5, 0.5]), 0.5579230, 1e-6);
});
