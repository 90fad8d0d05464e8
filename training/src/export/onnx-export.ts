/**
 * Exports a riskstream Model (shared/src/model/tree-ensemble.ts) as an ONNX ModelProto.
 *
 * Graph shape (both model kinds):
 *   one float [N,1] input per feature, named exactly like the feature
 *     -> Concat(axis=1) -> float [N,F]
 *     -> Cast(DOUBLE)                      (exact: every float32 is a double)
 *     -> margin (double [N,1])             TreeEnsembleRegressor | standardise + MatMul
 *     -> [Mul a, Add b]                    Platt calibration, only when the model has one
 *     -> Sigmoid -> Cast(FLOAT) -> `probability` float [N,1]
 *
 * Why double inside the graph: onnxruntime's TreeEnsembleRegressor keeps leaf weights and accumulates the
 * sum in the threshold type, which is the input type. With float inputs a 300-tree sum is accumulated in
 * float32 and parity with the TypeScript model (float64 sum) degrades with the tree count. Casting the
 * concatenated float32 features to double changes no branch decision (float32 -> double is exact and the
 * thresholds are float32 values, so `x <= t` is the same comparison as the TS `Math.fround(x) <= t`), and
 * lets the leaf weights and base margin stay float64 (`*_as_tensor` attributes, ai.onnx.ml opset 3) and
 * the sum be accumulated in double. What remains: the regressor's output is float by the opset-3 spec, so
 * the margin is rounded to float32 once (|dp| <= 0.25 * |margin| * 2^-24), and the probability is rounded
 * to float32 at the end (2^-25). Both are far below the 1e-5 parity budget.
 *
 * Calibration is applied with explicit Mul/Add nodes instead of being folded into the leaves: folding
 * rewrites every leaf as a*v, which rounds each weight once more for no speed gain.
 *
 * Missing values: TS sends NaN to `missingLeft`; ONNX `nodes_missing_value_tracks_true` sends NaN to the
 * true branch, and for BRANCH_LEQ the true branch is the left child, so the flag is copied verbatim.
 * For the linear model TS maps NaN to a standardised value of 0; the graph computes (x - mean) / scale and
 * then replaces NaN positions with 0 via IsNaN + Where, which is exactly the TS rule. (An ai.onnx.ml
 * Imputer with the means would do the same, but onnxruntime has no double Imputer kernel, and folding the
 * standardisation into the weights would add rounding for no gain.)
 */
import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
import { ModelError } from '@riskstream/shared';
import type { LinearModel, Model, Tree, TreeEnsembleModel } from '@riskstream/shared/model';
import {
  ONNX_DATA_TYPE,
  doubleTensor,
  emptyFlatTreeEnsemble,
  floatValueInfo,
  intAttr,
  onnxNode,
  pushBranchNode,
  pushLeafNode,
  pushTargetWeight,
  treeEnsembleRegressorNode,
  type FlatTreeEnsemble,
} from '@riskstream/shared/model';

const proto = onnxProto.onnx;
const DataType = ONNX_DATA_TYPE;

/** IR 8 is the newest IR the bundled onnx-proto schema (onnx 1.10) describes; onnxruntime reads it. */
export const ONNX_IR_VERSION = 8;
export const ONNX_DEFAULT_OPSET = 17;
export const ONNX_ML_OPSET = 3;
export const ONNX_OUTPUT_NAME = 'probability';

/** metadata_props keys written by exportOnnx and read by onnx-session. */
export const ONNX_METADATA_KEYS = {
  featureNames: 'riskstream.feature_names',
  modelKind: 'riskstream.model_kind',
  contentSha256: 'riskstream.content_sha256',
  calibration: 'riskstream.calibration',
} as const;

/** Internal tensor names; a feature may not use one of them (or the output name) as its own name. */
const INTERNAL = {
  features: 'riskstream/features_f32',
  featuresDouble: 'riskstream/features_f64',
  marginFloat: 'riskstream/margin_f32',
  margin: 'riskstream/margin',
  calibratedScaled: 'riskstream/margin_scaled',
  calibrated: 'riskstream/margin_calibrated',
  probabilityDouble: 'riskstream/probability_f64',
  // linear
  mean: 'riskstream/mean',
  scale: 'riskstream/scale',
  weights: 'riskstream/weights',
  intercept: 'riskstream/intercept',
  zero: 'riskstream/zero',
  centred: 'riskstream/centred',
  standardised: 'riskstream/standardised',
  missing: 'riskstream/missing',
  imputed: 'riskstream/imputed',
  dot: 'riskstream/dot',
  plattA: 'riskstream/platt_a',
  plattB: 'riskstream/platt_b',
} as const;

export interface ExportOnnxOptions {
  producerVersion?: string;
  /** Free text stored as the model's doc_string. */
  description?: string;
}

