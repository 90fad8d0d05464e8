/**
 * The explained graph: a second ONNX model, built at load time from the parsed trees, that gives every
 * row its probability AND its per-feature Saabas contributions in one onnxruntime call.
 *
 * Why it exists: the contributions in tree-contributions.ts are a function of the leaf each tree routes a
 * row to. Along the path root -> leaf every split on feature f adds E(child) - E(node) to f, so summed
 * over the path a leaf carries a fixed per-feature vector. A TreeEnsembleRegressor with one target per
 * feature whose leaf weights are those vectors therefore sums, in C++, exactly what the JavaScript walk
 * sums node by node. Doing it in JavaScript cost about twice the inference itself; here it adds a few
 * weight additions per tree to the traversal onnxruntime does anyway.
 *
 *   features float [N,F] (row-major, manifest order)
 *     -> Cast(DOUBLE)
 *     -> TreeEnsembleRegressor, n_targets = 1 + F  ->  float [N, 1+F]
 *          target 0:     the leaf value, base = baseMargin      (the margin, as the served graph has it)
 *          target 1 + f: the leaf's path contribution to f (less the tree's most common one, in the base)
 *     -> Split [1, F]  ->  margin float [N,1]        ->  `contributions` float [N,F]
 *     -> Cast(DOUBLE) -> [Mul a, Add b] -> Sigmoid -> Cast(FLOAT)  ->  `probability` float [N,1]
 *
 * The probability path repeats the registry graph node for node (training/src/export/onnx-export.ts): the
 * same float32 thresholds on double inputs (so the same branches), the same double accumulation in the
 * same tree order, the margin rounded to float32 once, then calibration and sigmoid in double. It scores
 * what the registry model scores (loadScoringModel checks it on the probe batch, the tests on 100k rows).
 * Contributions come back as float32: within ~1e-7 of the float64 JavaScript sums, far inside the 1e-5
 * the reasons are held to.
 *
 * One [N,F] input instead of the registry graph's F inputs of [N,1]: the scorer builds one row-major
 * array and onnxruntime skips the Concat.
 */
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
import { ModelError } from '@riskstream/shared';
import type { Tree, TreeEnsembleModel } from '@riskstream/shared/model';
import {
  ONNX_DATA_TYPE,
  doubleTensor,
  emptyFlatTreeEnsemble,
  floatValueInfo,
  int64Tensor,
  intAttr,
  onnxNode,
  pushBranchNode,
  pushLeafNode,
  pushTargetWeight,
  treeEnsembleRegressorNode,
  type FlatTreeEnsemble,
} from '@riskstream/shared/model';
import { nodeExpectations } from './tree-contributions.ts';

const proto = onnxProto.onnx;
const DataType = ONNX_DATA_TYPE;

/** Tensor names of the explained graph. */
export const EXPLAINED = Object.freeze({
  input: 'features',
  probability: 'probability',
  contributions: 'contributions',
});

const INTERNAL = {
  featuresDouble: 'explained/features_f64',
  targets: 'explained/margin_and_contributions',
  split: 'explained/split',
  marginFloat: 'explained/margin_f32',
  margin: 'explained/margin',
  scaled: 'explained/margin_scaled',
  calibrated: 'explained/margin_calibrated',
  plattA: 'explained/platt_a',
  plattB: 'explained/platt_b',
  probabilityDouble: 'explained/probability_f64',
} as const;

/** The explained graph of `model` (serialized ONNX). Throws ModelError when the trees are not trees. */
export function explainedOnnx(model: TreeEnsembleModel, label: string): Uint8Array {
  const f = model.featureNames.length;
  const flat = emptyFlatTreeEnsemble();
  if (!Number.isFinite(model.baseMargin)) throw new ModelError(label, 'base margin is not finite');
  // onnxruntime needs at least one node: an ensemble without trees is a single zero leaf.
  const trees = model.trees.length > 0 ? model.trees : [zeroLeaf()];
  const shared = new Float64Array(f);
  const leaves = trees.map((tree, t) => flattenTree(tree, t, f, flat, shared, label));
  // The first tree's leaves carry every target, with the shared values of all trees added back in.
  for (const leaf of leaves[0]!) leaf.weights.forEach((w, j) => (leaf.weights[j] = w + shared[j]!));
  leaves.forEach((l, t) => emitLeaves(t, l, flat, t === 0));
  const nodes: onnx.INodeProto[] = [
    onnxNode('Cast', [EXPLAINED.input], [INTERNAL.featuresDouble], INTERNAL.featuresDouble, [intAttr('to', DataType.DOUBLE)]),
    treeEnsembleRegressorNode(INTERNAL.featuresDouble, INTERNAL.targets, INTERNAL.targets, flat, [model.baseMargin, ...new Array<number>(f).fill(0)]),
    onnxNode('Split', [INTERNAL.targets, INTERNAL.split], [INTERNAL.marginFloat, EXPLAINED.contributions], INTERNAL.marginFloat, [intAttr('axis', 1)]),
    onnxNode('Cast', [INTERNAL.marginFloat], [INTERNAL.margin], INTERNAL.margin, [intAttr('to', DataType.DOUBLE)]),
  ];
  const initializers: onnx.ITensorProto[] = [int64Tensor(INTERNAL.split, [2], [1, f])];
  let margin: string = INTERNAL.margin;
  if (model.calibration) {
    const { a, b } = model.calibration;
    initializers.push(doubleTensor(INTERNAL.plattA, [], [a]), doubleTensor(INTERNAL.plattB, [], [b]));
    nodes.push(
      onnxNode('Mul', [margin, INTERNAL.plattA], [INTERNAL.scaled], INTERNAL.scaled),
      onnxNode('Add', [INTERNAL.scaled, INTERNAL.plattB], [INTERNAL.calibrated], INTERNAL.calibrated),
    );
    margin = INTERNAL.calibrated;
  }
  nodes.push(
    onnxNode('Sigmoid', [margin], [INTERNAL.probabilityDouble], INTERNAL.probabilityDouble),
    onnxNode('Cast', [INTERNAL.probabilityDouble], [EXPLAINED.probability], EXPLAINED.probability, [intAttr('to', DataType.FLOAT)]),
  );
  return proto.ModelProto.encode({
    irVersion: 8,
    producerName: 'riskstream-scoring',
    opsetImport: [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 3 }],
    graph: {
      name: 'riskstream_explained',
      node: nodes,
      initializer: initializers,
      input: [floatValueInfo(EXPLAINED.input, f)],
      output: [floatValueInfo(EXPLAINED.probability, 1), floatValueInfo(EXPLAINED.contributions, f)],
    },
  }).finish();
}

