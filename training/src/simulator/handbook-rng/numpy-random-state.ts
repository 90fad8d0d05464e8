/**
 * numpy's legacy `np.random.RandomState` (the generator behind `np.random.seed` / `np.random.uniform` /
 * `np.random.normal` / `np.random.poisson` and pandas' `sample(random_state=...)`), draw for draw, for
 * the distributions the Fraud Detection Handbook uses. The algorithms are those of numpy's
 * `distributions.c` / `legacy-distributions.c`, whose output numpy keeps frozen for `RandomState`:
 *
 * - `random_sample`: 53-bit double from two MT19937 outputs;
 * - `uniform(low, high)`: `low + (high - low) * random_sample()`;
 * - `normal(loc, scale)`: `loc + scale * gauss()`, where `gauss` is the Marsaglia polar method that
 *   returns one value of each pair and caches the other (reseeding drops the cached value);
 * - `poisson(lam)`: the multiplication method for 0 < lam < 10 (lam >= 10 uses numpy's PTRS rejection
 *   sampler, not needed by the handbook and not implemented);
 * - `shuffle` / `permutation` / `choice(n, k, replace=False)`: Fisher–Yates from the end, with
 *   `random_interval`'s masked rejection sampling.
 */

import { Mt19937 } from './mt19937.ts';

/** Largest seed `np.random.seed` accepts. */
export const MAX_NUMPY_SEED = 0xffffffff;

export class NumpyRandomState {
  readonly #mt = new Mt19937();
  #hasGauss = false;
  #gauss = 0;

  constructor(seed: number) {
    this.seed(seed);
  }

  /** `np.random.seed(seed)`: an integer in [0, 2^32 - 1]. */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_NUMPY_SEED) {
      throw new RangeError(`numpy seed must be an integer in [0, ${MAX_NUMPY_SEED}], got ${seed}`);
    }
    this.#mt.seedWithInteger(seed);
    this.#hasGauss = false;
    this.#gauss = 0;
  }

  /** A raw 32-bit output. */
  nextUint32(): number {
    return this.#mt.nextUint32();
  }

  /** `random_sample()`: uniform in [0, 1). */
  randomSample(): number {
    return this.#mt.nextDouble();
  }

  /** `uniform(low, high)`. */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.#mt.nextDouble();
  }

  /** `standard_normal()` (legacy polar method with a cached second value). */
  standardNormal(): number {
    if (this.#hasGauss) {
      this.#hasGauss = false;
      const cached = this.#gauss;
      this.#gauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.#mt.nextDouble() - 1;
      x2 = 2 * this.#mt.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.#gauss = f * x1;
    this.#hasGauss = true;
    return f * x2;
  }

  /** `normal(loc, scale)`. */
  normal(loc: number, scale: number): number {
    return loc + scale * this.standardNormal();
  }

  /** `poisson(lam)` for 0 <= lam < 10. */
  poisson(lam: number): number {
    if (!(lam >= 0)) throw new RangeError(`poisson: lam must be >= 0, got ${lam}`);
    if (lam >= 10) {
      throw new RangeError(`poisson: lam >= 10 needs numpy's PTRS sampler, which is not implemented (got ${lam})`);
    }
    if (lam === 0) return 0;
    const enlam = Math.exp(-lam);
    let x = 0;
    let prod = 1;
    for (;;) {
      prod *= this.#mt.nextDouble();
      if (prod > enlam) x++;
      else return x;
    }
  }

  /** `random_interval(max)`: uniform integer in [0, max], max < 2^32. */
  randomInterval(max: number): number {
    if (max === 0) return 0;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new RangeError(`randomInterval: max must be an integer in [0, 2^32 - 1], got ${max}`);
    }
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do value = (this.#mt.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** `shuffle(values)` in place (a 1-d array). */
  shuffle(values: Int32Array): void {
    for (let i = values.length - 1; i >= 1; i--) {
      const j = this.randomInterval(i);
      const t = values[i]!;
      values[i] = values[j]!;
      values[j] = t;
    }
  }

  /** `permutation(n)`. Pass `into` (length n) to reuse a buffer. */
  permutation(n: number, into: Int32Array = new Int32Array(n)): Int32Array {
    if (into.length !== n) throw new RangeError(`permutation: buffer length ${into.length} !== ${n}`);
    for (let i = 0; i < n; i++) into[i] = i;
    this.shuffle(into);
    return into;
  }

  /**
   * `choice(n, size=k, replace=False)` (= `permutation(n)[:k]`), which is also what pandas'
   * `Series.sample(n=k, random_state=seed)` draws positions with. `k` above `n` is clamped to `n`
   * (numpy would raise).
   */
  choiceWithoutReplacement(n: number, k: number, buffer?: Int32Array): Int32Array {
    const perm = this.permutation(n, buffer?.length === n ? buffer : new Int32Array(n));
    return perm.slice(0, Math.min(n, Math.max(0, k)));
  }
}
