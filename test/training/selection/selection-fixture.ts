/**
 * Synthetic fraud data for the selection tests: three signal columns of decreasing strength interleaved
 * with three pure-noise columns (independent of the label), so a ranking by column order would be wrong.
 */
import { createDataset } from '../../../training/src/data/dataset.ts';
import type { Dataset } from '../../../training/src/data/dataset.ts';
import { createRng } from '../../../training/src/random.ts';

export const FEATURES = ['noise_a', 'amount_z', 'noise_b', 'velocity_z', 'noise_c', 'distance_z'] as const;
export const SIGNAL = ['amount_z', 'velocity_z', 'distance_z'] as const;
export const NOISE = ['noise_a', 'noise_b', 'noise_c'] as const;
/** Log-odds per unit of each signal column, strongest first. */
const COEFFICIENTS: Readonly<Record<string, number>> = { amount_z: 2, velocity_z: 1.4, distance_z: 1 };

export function syntheticFraud(rows: number, seed: number): Dataset {
  const rng = createRng(seed);
  const cols = FEATURES.length;
  const x = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = -3;
    FEATURES.forEach((name, j) => {
      const v = rng.nextNormal();
      x[i * cols + j] = v;
      z += (COEFFICIENTS[name] ?? 0) * v;
    });
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return createDataset({ featureNames: FEATURES, x, y });
}
