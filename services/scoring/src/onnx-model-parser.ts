/**
 * Recovers the riskstream Model (shared/src/model/tree-ensemble.ts) from exported ONNX bytes, so scoring
 * can explain a score with the very trees onnxruntime evaluates. The registry ships only model.onnx and
 * manifest.json; reading the structure back from the artifact (rather than shipping a second file) means
 * the explanation can never describe a different model than the one that produced the score.
 *
 * Supported graphs are the ones training/src/export/onnx-export.ts writes:
 *  - tree-ensemble: one ai.onnx.ml TreeEnsembleRegressor (BRANCH_LEQ splits, SUM aggregation, one target)
 *    over Concat(feature inputs). Thresholds come back as the float32 values they were stored as, leaf
 *    weights and the base margin as doubles (`*_as_tensor`) or floats (plain attributes).
 *  - linear: Sub(mean) -> Div(scale) -> MatMul(weights) -> Add(intercept) over the same Concat.
 * Calibration is read from the `riskstream.calibration` metadata the exporter writes.
 * Anything else is refused with a ModelError: a model we cannot explain is not served.
 */
import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
import { ModelError } from '@riskstream/shared';
import type { LinearModel, Model, PlattCalibration, Tree, TreeEnsembleModel } from '@riskstream/shared/model';

const proto = onnxProto.onnx;
const DataType = proto.TensorProto.DataType;

/** metadata_props keys written by the exporter (training/src/export/onnx-export.ts). */
export const ONNX_METADATA = Object.freeze({
  featureNames: 'riskstream.feature_names',
  modelKind: 'riskstream.model_kind',
  calibration: 'riskstream.calibration',
  contentSha256: 'riskstream.content_sha256',
});

type Long = { toNumber(): number };
const num = (v: number | Long): number => (typeof v === 'number' ? v : v.toNumber());

export function decodeOnnx(bytes: Uint8Array, label: string): onnx.ModelProto {
  try {
    return proto.ModelProto.decode(bytes);
  } catch (err) {
    throw new ModelError(label, 'bytes are not an ONNX ModelProto', err);
  }
}

/**
 * The exporter's content hash (training/src/export/onnx-export.ts): the sha256 of the model encoded without
 * that one entry, stored as the last metadata entry. The manifest's sha256 protects the file as the
 * registry recorded it; this protects the model as the exporter wrote it, so bytes cut at a protobuf field
 * boundary (which still decode, minus their last fields) cannot pass with a manifest written for them.
 */
export function checkContentHash(model: onnx.ModelProto, label: string): void {
  const entries = model.metadataProps ?? [];
  const stored = entries.find((e) => e.key === ONNX_METADATA.contentSha256)?.value;
  if (!stored) throw new ModelError(label, `no ${ONNX_METADATA.contentSha256} metadata: truncated, or not exported by riskstream`);
  // The decoded message re-encodes to the same bytes (one library, one field order), minus the one entry.
  const base = Object.assign(Object.create(Object.getPrototypeOf(model) as object) as onnx.ModelProto, model, {
    metadataProps: entries.filter((e) => e.key !== ONNX_METADATA.contentSha256),
  });
  const actual = createHash('sha256').update(proto.ModelProto.encode(base).finish()).digest('hex');
  if (actual !== stored) throw new ModelError(label, `content sha256 ${actual} does not match the exporter's ${stored}`);
}

export function onnxMetadata(model: onnx.IModelProto): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of model.metadataProps ?? []) if (entry.key) out[entry.key] = entry.value ?? '';
  return out;
}

/**
 * Parses the model behind `bytes`. `featureNames` (the manifest's) must be the order of the Concat that
 * feeds the model, because split feature ids and weights index into that order.
 */
