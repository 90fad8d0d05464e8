import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chiSquarePValue, chiSquareStatistic, logGamma, regularizedGammaP, regularizedGammaQ } from '../../../services/drift-monitor/src/chi-square.ts';

const close = (actual: number, expected: number, tol: number): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

test('chi-square statistic: hand-computed goodness of fit', () => {
  // 30 / 70 observed, 50 / 50 expected: (20^2 + 20^2) / 50 = 16, df 1
  assert.deepEqual(chiSquareStatistic([30, 70], [0.5, 0.5]), { statistic: 16, df: 1 });
  // 3 categories, expected 20/30/50 of 100, observed 25/25/50: 25/20 + 25/30 + 0 = 2.0833, df 2
  const c = chiSquareStatistic([25, 25, 50], [0.2, 0.3, 0.5]);
  close(c.statistic, 25 / 20 + 25 / 30, 1e-12);
  assert.equal(c.df, 2);
});

test('chi-square statistic: categories absent on both sides do not count; a new category is large, not infinite', () => {
  assert.equal(chiSquareStatistic([50, 50, 0], [0.5, 0.5, 0]).df, 1);
  const c = chiSquareStatistic([50, 45, 5], [0.5, 0.5, 0]);
  assert.equal(c.df, 2);
  assert.ok(c.statistic > 100 && Number.isFinite(c.statistic));
});

test('chi-square p-values match the critical values of the tables', () => {
  close(chiSquarePValue(3.841459, 1), 0.05, 1e-6);
  close(chiSquarePValue(6.634897, 1), 0.01, 1e-6);
  close(chiSquarePValue(5.991465, 2), 0.05, 1e-6);
  close(chiSquarePValue(11.344867, 3), 0.01, 1e-6);
  close(chiSquarePValue(23.209251, 10), 0.01, 1e-6);
  close(chiSquarePValue(18.307038, 10), 0.05, 1e-6);
  close(chiSquarePValue(124.342113, 100), 0.05, 1e-6);
  // p of the 30/70 example: X^2 = 16 with 1 df
  close(chiSquarePValue(16, 1), 6.334248e-5, 1e-10);
  assert.equal(chiSquarePValue(0, 3), 1);
  assert.equal(chiSquarePValue(5, 0), 1);
});

test('incomplete gamma: closed forms Q(1, x) = e^-x and P(1/2, x) = erf(sqrt(x)); P + Q = 1', () => {
  for (const x of [0.1, 0.5, 1, 2, 5, 20]) close(regularizedGammaQ(1, x), Math.exp(-x), 1e-13);
  close(regularizedGammaP(0.5, 1), 0.8427007929497149, 1e-12); // erf(1)
  for (const [a, x] of [[0.5, 0.2], [3, 2], [3, 8], [50, 45]] as const) close(regularizedGammaP(a, x) + regularizedGammaQ(a, x), 1, 1e-12);
});

test('log gamma: factorials and Gamma(1/2) = sqrt(pi)', () => {
  close(logGamma(5), Math.log(24), 1e-12);
  close(logGamma(11), Math.log(3628800), 1e-10);
  close(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-12);
  close(logGamma(0.25), Math.log(3.6256099082219083), 1e-12);
});
