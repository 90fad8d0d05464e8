/**
 * Pearson's chi-square goodness-of-fit test of live category counts against the reference shares, and
 * the chi-square survival function through the regularised upper incomplete gamma function Q(a, x)
 * (series for x < a + 1, Lentz continued fraction otherwise: Numerical Recipes 6.2).
 */
import { PSI_EPSILON } from './distribution-distance.ts';

/**
 * X^2 = sum_i (O_i - E_i)^2 / E_i with E_i = n * e_i, and its degrees of freedom (categories in play
 * minus 1). A category the reference never saw (e_i = 0) but the window holds is floored at the same
 * share as PSI rather than left infinite: the statistic becomes large (a new category is drift) while
 * the p-value stays a number. Categories absent on both sides do not count.
 */
export function chiSquareStatistic(
  live: ArrayLike<number>,
  reference: ArrayLike<number>,
  from = 0,
  to = live.length,
  refFrom = from,
): { statistic: number; df: number } {
  let n = 0;
  let refTotal = 0;
  for (let i = from; i < to; i++) {
    n += live[i]!;
    refTotal += reference[refFrom + i - from]!;
  }
  if (!(n > 0) || !(refTotal > 0)) return { statistic: Number.NaN, df: 0 };
  let x2 = 0;
  let k = 0;
  for (let i = from; i < to; i++) {
    const o = live[i]!;
    const share = reference[refFrom + i - from]! / refTotal;
    if (share <= 0 && o === 0) continue;
    k++;
    const e = n * Math.max(share, PSI_EPSILON);
    x2 += ((o - e) * (o - e)) / e;
  }
  return { statistic: x2, df: Math.max(0, k - 1) };
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 coefficients; ~1e-15 relative). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const GAMMA_EPS = 1e-15;
const GAMMA_ITMAX = 500;
const FPMIN = 1e-300;

/** Regularised lower incomplete gamma P(a, x) by its series; accurate for x < a + 1. */
function gammaSeries(a: number, x: number): number {
  let ap = a;
  let sum = 1 / a;
  let del = sum;
  for (let n = 0; n < GAMMA_ITMAX; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * GAMMA_EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Regularised upper incomplete gamma Q(a, x) by its continued fraction; accurate for x >= a + 1. */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= GAMMA_ITMAX; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < GAMMA_EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** Q(a, x) = Gamma(a, x) / Gamma(a), a > 0, x >= 0. */
export function regularizedGammaQ(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

/** P(a, x) = 1 - Q(a, x). */
export function regularizedGammaP(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return Number.NaN;
  if (x === 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** P(X^2_df >= x): the p-value of a chi-square statistic. df = 0 (one category in play) gives 1. */
export function chiSquarePValue(x: number, df: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (df <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}
