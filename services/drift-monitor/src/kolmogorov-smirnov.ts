/**
 * Kolmogorov-Smirnov on binned data: the monitor keeps histograms, not samples, so D is the largest gap
 * between the live and reference CDFs at the bin edges. That is a lower bound of the continuous D (the
 * CDFs are only compared where both are known), so the test is conservative: it can only miss a shift
 * that lives inside one reference bin, never invent one.
 *
 * p-value: the one-sample test against the reference as a known distribution (the reference profile
 * holds proportions, not its sample size; with tens of thousands of training rows its own noise is small
 * next to a window's). Asymptotic Kolmogorov distribution with Stephens' small-sample correction
 * lambda = (sqrt(n) + 0.12 + 0.11 / sqrt(n)) * D (Numerical Recipes, probks).
 */

/** Largest |F_live - F_ref| over the bin edges; `live` are counts, `reference` proportions. NaN when empty. */
export function binnedKsStatistic(live: ArrayLike<number>, reference: ArrayLike<number>, from = 0, to = live.length, refFrom = from): number {
  let total = 0;
  let refTotal = 0;
  for (let i = from; i < to; i++) {
    total += live[i]!;
    refTotal += reference[refFrom + i - from]!;
  }
  if (!(total > 0) || !(refTotal > 0)) return Number.NaN;
  let cLive = 0;
  let cRef = 0;
  let d = 0;
  // The last edge has both CDFs at 1; stopping before it avoids counting rounding as a gap.
  for (let i = from; i < to - 1; i++) {
    cLive += live[i]! / total;
    cRef += reference[refFrom + i - from]! / refTotal;
    const gap = Math.abs(cLive - cRef);
    if (gap > d) d = gap;
  }
  return d;
}

/**
 * Q_KS(lambda) = P(sqrt(n) D > lambda) under the null = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 lambda^2).
 * That series converges slowly for small lambda; there the equivalent Jacobi-theta form
 * 1 - sqrt(2 pi) / lambda * sum_{k>=1} exp(-(2k-1)^2 pi^2 / (8 lambda^2)) converges in a few terms.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (Number.isNaN(lambda)) return Number.NaN;
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const y = Math.exp((-Math.PI * Math.PI) / (8 * lambda * lambda));
    // Terms y^((2k-1)^2): y, y^9, y^25, y^49, ...
    const sum = y + y ** 9 + y ** 25 + y ** 49;
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum));
  }
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += sign * term;
    if (term < 1e-17) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** p-value of a KS statistic `d` from a sample of `n` values against a known distribution. */
export function ksPValue(d: number, n: number): number {
  if (Number.isNaN(d) || !(n > 0)) return Number.NaN;
  const sn = Math.sqrt(n);
  return kolmogorovSurvival((sn + 0.12 + 0.11 / sn) * d);
}
