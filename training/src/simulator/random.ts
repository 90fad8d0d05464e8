/**
 * Random draws for the transaction simulator, on top of the training package's seeded generator.
 *
 * Every part of the simulation draws from its own STREAM, derived from (seed, stream id, index): one per
 * customer for its transactions (as the handbook reseeds with the customer id), one per day for each
 * fraud scenario, and so on. Streams make the output independent of processing order and let an extra
 * draw in one place (say, a channel) leave every other number unchanged.
 */

import { createRng } from '../random.ts';
import type { Rng } from '../random.ts';

/** Stream ids; a new consumer of randomness takes a new id rather than sharing one. */
export const STREAM = {
  customers: 1,
  terminals: 2,
  customerTransactions: 3,
  transactionChannel: 4,
  currency: 5,
  cardNumber: 6,
  compromisedTerminals: 7,
  compromisedCustomers: 8,
  drift: 9,
} as const;

function mix32(h: number, v: number): number {
  // murmur3-style round: enough avalanche that neighbouring (seed, index) pairs give unrelated streams.
  let k = Math.imul(v | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

function finalize32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A uint32 seed for the stream named by `parts` under a user seed (any safe integer). */
export function deriveSeed(seed: number, ...parts: readonly number[]): number {
  // Both halves of the user seed count, so seeds above 2^32 still give distinct streams.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = mix32(mix32(0x5eed5eed, lo), hi);
  for (const p of parts) h = mix32(h, p);
  return finalize32(h);
}

export interface SimulationRandom {
  /** Uniform in [low, high). */
  uniform(low: number, high: number): number;
  /** Normal with the given mean and standard deviation. */
  normal(mean: number, std: number): number;
  /** Poisson-distributed count with mean `lambda` >= 0. */
  poisson(lambda: number): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** `k` distinct integers of [0, n), in draw order (partial Fisher–Yates). */
  distinct(n: number, k: number): Int32Array;
}

// Knuth's product method costs O(lambda) uniforms and underflows exp(-lambda) for large lambda, so large
// means are split into a sum of independent Poisson(<= this) draws, which is exactly Poisson(lambda).
const POISSON_CHUNK = 30;

export function createSimulationRandom(seed: number, ...parts: readonly number[]): SimulationRandom {
  const rng: Rng = createRng(deriveSeed(seed, ...parts));
  const poissonSmall = (lambda: number): number => {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > limit) {
      k++;
      p *= rng.next();
    }
    return k;
  };
  return {
    uniform: (low, high) => low + (high - low) * rng.next(),
    normal: (mean, std) => mean + std * rng.nextNormal(),
    poisson(lambda) {
      if (!(lambda > 0)) return 0;
      let k = 0;
      let rest = lambda;
      while (rest > POISSON_CHUNK) {
        k += poissonSmall(POISSON_CHUNK);
        rest -= POISSON_CHUNK;
      }
      return k + poissonSmall(rest);
    },
    int: (n) => rng.nextInt(n),
    distinct(n, k) {
      const m = Math.min(n, Math.max(0, k));
      // A sparse swap map keeps this O(k) even when n is the number of terminals or transactions.
      const swapped = new Map<number, number>();
      const out = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const j = i + rng.nextInt(n - i);
        const vj = swapped.get(j) ?? j;
        const vi = swapped.get(i) ?? i;
        swapped.set(j, vi);
        out[i] = vj;
      }
      return out;
    },
  };
}
