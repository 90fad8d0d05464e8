/**
 * The model format shared by training (which fits and exports it), the ONNX exporter and scoring (which
 * uses it for per-feature reasons). Trees are flat typed arrays, not node objects.
 *
 * Numeric contract (why everything is float32): onnxruntime evaluates TreeEnsemble on float32 inputs
 * against float32 thresholds. To make the TypeScript model and the ONNX model agree bit-for-bit on every
 * branch, feature values are rounded to float32 (Math.fround) before comparison and thresholds are stored
 * as float32 values. A node sends a row left when `x <= threshold` (ONNX BRANCH_LEQ) and sends NaN
 * (missing) to the side named by `missingLeft`.
 */

export interface Tree {
  /** Feature index per node, -1 for a leaf. */
  readonly feature: Int32Array;
  /** Split threshold per node (float32 values); unused for leaves. */
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** 1 when a missing value (NaN) goes left. */
  readonly missingLeft: Uint8Array;
  /** Leaf output in margin (log-odds) units, already multiplied by the learning rate; 0 for inner nodes. */
  readonly value: Float64Array;
}

/** Platt scaling on the raw margin: p = sigmoid(a * margin + b). Folds into the ensemble exactly. */
export interface PlattCalibration {
  readonly kind: 'platt';
  readonly a: number;
  readonly b: number;
}

export interface TreeEnsembleModel {
  readonly kind: 'tree-ensemble';
  readonly featureNames: readonly string[];
  /** Margin added before the trees. */
  readonly baseMargin: number;
  readonly trees: readonly Tree[];
  readonly calibration?: PlattCalibration;
}

export interface LinearModel {
  readonly kind: 'linear';
  readonly featureNames: readonly string[];
  readonly weights: Float64Array;
  readonly intercept: number;
  /** Standardisation applied before the weights: (x - mean) / scale. */
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  readonly calibration?: PlattCalibration;
}

export type Model = TreeEnsembleModel | LinearModel;

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Index of the leaf a row (float32 values, row-major at `offset`) reaches. */
export function leafIndex(tree: Tree, x: ArrayLike<number>, offset = 0): number {
  let node = 0;
  const feature = tree.feature;
  while (feature[node]! >= 0) {
    const v = x[offset + feature[node]!]!;
    const goLeft = Number.isNaN(v) ? tree.missingLeft[node] === 1 : Math.fround(v) <= tree.threshold[node]!;
    node = goLeft ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

export function treeMargin(model: TreeEnsembleModel, x: ArrayLike<number>, offset = 0): number {
  let m = model.baseMargin;
  for (const t of model.trees) m += t.value[leafIndex(t, x, offset)]!;
  return m;
}

export function linearMargin(model: LinearModel, x: ArrayLike<number>, offset = 0): number {
  let m = model.intercept;
  for (let j = 0; j < model.weights.length; j++) {
    const v = x[offset + j]!;
    const z = Number.isNaN(v) ? 0 : (v - model.mean[j]!) / model.scale[j]!;
    m += model.weights[j]! * z;
  }
  return m;
}

/** Calibrated probability of the positive class for one row. */
export function predictProbability(model: Model, x: ArrayLike<number>, offset = 0): number {
  const margin = model.kind === 'tree-ensemble' ? treeMargin(model, x, offset) : linearMargin(model, x, offset);
  const c = model.calibration;
  return sigmoid(c ? c.a * margin + c.b : margin);
}

/** Row-major batch prediction into a Float64Array. */
export function predictBatch(model: Model, x: Float32Array | Float64Array, rows: number): Float64Array {
  const cols = model.featureNames.length;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = predictProbability(model, x, i * cols);
  return out;
}
