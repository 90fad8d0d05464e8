/**
 * Per-feature contributions to a score's margin (log-odds units, before calibration), for the `reasons`
 * of a scored event.
 *
 * Trees: Saabas path attribution. Every node gets an expected value E(node); walking a row's decision
 * path, each split moves the expectation from E(parent) to E(child) and that change is credited to the
 * split's feature. The changes telescope, so per tree they sum to leaf - E(root), and over the ensemble
 *
 *   sum_j contribution_j = margin - bias,   bias = baseMargin + sum_t E_t(root).
 *
 * ONNX carries no node covers (training sample counts), so E(node) cannot be the training-weighted mean
 * that the original method uses. We take E(node) = (E(left) + E(right)) / 2: the expectation when each
 * split is equally likely either way. It keeps the exact additivity above, needs no training data at
 * serving time, and is computed once per model load.
 *
 * Linear models: contribution_j = w_j * (x_j - mean_j) / scale_j (0 when missing), bias = intercept; the
 * same additivity holds exactly as the margin is that sum.
 *
 * Serving takes tree contributions from onnxruntime (contributions-model.ts builds the graph from the same
 * expectations); this walk is the reference that graph is checked against when a model loads and in the
 * tests, and it explains linear models.
 */
import type { LinearModel, Model, Tree, TreeEnsembleModel } from '@riskstream/shared/model';

export interface Reason {
  readonly feature: string;
  readonly contribution: number;
}

export interface Explainer {
  readonly featureNames: readonly string[];
  /** Margin of a row that reaches the average leaf everywhere: what contributions are measured against. */
  readonly bias: number;
  /**
   * Adds the contributions of `rows` rows (row-major, NaN = missing) into `out` (rows x features, zeroed
   * by the caller) and writes each row's margin into `margins`. Float32Array on purpose: the values must
   * already be the float32 values onnxruntime compares, so the walk needs no rounding per node.
   */
  explain(x: Float32Array, rows: number, out: Float64Array, margins: Float64Array): void;
}

export function createExplainer(model: Model): Explainer {
  return model.kind === 'tree-ensemble' ? treeExplainer(model) : linearExplainer(model);
}

/** E(node) for every node (children are visited before parents: iterative post-order). */
export function nodeExpectations(tree: Tree): Float64Array {
  const size = tree.feature.length;
  const expect = new Float64Array(size);
  const stack: number[] = [0];
  const done = new Uint8Array(size);
  while (stack.length > 0) {
    const node = stack[stack.length - 1]!;
    if (tree.feature[node]! < 0) {
      expect[node] = tree.value[node]!;
      done[node] = 1;
      stack.pop();
      continue;
    }
    const l = tree.left[node]!;
    const r = tree.right[node]!;
    if (!done[l]) stack.push(l);
    else if (!done[r]) stack.push(r);
    else {
      expect[node] = (expect[l]! + expect[r]!) / 2;
      done[node] = 1;
      stack.pop();
    }
  }
  return expect;
}

/**
 * All trees flattened into one set of typed arrays (global node ids), walked tree-major: every row of the
 * batch goes through one tree before the next tree is touched, so that tree's nodes stay in cache. On an
 * 865-tree production-size model this measured ~1.5x faster than walking row by row.
 */
