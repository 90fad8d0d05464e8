/** Training's seeded random numbers are shared's (shared/src/random.ts), also used by the experiment bandit. */
export { createRng, sampleIndices, shuffleInPlace, type Rng } from '@riskstream/shared';
