/**
 * CPython's `random` module (3.11; these algorithms are unchanged since 3.2 for `seed`/`choice` and since
 * 3.11 for `sample`), draw for draw, for what the Fraud Detection Handbook uses: `random.seed(int)`,
 * `random.random()`, `random.choice(seq)` and `random.sample(seq, k)`.
 *
 * - `seed(n)`: MT19937 `init_by_array` over the 32-bit little-endian words of |n| (key [0] for 0);
 * - `getrandbits(k)`, k <= 32: the top k bits of one output;
 * - `_randbelow(n)`: rejection sampling on `getrandbits(n.bit_length())`;
 * - `choice(seq)`: `seq[_randbelow(len(seq))]`;
 * - `sample(pop, k)`: a partial Fisher–Yates on a copy when the population is small, otherwise
 *   set-based rejection, choosing between them by the same size rule as CPython.
 */

import { Mt19937 } from './mt19937.ts';

const TWO_POW_32 = 4294967296;

export class PythonRandom {
  readonly #mt = new Mt19937();

  constructor(seed: number) {
    this.seed(seed);
  }

  /** `random.seed(n)` for a safe integer n (negative seeds are seeded by |n|, as CPython does). */
  seed(seed: number): void {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`python seed must be a safe integer, got ${seed}`);
    const n = Math.abs(seed);
    const lo = n % TWO_POW_32;
    const hi = Math.floor(n / TWO_POW_32);
    this.#mt.seedWithArray(hi > 0 ? [lo, hi] : [lo]);
  }

  /** A raw 32-bit output. */
  nextUint32(): number {
    return this.#mt.nextUint32();
  }

  /** `random.random()`: uniform in [0, 1). */
  random(): number {
    return this.#mt.nextDouble();
  }

  /** `random.getrandbits(k)` for 0 <= k <= 32. */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 32) throw new RangeError(`getrandbits: k must be in [0, 32], got ${k}`);
    if (k === 0) return 0;
    return this.#mt.nextUint32() >>> (32 - k);
  }

  /** `random._randbelow(n)`: uniform integer in [0, n), 0 < n <= 2^32. */
  randbelow(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new RangeError(`randbelow: n must be an integer in [1, 2^32], got ${n}`);
    }
    const k = bitLength(n);
    if (k === 33) {
      // n = 2^32: getrandbits(33) would need two words; every 32-bit value is accepted anyway.
      throw new RangeError('randbelow: n = 2^32 needs getrandbits(33), which is not implemented');
    }
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** `random.choice(seq)`. */
  choice<T>(seq: ArrayLike<T>): T {
    if (seq.length === 0) throw new RangeError('choice: cannot choose from an empty sequence');
    return seq[this.randbelow(seq.length)]!;
  }

  /** `random.sample(population, k)`, in CPython's result order. */
  sample<T>(population: ArrayLike<T>, k: number): T[] {
    const n = population.length;
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new RangeError(`sample: k must be an integer in [0, ${n}], got ${k}`);
    }
    const result = new Array<T>(k);
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setsize) {
      const pool = Array.from(population);
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result[i] = pool[j]!;
        pool[j] = pool[n - i - 1]!;
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result[i] = population[j]!;
      }
    }
    return result;
  }
}

/** `int.bit_length()` for 0 <= n <= 2^53. */
function bitLength(n: number): number {
  return n < TWO_POW_32 ? 32 - Math.clz32(n) : 32 + bitLength(Math.floor(n / TWO_POW_32));
}
