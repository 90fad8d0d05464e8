/**
 * Effect sizes between a reference distribution and a live histogram over the same bins: PSI and the
 * Jensen-Shannon distance. Both read `live` as counts (normalised here, so a window never has to divide
 * its counts first) and `reference` as proportions, over the slots [from, to) of flat arrays: the monitor
 * keeps every feature's bins in one array and passes offsets, so no per-feature array is created.
 */

/**
 * A bin with a proportion of 0 makes PSI infinite (ln(a/0)). Both sides are floored at this share, the
 * usual practice (1e-4): an empty live bin or a live value in a bin the reference never saw then adds a
 * large but finite term, which is the signal, and a single stray value in a 5,000-event window cannot
 * make the index explode (it adds at most ~0.0002 * ln(2) here).
 */
export const PSI_EPSILON = 1e-4;

/**
 * Population stability index, PSI = sum_i (a_i - e_i) * ln(a_i / e_i), a = live share, e = reference
 * share, both floored at PSI_EPSILON. NaN when the live counts are all zero (nothing to compare).
 */
export function psi(live: ArrayLike<number>, reference: ArrayLike<number>, from = 0, to = live.length, refFrom = from): number {
  let total = 0;
  for (let i = from; i < to; i++) total += live[i]!;
  if (!(total > 0)) return Number.NaN;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const a = Math.max(live[i]! / total, PSI_EPSILON);
    const e = Math.max(reference[refFrom + i - from]!, PSI_EPSILON);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/**
 * Jensen-Shannon distance in bits: sqrt(JSD), JSD = (KL(P||M) + KL(Q||M)) / 2 with M = (P+Q)/2 and log
 * base 2, so it lies in [0, 1] (0 identical, 1 disjoint supports). Needs no smoothing: M > 0 wherever P
 * or Q is. The reference is renormalised over the slots, in case it does not sum to exactly 1.
 */
export function jensenShannonDistance(live: ArrayLike<number>, reference: ArrayLike<number>, from = 0, to = live.length, refFrom = from): number {
  let total = 0;
  let refTotal = 0;
  for (let i = from; i < to; i++) {
    total += live[i]!;
    refTotal += reference[refFrom + i - from]!;
  }
  if (!(total > 0) || !(refTotal > 0)) return Number.NaN;
  let jsd = 0;
  for (let i = from; i < to; i++) {
    const p = live[i]! / total;
    const q = reference[refFrom + i - from]! / refTotal;
    const m = (p + q) / 2;
    if (p > 0) jsd += 0.5 * p * Math.log2(p / m);
    if (q > 0) jsd += 0.5 * q * Math.log2(q / m);
  }
  // Rounding can leave a tiny negative divergence for identical inputs.
  return Math.sqrt(Math.min(1, Math.max(0, jsd)));
}
