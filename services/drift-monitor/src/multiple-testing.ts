/**
 * Multiple-testing corrections for the dataset-level verdict: with 10 features tested at alpha each,
 * some feature rejects in ~40% of stationary windows. Both write decisions into `reject` (1 = rejected)
 * and ignore NaN p-values (a feature without data is not a test), so nothing is allocated per window.
 *
 * - Sidak controls the family-wise error rate (no false rejection at all, with probability 1 - alpha,
 *   for independent tests): reject p <= 1 - (1 - alpha)^(1/m).
 * - Benjamini-Hochberg controls the false discovery rate: sort p ascending, find the largest k with
 *   p_(k) <= k/m * alpha, reject the k smallest. More power when several features move together.
 */

export type Correction = 'benjamini-hochberg' | 'sidak';

export const CORRECTIONS: readonly Correction[] = ['benjamini-hochberg', 'sidak'];

function countTests(p: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < p.length; i++) if (!Number.isNaN(p[i]!)) m++;
  return m;
}

/** Per-test threshold under Sidak for `m` tests. */
export function sidakThreshold(alpha: number, m: number): number {
  return m > 0 ? 1 - (1 - alpha) ** (1 / m) : alpha;
}

export function sidak(p: ArrayLike<number>, alpha: number, reject: Uint8Array): Uint8Array {
  const threshold = sidakThreshold(alpha, countTests(p));
  for (let i = 0; i < p.length; i++) reject[i] = !Number.isNaN(p[i]!) && p[i]! <= threshold ? 1 : 0;
  return reject;
}

/**
 * `order` is scratch space of at least p.length entries (the caller owns it so that the monitor's
 * recompute allocates nothing); insertion sort because m is a handful of features.
 */
export function benjaminiHochberg(p: ArrayLike<number>, alpha: number, reject: Uint8Array, order: Uint32Array = new Uint32Array(p.length)): Uint8Array {
  let m = 0;
  for (let i = 0; i < p.length; i++) {
    reject[i] = 0;
    if (Number.isNaN(p[i]!)) continue;
    let j = m++;
    while (j > 0 && p[order[j - 1]!]! > p[i]!) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = i;
  }
  let k = 0;
  for (let r = m; r >= 1; r--) {
    if (p[order[r - 1]!]! <= (r / m) * alpha) {
      k = r;
      break;
    }
  }
  for (let r = 0; r < k; r++) reject[order[r]!] = 1;
  return reject;
}

export function correct(correction: Correction, p: ArrayLike<number>, alpha: number, reject: Uint8Array, order?: Uint32Array): Uint8Array {
  return correction === 'sidak' ? sidak(p, alpha, reject) : benjaminiHochberg(p, alpha, reject, order);
}