/**
 * Emits one tree (node ids = the Tree's indices). Every leaf gets target 0 = the leaf value and, per
 * feature f, its path contribution: the sum of E(child) - E(parent) over the path's splits on f, added
 * root to leaf as the JavaScript walk adds them.
 *
 * Per feature, the value most of the tree's leaves share (often the root split's +-delta, which every
 * leaf on the bigger side carries) is taken out of every leaf and added to `shared[f]`; leaves store only
 * their difference to it and exact zeros are left out. Same sums, a quarter fewer weights for onnxruntime
 * to add per leaf. The shared total is put back through the first tree (see explainedOnnx), not through
 * base_values: onnxruntime adds a target's base value only to rows where some leaf wrote that target.
 */
function flattenTree(tree: Tree, t: number, featureCount: number, out: FlatTreeEnsemble, shared: Float64Array, label: string): Leaves {
  const size = tree.feature.length;
  if (size === 0) throw new ModelError(label, `tree ${t} has no nodes`);
  const expect = nodeExpectations(tree);
  const seen = new Uint8Array(size);
  const leaves: { node: number; path: Float64Array }[] = [];
  const stack: { node: number; path: Float64Array }[] = [{ node: 0, path: new Float64Array(featureCount) }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const n = entry.node;
    if (seen[n] === 1) throw new ModelError(label, `tree ${t} is not a tree: node ${n} is reached twice`);
    seen[n] = 1;
    const feature = tree.feature[n]!;
    if (feature < 0) {
      if (!Number.isFinite(tree.value[n]!)) throw new ModelError(label, `tree ${t} leaf ${n} value is not finite`);
      pushLeafNode(out, t, n);
      leaves.push(entry);
      continue;
    }
    const left = tree.left[n]!;
    const right = tree.right[n]!;
    if (feature >= featureCount || left < 0 || left >= size || right < 0 || right >= size) {
      throw new ModelError(label, `tree ${t} node ${n} has feature ${feature} or children ${left}/${right} out of range`);
    }
    pushBranchNode(out, t, n, { feature, threshold: tree.threshold[n]!, trueId: left, falseId: right, missingTrue: tree.missingLeft[n] === 1 });
    for (const child of [right, left]) {
      const path = entry.path.slice();
      path[feature]! += expect[child]! - expect[n]!;
      stack.push({ node: child, path });
    }
  }
  if (seen.includes(0)) throw new ModelError(label, `tree ${t} has nodes its root does not reach`);

  const common = new Float64Array(featureCount);
  for (let f = 0; f < featureCount; f++) {
    common[f] = mostCommon(leaves.map((l) => l.path[f]!));
    shared[f]! += common[f]!;
  }
  return leaves.map(({ node: n, path }) => ({ node: n, value: tree.value[n]!, weights: path.map((c, f) => c - common[f]!) }));
}

type Leaves = { readonly node: number; readonly value: number; readonly weights: Float64Array }[];

/** Target entries of one tree's leaves; `all` keeps zero weights too, so every row writes every target. */
function emitLeaves(t: number, leaves: Leaves, out: FlatTreeEnsemble, all: boolean): void {
  for (const { node: n, value, weights } of leaves) {
    pushTargetWeight(out, t, n, 0, value);
    weights.forEach((w, f) => {
      if (w === 0 && !all) return;
      pushTargetWeight(out, t, n, 1 + f, w);
    });
  }
}

/** The most frequent value (0 on ties with it: nothing to move). */
function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = 0;
  let bestCount = counts.get(0) ?? 0;
  for (const [v, c] of counts) {
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

function zeroLeaf(): Tree {
  return {
    feature: Int32Array.of(-1), threshold: new Float32Array(1), left: Int32Array.of(-1), right: Int32Array.of(-1),
    missingLeft: new Uint8Array(1), value: new Float64Array(1),
  };
}