export function exportOnnx(model: Model, opts: ExportOnnxOptions = {}): Uint8Array {
  checkFeatureNames(model.featureNames);
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];

  nodes.push(
    onnxNode('Concat', [...model.featureNames], [INTERNAL.features], 'concat_features', [intAttr('axis', 1)]),
    onnxNode('Cast', [INTERNAL.features], [INTERNAL.featuresDouble], 'cast_features', [intAttr('to', DataType.DOUBLE)]),
  );

  if (model.kind === 'tree-ensemble') {
    // The ai.onnx.ml TreeEnsembleRegressor output is float by spec: cast its margin back to double so
    // calibration and the sigmoid do not add float32 rounding on top of that one unavoidable rounding.
    nodes.push(
      treeEnsembleNode(model),
      onnxNode('Cast', [INTERNAL.marginFloat], [INTERNAL.margin], 'cast_margin', [intAttr('to', DataType.DOUBLE)]),
    );
  } else {
    linearNodes(model, nodes, initializers);
  }

  let margin: string = INTERNAL.margin;
  if (model.calibration) {
    const { a, b } = model.calibration;
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new ModelError('onnx-export', 'Platt calibration a/b must be finite');
    initializers.push(doubleTensor(INTERNAL.plattA, [], [a]), doubleTensor(INTERNAL.plattB, [], [b]));
    nodes.push(
      onnxNode('Mul', [margin, INTERNAL.plattA], [INTERNAL.calibratedScaled], 'platt_scale'),
      onnxNode('Add', [INTERNAL.calibratedScaled, INTERNAL.plattB], [INTERNAL.calibrated], 'platt_shift'),
    );
    margin = INTERNAL.calibrated;
  }
  nodes.push(
    onnxNode('Sigmoid', [margin], [INTERNAL.probabilityDouble], 'sigmoid'),
    onnxNode('Cast', [INTERNAL.probabilityDouble], [ONNX_OUTPUT_NAME], 'cast_probability', [intAttr('to', DataType.FLOAT)]),
  );

  const graph: onnx.IGraphProto = {
    name: `riskstream_${model.kind.replace('-', '_')}`,
    node: nodes,
    initializer: initializers,
    input: model.featureNames.map((name) => floatValueInfo(name, 1)),
    output: [floatValueInfo(ONNX_OUTPUT_NAME, 1)],
  };

  const metadata: onnx.IStringStringEntryProto[] = [
    { key: ONNX_METADATA_KEYS.featureNames, value: JSON.stringify(model.featureNames) },
    { key: ONNX_METADATA_KEYS.modelKind, value: model.kind },
    { key: ONNX_METADATA_KEYS.calibration, value: JSON.stringify(model.calibration ?? null) },
  ];
  const base: onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    producerName: 'riskstream',
    producerVersion: opts.producerVersion ?? '0.1.0',
    domain: 'dev.riskstream',
    modelVersion: 1,
    docString: opts.description ?? `riskstream ${model.kind} model, output = P(fraud)`,
    opsetImport: [
      { domain: '', version: ONNX_DEFAULT_OPSET },
      { domain: 'ai.onnx.ml', version: ONNX_ML_OPSET },
    ],
    graph,
    metadataProps: metadata,
  };
  // The content hash covers everything except itself, so it identifies the model independently of where the
  // bytes are stored; the registry additionally records the sha256 of the final file bytes.
  const contentSha256 = createHash('sha256').update(proto.ModelProto.encode(base).finish()).digest('hex');
  const full: onnx.IModelProto = {
    ...base,
    metadataProps: [...metadata, { key: ONNX_METADATA_KEYS.contentSha256, value: contentSha256 }],
  };
  return proto.ModelProto.encode(full).finish();
}

/** Reads the metadata_props of serialized ONNX bytes (no onnxruntime needed). */
export function readOnnxMetadata(bytes: Uint8Array, label = 'onnx'): Record<string, string> {
  let decoded: onnx.ModelProto;
  try {
    decoded = proto.ModelProto.decode(bytes);
  } catch (err) {
    throw new ModelError(label, 'bytes are not an ONNX ModelProto', err);
  }
  const out: Record<string, string> = {};
  for (const entry of decoded.metadataProps) if (entry.key) out[entry.key] = entry.value ?? '';
  return out;
}

function checkFeatureNames(names: readonly string[]): void {
  const problems: string[] = [];
  if (names.length === 0) problems.push('model has no features');
  const seen = new Set<string>();
  const reserved = new Set<string>([ONNX_OUTPUT_NAME, ...Object.values(INTERNAL)]);
  for (const name of names) {
    if (name.length === 0) problems.push('empty feature name');
    if (seen.has(name)) problems.push(`duplicate feature name "${name}"`);
    if (reserved.has(name)) problems.push(`feature name "${name}" is reserved by the exported graph`);
    seen.add(name);
  }
  if (problems.length > 0) throw new ModelError('onnx-export', problems.join('; '));
}