export function parseOnnxModel(bytes: Uint8Array, featureNames: readonly string[], label = 'onnx-model'): Model {
  const model = decodeOnnx(bytes, label);
  const graph = model.graph;
  if (!graph) throw new ModelError(label, 'ONNX model has no graph');
  const nodes = graph.node ?? [];
  const concat = nodes.find((n) => n.opType === 'Concat');
  const order = concat?.input ?? [];
  if (order.length !== featureNames.length || order.some((name, i) => name !== featureNames[i])) {
    throw new ModelError(label, `the graph concatenates [${order.join(', ')}], not the manifest's feature order`);
  }
  const calibration = parseCalibration(onnxMetadata(model), label);
  const ensemble = nodes.filter((n) => n.opType === 'TreeEnsembleRegressor');
  if (ensemble.length === 1) return parseTreeEnsemble(ensemble[0]!, featureNames, calibration, label);
  if (ensemble.length > 1) throw new ModelError(label, 'more than one TreeEnsembleRegressor');
  if (nodes.some((n) => n.opType === 'MatMul')) return parseLinear(graph, featureNames, calibration, label);
  throw new ModelError(label, 'graph is neither a TreeEnsembleRegressor nor a linear model');
}

function parseCalibration(metadata: Record<string, string>, label: string): PlattCalibration | undefined {
  const raw = metadata[ONNX_METADATA.calibration];
  if (raw === undefined || raw === '' || raw === 'null') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ModelError(label, 'calibration metadata is not JSON', err);
  }
  const c = parsed as Partial<PlattCalibration> | null;
  if (c === null) return undefined;
  if (c.kind !== 'platt' || !Number.isFinite(c.a) || !Number.isFinite(c.b)) throw new ModelError(label, `unsupported calibration ${raw}`);
  return { kind: 'platt', a: c.a!, b: c.b! };
}

function attributes(node: onnx.INodeProto): Map<string, onnx.IAttributeProto> {
  return new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
}

function ints(attrs: Map<string, onnx.IAttributeProto>, name: string, label: string): number[] {
  const a = attrs.get(name);
  if (!a?.ints) throw new ModelError(label, `TreeEnsembleRegressor has no ${name}`);
  return a.ints.map(num);
}

function text(attr: onnx.IAttributeProto | undefined): string | undefined {
  return attr?.s ? new TextDecoder().decode(attr.s) : undefined;
}

