/**
 * The in-memory training table. Columnar per field, with the feature matrix stored ROW-MAJOR as float32:
 * - row-major matches the model contract (predictBatch / leafIndex read `x[row * cols + j]`) and ONNX's
 *   [N, F] float input, so a Dataset can be scored or exported with no copy;
 * - float32 because the model compares `Math.fround(x)` against float32 thresholds anyway; storing
 *   float32 halves memory and makes the stored value exactly what inference will see;
 * - histogram building does not read `x` at all: the GBDT first quantises it into a row-major Uint8
 *   bin matrix (see models/binning.ts), whose inner loop over a row's features is a contiguous read.
 * Missing values are NaN. Labels are 0/1.
 */

import { ValidationError } from '@riskstream/shared';
import type { ValidationIssue } from '@riskstream/shared';

export interface Dataset {
  readonly featureNames: readonly string[];
  readonly rows: number;
  readonly cols: number;
  /** Row-major features, `x[i * cols + j]`; NaN means missing. */
  readonly x: Float32Array;
  /** Binary label per row (0 or 1). */
  readonly y: Uint8Array;
  /** Optional per-row sample weight (>= 0); absent means 1 for every row. */
  readonly weight?: Float32Array;
  /** Optional group id per row (e.g. customer or card id), used by grouped splits. */
  readonly group?: Int32Array;
}

export interface DatasetInit {
  featureNames: readonly string[];
  x: Float32Array;
  y: Uint8Array;
  weight?: Float32Array;
  group?: Int32Array;
}

/** Builds a Dataset after checking that every array agrees on the shape and labels are 0/1. */
export function createDataset(init: DatasetInit): Dataset {
  const cols = init.featureNames.length;
  const rows = init.y.length;
  const issues: ValidationIssue[] = [];
  if (cols === 0) issues.push({ path: 'featureNames', problem: 'must name at least one feature' });
  if (init.x.length !== rows * cols) {
    issues.push({ path: 'x', problem: `has ${init.x.length} values, expected rows*cols = ${rows}*${cols}` });
  }
  if (init.weight && init.weight.length !== rows) {
    issues.push({ path: 'weight', problem: `has ${init.weight.length} values, expected ${rows}` });
  }
  if (init.group && init.group.length !== rows) {
    issues.push({ path: 'group', problem: `has ${init.group.length} values, expected ${rows}` });
  }
  for (let i = 0; i < rows; i++) {
    if (init.y[i]! > 1) {
      issues.push({ path: `y[${i}]`, problem: `label ${init.y[i]} is not 0 or 1` });
      break;
    }
  }
  if (init.weight) {
    for (let i = 0; i < rows; i++) {
      const w = init.weight[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) {
        issues.push({ path: `weight[${i}]`, problem: `weight ${w} is not a finite number >= 0` });
        break;
      }
    }
  }
  if (new Set(init.featureNames).size !== cols) issues.push({ path: 'featureNames', problem: 'names are not unique' });
  if (issues.length > 0) throw new ValidationError('DATASET_INVALID', issues);
  const ds: Dataset = {
    featureNames: Object.freeze([...init.featureNames]),
    rows,
    cols,
    x: init.x,
    y: init.y,
    ...(init.weight ? { weight: init.weight } : {}),
    ...(init.group ? { group: init.group } : {}),
  };
  return ds;
}

/** A new Dataset holding the rows at `index`, in that order (copies; the source is untouched). */
export function takeRows(ds: Dataset, index: Uint32Array): Dataset {
  const cols = ds.cols;
  const n = index.length;
  const x = new Float32Array(n * cols);
  const y = new Uint8Array(n);
  const weight = ds.weight ? new Float32Array(n) : undefined;
  const group = ds.group ? new Int32Array(n) : undefined;
  for (let k = 0; k < n; k++) {
    const i = index[k]!;
    if (i >= ds.rows) {
      throw new ValidationError('ROW_INDEX_OUT_OF_RANGE', [{ path: `index[${k}]`, problem: `${i} >= rows ${ds.rows}` }]);
    }
    x.set(ds.x.subarray(i * cols, i * cols + cols), k * cols);
    y[k] = ds.y[i]!;
    if (weight) weight[k] = ds.weight![i]!;
    if (group) group[k] = ds.group![i]!;
  }
  return {
    featureNames: ds.featureNames,
    rows: n,
    cols,
    x,
    y,
    ...(weight ? { weight } : {}),
    ...(group ? { group } : {}),
  };
}

/** One feature as a contiguous column (a copy, since storage is row-major). */
export function featureColumn(ds: Dataset, j: number): Float32Array {
  const out = new Float32Array(ds.rows);
  for (let i = 0, o = j; i < ds.rows; i++, o += ds.cols) out[i] = ds.x[o]!;
  return out;
}

/** Weighted share of positive rows. */
export function positiveRate(ds: Dataset): number {
  let pos = 0;
  let tot = 0;
  for (let i = 0; i < ds.rows; i++) {
    const w = ds.weight ? ds.weight[i]! : 1;
    tot += w;
    if (ds.y[i] === 1) pos += w;
  }
  return tot > 0 ? pos / tot : 0;
}
