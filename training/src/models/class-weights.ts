/**
 * Per-row training weights for imbalanced labels. 'balanced' gives each class half of the total weight
 * (scikit-learn's class_weight='balanced'); a number multiplies positive rows (XGBoost's
 * scale_pos_weight). Class weights change the fitted probabilities (they are no longer calibrated to the
 * base rate), which is why calibration is fitted afterwards on unweighted validation data.
 */

import type { Dataset } from '../data/dataset.ts';

export type ClassWeight = 'none' | 'balanced' | number;

/** Sample weight (or 1) times the class weight of each row. */
export function rowWeights(ds: Dataset, classWeight: ClassWeight): Float64Array {
  const w = new Float64Array(ds.rows);
  let pos = 0;
  let tot = 0;
  for (let i = 0; i < ds.rows; i++) {
    w[i] = ds.weight ? ds.weight[i]! : 1;
    tot += w[i]!;
    if (ds.y[i] === 1) pos += w[i]!;
  }
  let wPos = 1;
  let wNeg = 1;
  if (classWeight === 'balanced') {
    wPos = pos > 0 ? tot / (2 * pos) : 1;
    wNeg = tot - pos > 0 ? tot / (2 * (tot - pos)) : 1;
  } else if (typeof classWeight === 'number') wPos = classWeight;
  if (wPos !== 1 || wNeg !== 1) for (let i = 0; i < ds.rows; i++) w[i]! *= ds.y[i] === 1 ? wPos : wNeg;
  return w;
}