function treeEnsembleNode(model: TreeEnsembleModel): onnx.INodeProto {
  const flat = emptyFlatTreeEnsemble();
  const f = model.featureNames.length;
  model.trees.forEach((tree, t) => flattenTree(tree, t, f, flat));
  if (!Number.isFinite(model.baseMargin)) throw new ModelError('onnx-export', 'baseMargin must be finite');
  // An ensemble with no trees still needs one node for onnxruntime: a single zero leaf.
  if (model.trees.length === 0) {
    pushLeafNode(flat, 0, 0);
    pushTargetWeight(flat, 0, 0, 0, 0);
  }
  return treeEnsembleRegressorNode(INTERNAL.featuresDouble, INTERNAL.marginFloat, 'tree_ensemble', flat, [model.baseMargin]);
}

/** Emits the nodes reachable from the root, renumbered 0..k-1 in visiting order. */
function flattenTree(tree: Tree, treeId: number, featureCount: number, out: FlatTreeEnsemble): void {
  const size = tree.feature.length;
  if (size === 0) throw new ModelError('onnx-export', `tree ${treeId} has no nodes`);
  const newId = new Int32Array(size).fill(-1);
  const order: number[] = [0];
  newId[0] = 0;
  for (let k = 0; k < order.length; k++) {
    const old = order[k]!;
    if (tree.feature[old]! < 0) continue;
    for (const child of [tree.left[old]!, tree.right[old]!]) {
      if (child < 0 || child >= size) throw new ModelError('onnx-export', `tree ${treeId} node ${old} has child ${child} out of range`);
      if (newId[child] !== -1) throw new ModelError('onnx-export', `tree ${treeId} is not a tree: node ${child} reached twice`);
      newId[child] = order.length;
      order.push(child);
    }
  }
  for (const old of order) {
    const id = newId[old]!;
    const feature = tree.feature[old]!;
    if (feature < 0) {
      const value = tree.value[old]!;
      if (!Number.isFinite(value)) throw new ModelError('onnx-export', `tree ${treeId} leaf ${old} value is not finite`);
      pushLeafNode(out, treeId, id);
      pushTargetWeight(out, treeId, id, 0, value);
    } else {
      if (feature >= featureCount) throw new ModelError('onnx-export', `tree ${treeId} node ${old} uses feature ${feature} of ${featureCount}`);
      const threshold = tree.threshold[old]!;
      if (Number.isNaN(threshold)) throw new ModelError('onnx-export', `tree ${treeId} node ${old} threshold is NaN`);
      pushBranchNode(out, treeId, id, { feature, threshold, trueId: newId[tree.left[old]!]!, falseId: newId[tree.right[old]!]!, missingTrue: tree.missingLeft[old] === 1 });
    }
  }
}

function linearNodes(model: LinearModel, nodes: onnx.INodeProto[], initializers: onnx.ITensorProto[]): void {
  const f = model.featureNames.length;
  const problems: string[] = [];
  if (model.weights.length !== f || model.mean.length !== f || model.scale.length !== f) {
    problems.push(`weights/mean/scale must all have ${f} entries`);
  }
  for (let j = 0; j < f; j++) {
    if (!Number.isFinite(model.weights[j])) problems.push(`weight ${j} is not finite`);
    if (!Number.isFinite(model.mean[j])) problems.push(`mean ${j} is not finite`);
    const s = model.scale[j];
    if (s === undefined || !Number.isFinite(s) || s === 0) problems.push(`scale ${j} must be finite and non-zero`);
  }
  if (!Number.isFinite(model.intercept)) problems.push('intercept is not finite');
  if (problems.length > 0) throw new ModelError('onnx-export', problems.join('; '));

  initializers.push(
    doubleTensor(INTERNAL.mean, [1, f], Array.from(model.mean)),
    doubleTensor(INTERNAL.scale, [1, f], Array.from(model.scale)),
    doubleTensor(INTERNAL.weights, [f, 1], Array.from(model.weights)),
    doubleTensor(INTERNAL.intercept, [], [model.intercept]),
    doubleTensor(INTERNAL.zero, [], [0]),
  );
  nodes.push(
    onnxNode('Sub', [INTERNAL.featuresDouble, INTERNAL.mean], [INTERNAL.centred], 'centre'),
    onnxNode('Div', [INTERNAL.centred, INTERNAL.scale], [INTERNAL.standardised], 'scale'),
    onnxNode('IsNaN', [INTERNAL.featuresDouble], [INTERNAL.missing], 'is_missing'),
    onnxNode('Where', [INTERNAL.missing, INTERNAL.zero, INTERNAL.standardised], [INTERNAL.imputed], 'impute_missing'),
    onnxNode('MatMul', [INTERNAL.imputed, INTERNAL.weights], [INTERNAL.dot], 'weights'),
    onnxNode('Add', [INTERNAL.dot, INTERNAL.intercept], [INTERNAL.margin], 'intercept'),
  );
}