function treeExplainer(model: TreeEnsembleModel): Explainer {
  const total = model.trees.reduce((n, t) => n + t.feature.length, 0);
  const roots = new Int32Array(model.trees.length);
  const feature = new Int32Array(total);
  // float64 copies of float32 thresholds: exact, and saves a conversion per comparison.
  const threshold = new Float64Array(total);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const missingLeft = new Uint8Array(total);
  const value = new Float64Array(total);
  /** E(node) - E(parent); 0 for a root. Crediting it on arrival at a node is the whole walk. */
  const delta = new Float64Array(total);
  let bias = model.baseMargin;
  let base = 0;
  model.trees.forEach((tree, t) => {
    const expect = nodeExpectations(tree);
    bias += expect[0]!;
    roots[t] = base;
    for (let node = 0; node < tree.feature.length; node++) {
      const g = base + node;
      feature[g] = tree.feature[node]!;
      threshold[g] = tree.threshold[node]!;
      value[g] = tree.value[node]!;
      missingLeft[g] = tree.missingLeft[node]!;
      if (tree.feature[node]! < 0) continue;
      const l = tree.left[node]!;
      const r = tree.right[node]!;
      left[g] = base + l;
      right[g] = base + r;
      delta[base + l] = expect[l]! - expect[node]!;
      delta[base + r] = expect[r]! - expect[node]!;
    }
    base += tree.feature.length;
  });
  const trees = roots.length;
  const cols = model.featureNames.length;
  return {
    featureNames: model.featureNames,
    bias,
    explain(x, rows, out, margins) {
      margins.fill(model.baseMargin, 0, rows);
      for (let t = 0; t < trees; t++) {
        const root = roots[t]!;
        const rootFeature = feature[root]!;
        for (let i = 0, offset = 0; i < rows; i++, offset += cols) {
          let node = root;
          let f = rootFeature;
          while (f >= 0) {
            // The branch rule of leafIndex (shared/src/model/tree-ensemble.ts), so the path is the one
            // onnxruntime took: x is float32 already, and NaN fails both comparisons -> its missing side.
            const v = x[offset + f]!;
            const cut = threshold[node]!;
            node = v <= cut ? left[node]! : v > cut ? right[node]! : missingLeft[node] === 1 ? left[node]! : right[node]!;
            out[offset + f]! += delta[node]!;
            f = feature[node]!;
          }
          margins[i]! += value[node]!;
        }
      }
    },
  };
}

function linearExplainer(model: LinearModel): Explainer {
  const cols = model.featureNames.length;
  return {
    featureNames: model.featureNames,
    bias: model.intercept,
    explain(x, rows, out, margins) {
      for (let i = 0, offset = 0; i < rows; i++, offset += cols) {
        let margin = model.intercept;
        for (let j = 0; j < cols; j++) {
          const v = x[offset + j]!;
          const c = Number.isNaN(v) ? 0 : model.weights[j]! * ((v - model.mean[j]!) / model.scale[j]!);
          out[offset + j]! += c;
          margin += c;
        }
        margins[i] = margin;
      }
    },
  };
}

/** One row's contributions (a fresh array) and margin; convenience for tests and tools. */
export function explainRow(explainer: Explainer, row: Float32Array): { contributions: Float64Array; margin: number } {
  const contributions = new Float64Array(explainer.featureNames.length);
  const margins = new Float64Array(1);
  explainer.explain(row, 1, contributions, margins);
  return { contributions, margin: margins[0]! };
}

/**
 * The `k` largest contributions by absolute value, largest first; exact zeros are not reasons. Ties keep
 * feature order so the same row always gets the same reasons. Runs once per scored event: an insertion
 * into at most k slots, no sorting and no allocation beyond the result.
 */
export function topReasons(featureNames: readonly string[], contributions: Float32Array | Float64Array, k: number, offset = 0): Reason[] {
  const picked: number[] = [];
  const size: number[] = [];
  for (let j = 0; j < featureNames.length; j++) {
    const a = Math.abs(contributions[offset + j]!);
    if (a === 0) continue;
    let pos = picked.length;
    while (pos > 0 && size[pos - 1]! < a) pos--;
    if (pos >= k) continue;
    if (picked.length < k) {
      picked.push(j);
      size.push(a);
    }
    for (let q = picked.length - 1; q > pos; q--) {
      picked[q] = picked[q - 1]!;
      size[q] = size[q - 1]!;
    }
    picked[pos] = j;
    size[pos] = a;
  }
  const reasons: Reason[] = new Array(picked.length);
  for (let q = 0; q < picked.length; q++) reasons[q] = { feature: featureNames[picked[q]!]!, contribution: contributions[offset + picked[q]!]! };
  return reasons;
}
