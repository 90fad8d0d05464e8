import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binnedKsStatistic, kolmogorovSurvival, ksPValue } from '../../../services/drift-monitor/src/kolmogorov-smirnov.ts';

const close = (actual: number, expected: number, tol: number): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

test('binned KS: largest CDF gap at the bin edges', () => {
  // live CDF 0.1, 0.3, 0.6, 1 vs reference 0.25, 0.5, 0.75, 1: gaps 0.15, 0.2, 0.15
  close(binnedKsStatistic([10, 20, 30, 40], [0.25, 0.25, 0.25, 0.25]), 0.2, 1e-12);
  close(binnedKsStatistic([25, 25, 25, 25], [0.25, 0.25, 0.25, 0.25]), 0, 1e-12);
  assert.ok(Number.isNaN(binnedKsStatistic([0, 0], [0.5, 0.5])));
});

test('Kolmogorov distribution: the critical values of the KS tables', () => {
  // P(sqrt(n) D > 1.3581) = 0.05, > 1.6276 = 0.01, > 1.2239 = 0.10, > 1.9495 = 0.001 (asymptotic tables)
  close(kolmogorovSurvival(1.3581), 0.05, 1e-4);
  close(kolmogorovSurvival(1.6276), 0.01, 1e-4);
  close(kolmogorovSurvival(1.2239), 0.1, 1e-4);
  close(kolmogorovSurvival(1.9495), 0.001, 1e-5);
  close(kolmogorovSurvival(0.5), 0.9639, 1e-4);
  assert.equal(kolmogorovSurvival(0), 1);
});

test('Kolmogorov distribution: the small-lambda and large-lambda series agree where they meet', () => {
  // Both forms are exact; the switch at 1.18 must not show as a jump.
  const below = kolmogorovSurvival(1.18 - 1e-9);
  const above = kolmogorovSurvival(1.18 + 1e-9);
  close(below, above, 1e-8);
  for (let l = 0.2; l < 3; l += 0.01) assert.ok(kolmogorovSurvival(l) >= kolmogorovSurvival(l + 0.01), `monotone at ${l}`);
});

test('KS p-value with the Stephens correction: D = 0.05 on 1,000 values', () => {
  // lambda = (sqrt(1000) + 0.12 + 0.11 / sqrt(1000)) * 0.05 = 1.58731...
  const lambda = (Math.sqrt(1000) + 0.12 + 0.11 / Math.sqrt(1000)) * 0.05;
  close(ksPValue(0.05, 1000), kolmogorovSurvival(lambda), 1e-15);
  close(ksPValue(0.05, 1000), 0.0129588457, 1e-9); // scipy.stats.kstwobign.sf(1.58731)
  assert.ok(Number.isNaN(ksPValue(0.1, 0)));
});