/** A numeric tensor as doubles (raw little-endian data or the typed repeated fields). */
function tensorValues(t: onnx.ITensorProto, label: string): Float64Array {
  const type = t.dataType;
  if (t.rawData && t.rawData.length > 0) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    if (type === DataType.DOUBLE) return Float64Array.from({ length: t.rawData.byteLength / 8 }, (_, i) => view.getFloat64(i * 8, true));
    if (type === DataType.FLOAT) return Float64Array.from({ length: t.rawData.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
    throw new ModelError(label, `tensor ${t.name} has unsupported data type ${type}`);
  }
  if (type === DataType.DOUBLE) return Float64Array.from(t.doubleData ?? []);
  if (type === DataType.FLOAT) return Float64Array.from(t.floatData ?? []);
  throw new ModelError(label, `tensor ${t.name} has unsupported data type ${type}`);
}

/** Reads `<name>_as_tensor` (double precision) when present, else the float attribute `<name>`. */
function numbers(attrs: Map<string, onnx.IAttributeProto>, name: string, label: string, required: boolean): Float64Array | undefined {
  const tensor = attrs.get(`${name}_as_tensor`)?.t;
  if (tensor) return tensorValues(tensor, label);
  const floats = attrs.get(name)?.floats;
  if (floats) return Float64Array.from(floats);
  if (required) throw new ModelError(label, `TreeEnsembleRegressor has no ${name}`);
  return undefined;
}

function parseTreeEnsemble(
  node: onnx.INodeProto,
  featureNames: readonly string[],
  calibration: PlattCalibration | undefined,
  label: string,
): TreeEnsembleModel {
  const attrs = attributes(node);
  const aggregate = text(attrs.get('aggregate_function')) ?? 'SUM';
  const post = text(attrs.get('post_transform')) ?? 'NONE';
  if (aggregate !== 'SUM' || post !== 'NONE') throw new ModelError(label, `unsupported ensemble (aggregate ${aggregate}, post_transform ${post})`);
  const nTargets = attrs.get('n_targets')?.i;
  if (nTargets !== undefined && nTargets !== null && num(nTargets) !== 1) throw new ModelError(label, 'only single-target ensembles are supported');

  const treeIds = ints(attrs, 'nodes_treeids', label);
  const nodeIds = ints(attrs, 'nodes_nodeids', label);
  const featureIds = ints(attrs, 'nodes_featureids', label);
  const trueIds = ints(attrs, 'nodes_truenodeids', label);
  const falseIds = ints(attrs, 'nodes_falsenodeids', label);
  const missingTrue = attrs.get('nodes_missing_value_tracks_true')?.ints?.map(num) ?? [];
  const modes = (attrs.get('nodes_modes')?.strings ?? []).map((s) => new TextDecoder().decode(s));
  const thresholds = numbers(attrs, 'nodes_values', label, true)!;
  const targetTrees = ints(attrs, 'target_treeids', label);
  const targetNodes = ints(attrs, 'target_nodeids', label);
  const targetIds = attrs.get('target_ids')?.ints?.map(num) ?? [];
  const weights = numbers(attrs, 'target_weights', label, true)!;
  const base = numbers(attrs, 'base_values', label, false);

  const n = nodeIds.length;
  for (const [name, len] of [['nodes_treeids', treeIds.length], ['nodes_featureids', featureIds.length], ['nodes_modes', modes.length],
    ['nodes_values', thresholds.length], ['nodes_truenodeids', trueIds.length], ['nodes_falsenodeids', falseIds.length]] as const) {
    if (len !== n) throw new ModelError(label, `${name} has ${len} entries, nodes_nodeids ${n}`);
  }
  if (missingTrue.length !== 0 && missingTrue.length !== n) throw new ModelError(label, 'nodes_missing_value_tracks_true length mismatch');
  if (targetTrees.length !== targetNodes.length || weights.length !== targetNodes.length) throw new ModelError(label, 'target_* lengths differ');
  if (targetIds.some((t) => t !== 0)) throw new ModelError(label, 'only target id 0 is supported');

  // Group node rows by tree; tree ids need not be dense or ordered, so map them in first-seen order.
  const treeIndex = new Map<number, number>();
  const rowsByTree: number[][] = [];
  for (let r = 0; r < n; r++) {
    let t = treeIndex.get(treeIds[r]!);
    if (t === undefined) {
      t = rowsByTree.length;
      treeIndex.set(treeIds[r]!, t);
      rowsByTree.push([]);
    }
    rowsByTree[t]!.push(r);
  }
  const leafWeight = new Map<string, number>();
  for (let k = 0; k < targetNodes.length; k++) {
    const key = `${targetTrees[k]}:${targetNodes[k]}`;
    leafWeight.set(key, (leafWeight.get(key) ?? 0) + weights[k]!);
  }

  const trees: Tree[] = [];
  for (const [treeId, t] of treeIndex) {
    const rows = rowsByTree[t]!;
    // Node ids are local to a tree; renumber them densely so the Tree arrays can be indexed by node.
    const local = new Map<number, number>(rows.map((r, i) => [nodeIds[r]!, i]));
    if (local.size !== rows.length) throw new ModelError(label, `tree ${treeId} repeats a node id`);
    const size = rows.length;
    const tree = {
      feature: new Int32Array(size).fill(-1),
      threshold: new Float32Array(size),
      left: new Int32Array(size).fill(-1),
      right: new Int32Array(size).fill(-1),
      missingLeft: new Uint8Array(size),
      value: new Float64Array(size),
    };
    const isChild = new Uint8Array(size);
    rows.forEach((r, i) => {
      const mode = modes[r]!;
      if (mode === 'LEAF') {
        tree.value[i] = leafWeight.get(`${treeId}:${nodeIds[r]}`) ?? 0;
        return;
      }
      // BRANCH_LEQ sends x <= t to the true branch, which is the Tree's `left` (shared contract).
      if (mode !== 'BRANCH_LEQ') throw new ModelError(label, `tree ${treeId} node ${nodeIds[r]} uses unsupported mode ${mode}`);
      const f = featureIds[r]!;
      if (f < 0 || f >= featureNames.length) throw new ModelError(label, `tree ${treeId} node ${nodeIds[r]} splits on feature ${f} of ${featureNames.length}`);
      const l = local.get(trueIds[r]!);
      const rt = local.get(falseIds[r]!);
      if (l === undefined || rt === undefined) throw new ModelError(label, `tree ${treeId} node ${nodeIds[r]} points at a missing child`);
      tree.feature[i] = f;
      tree.threshold[i] = thresholds[r]!;
      tree.left[i] = l;
      tree.right[i] = rt;
      tree.missingLeft[i] = missingTrue[r] === 1 ? 1 : 0;
      isChild[l] = 1;
      isChild[rt] = 1;
    });
    const roots = [...isChild.keys()].filter((i) => isChild[i] === 0);
    if (roots.length !== 1) throw new ModelError(label, `tree ${treeId} has ${roots.length} roots`);
    trees.push(roots[0] === 0 ? tree : reroot(tree, roots[0]!));
  }
  const baseMargin = base?.[0] ?? 0;
  if (!Number.isFinite(baseMargin)) throw new ModelError(label, 'base value is not finite');
  const out: TreeEnsembleModel = { kind: 'tree-ensemble', featureNames: [...featureNames], baseMargin, trees };
  return calibration ? { ...out, calibration } : out;
}

/** The shared Tree walks from node 0; move the root there by swapping it with node 0. */
function reroot(tree: Tree, root: number): Tree {
  const swap = (i: number): number => (i === 0 ? root : i === root ? 0 : i);
  const size = tree.feature.length;
  const out = {
    feature: new Int32Array(size),
    threshold: new Float32Array(size),
    left: new Int32Array(size),
    right: new Int32Array(size),
    missingLeft: new Uint8Array(size),
    value: new Float64Array(size),
  };
  for (let i = 0; i < size; i++) {
    const from = swap(i);
    out.feature[i] = tree.feature[from]!;
    out.threshold[i] = tree.threshold[from]!;
    out.left[i] = tree.left[from]! < 0 ? -1 : swap(tree.left[from]!);
    out.right[i] = tree.right[from]! < 0 ? -1 : swap(tree.right[from]!);
    out.missingLeft[i] = tree.missingLeft[from]!;
    out.value[i] = tree.value[from]!;
  }
  return out;
}

function parseLinear(graph: onnx.IGraphProto, featureNames: readonly string[], calibration: PlattCalibration | undefined, label: string): LinearModel {
  const init = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const nodes = graph.node ?? [];
  const second = (op: string): Float64Array => {
    const node = nodes.find((n) => n.opType === op && init.has(n.input?.[1] ?? ''));
    if (!node) throw new ModelError(label, `linear graph has no ${op} with a constant operand`);
    return tensorValues(init.get(node.input![1]!)!, label);
  };
  const mean = second('Sub');
  const scale = second('Div');
  const weights = second('MatMul');
  const matmulOut = nodes.find((n) => n.opType === 'MatMul')?.output?.[0];
  const add = nodes.find((n) => n.opType === 'Add' && n.input?.[0] === matmulOut && init.has(n.input?.[1] ?? ''));
  if (!add) throw new ModelError(label, 'linear graph has no intercept');
  const intercept = tensorValues(init.get(add.input![1]!)!, label)[0] ?? 0;
  const f = featureNames.length;
  if (mean.length !== f || scale.length !== f || weights.length !== f) throw new ModelError(label, `linear parameters do not have ${f} entries`);
  const out: LinearModel = { kind: 'linear', featureNames: [...featureNames], weights, intercept, mean, scale };
  return calibration ? { ...out, calibration } : out;
}
