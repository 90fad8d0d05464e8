/**
 * Seeded pseudo-random numbers for everything that must be reproducible: training (splits, row and
 * column subsampling, bootstrap resamples, hyperparameter search) and the experiment bandit's draws.
 * Math.random is never used there.
 *
 * The generator is sfc32 (Small Fast Counting, 128-bit state) seeded through splitmix32: it is fast in
 * V8 (pure int32 arithmetic), passes PractRand to many terabytes, and unlike mulberry32 it has no short
 * cycles for particular seeds. Seeds are any finite number; they are truncated to a uint32.
 */

export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n). */
  nextInt(n: number): number;
  /** Standard normal draw (Box–Muller); used for synthetic test data. */
  nextNormal(): number;
  /** Uniform uint32, the raw generator output. */
  nextUint32(): number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number): Rng {
  const init = splitmix32(Math.trunc(seed) >>> 0);
  let a = init() | 0;
  let b = init() | 0;
  let c = init() | 0;
  let d = init() | 0;
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32's authors recommend it to decorrelate nearby seeds.
  for (let i = 0; i < 12; i++) nextUint32();
  let spareNormal = Number.NaN;
  const next = (): number => nextUint32() / 4294967296;
  return {
    next,
    nextUint32,
    nextInt(n: number): number {
      // Multiply-shift instead of modulo: the bias is < n / 2^32, negligible for the sizes used here.
      return Math.floor(next() * n);
    },
    nextNormal(): number {
      if (!Number.isNaN(spareNormal)) {
        const s = spareNormal;
        spareNormal = Number.NaN;
        return s;
      }
      let u = next();
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(arr: T, rng: Rng): T {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = t;
  }
  return arr;
}

/**
 * `k` distinct integers from [0, n), returned in ascending order (ascending so that row subsets keep
 * memory order, which matters for the histogram loops).
 */
export function sampleIndices(n: number, k: number, rng: Rng): Uint32Array {
  const m = Math.max(0, Math.min(n, Math.floor(k)));
  const out = new Uint32Array(m);
  // Selection sampling (Knuth's algorithm S): one pass, already sorted, no extra memory.
  let chosen = 0;
  for (let i = 0; i < n && chosen < m; i++) {
    if ((n - i) * rng.next() < m - chosen) out[chosen++] = i;
  }
  return out;
}
