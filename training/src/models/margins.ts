/**
 * Raw margins (log-odds before calibration) of any shared-format model for a row-major float32 batch.
 * Calibration is fitted on these, and scoring metrics only need an order-preserving score, so margins
 * avoid a sigmoid per row. Tree models are walked tree-major (one tree's arrays stay hot in cache while
 * every row passes through it), which is several times faster than predictBatch's row-major walk.
 */

import { ValidationError } from '@riskstream/shared';
import { linearMargin } from '@riskstream/shared/model';
import type { Model, TreeEnsembleModel } from '@riskstream/shared/model';

function checkShape(model: Model, x: Float32Array, rows: number): void {
  const cols = model.featureNames.length;
  if (x.length !== rows * cols) {
    throw new ValidationError('MATRIX_SHAPE_MISMATCH', [{ path: 'x', problem: `has ${x.length} values, expected ${rows}*${cols}` }]);
  }
}

function treeMarginsUnchecked(model: TreeEnsembleModel, x: Float32Array, rows: number): Float64Array {
  const cols = model.featureNames.length;
  const out = new Float64Array(rows).fill(model.baseMargin);
  for (const t of model.trees) {
    const { feature, threshold, left, right, missingLeft, value } = t;
    for (let i = 0; i < rows; i++) {
      const base = i * cols;
      let node = 0;
      while (feature[node]! >= 0) {
        const v = x[base + feature[node]!]!;
        // x is float32 storage, so comparing it directly equals comparing Math.fround(x).
        const goLeft = v !== v ? missingLeft[node] === 1 : v <= threshold[node]!;
        node = goLeft ? left[node]! : right[node]!;
      }
      out[i]! += value[node]!;
    }
  }
  return out;
}

/** Margins of a tree ensemble. */
export function treeMargins(model: TreeEnsembleModel, x: Float32Array, rows: number): Float64Array {
  checkShape(model, x, rows);
  return treeMarginsUnchecked(model, x, rows);
}

/** Margins of any model (calibration is NOT applied). */
export function modelMargins(model: Model, x: Float32Array, rows: number): Float64Array {
  checkShape(model, x, rows);
  if (model.kind === 'tree-ensemble') return treeMarginsUnchecked(model, x, rows);
  const cols = model.featureNames.length;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = linearMargin(model, x, i * cols);
  return out;
}
