/**
 * Builders for the ONNX graphs riskstream writes: the exporter's model (training/src/export) and the
 * scoring service's explained graph (score + per-feature contributions). One place, so both graphs spell
 * attributes, tensors and value infos the same way.
 */
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';

const proto = onnxProto.onnx;
export const ONNX_ATTRIBUTE_TYPE = proto.AttributeProto.AttributeType;
export const ONNX_DATA_TYPE = proto.TensorProto.DataType;
/** Operators of the ai.onnx.ml domain that we use; every other operator is in the default domain. */
const ML_OPERATORS = new Set(['TreeEnsembleRegressor', 'TreeEnsembleClassifier']);

export function onnxNode(opType: string, input: string[], output: string[], name: string, attribute: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType, input, output, name, domain: ML_OPERATORS.has(opType) ? 'ai.onnx.ml' : '', attribute };
}

export function intAttr(name: string, i: number): onnx.IAttributeProto {
  return { name, type: ONNX_ATTRIBUTE_TYPE.INT, i };
}
export function intsAttr(name: string, ints: number[]): onnx.IAttributeProto {
  return { name, type: ONNX_ATTRIBUTE_TYPE.INTS, ints };
}
export function floatsAttr(name: string, floats: number[]): onnx.IAttributeProto {
  return { name, type: ONNX_ATTRIBUTE_TYPE.FLOATS, floats };
}
export function stringAttr(name: string, s: string): onnx.IAttributeProto {
  return { name, type: ONNX_ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(s) };
}
/** STRINGS attribute from already-encoded UTF-8 values. */
export function stringsAttr(name: string, strings: Uint8Array[]): onnx.IAttributeProto {
  return { name, type: ONNX_ATTRIBUTE_TYPE.STRINGS, strings };
}
export function tensorAttr(name: string, t: onnx.ITensorProto): onnx.IAttributeProto {
  return { name, type: ONNX_ATTRIBUTE_TYPE.TENSOR, t };
}

/** Double tensor stored as little-endian raw_data (compact and exact). */
export function doubleTensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat64(i * 8, v, true));
  return { name, dims, dataType: ONNX_DATA_TYPE.DOUBLE, rawData: raw };
}

/** Int64 tensor stored as little-endian raw_data. */
export function int64Tensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims, dataType: ONNX_DATA_TYPE.INT64, rawData: raw };
}

/** float tensor [N, width] with a symbolic batch dimension. */
export function floatValueInfo(name: string, width: number): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: ONNX_DATA_TYPE.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } } };
}

const LEAF = new TextEncoder().encode('LEAF');
const BRANCH_LEQ = new TextEncoder().encode('BRANCH_LEQ');

/**
 * A tree ensemble flattened into ai.onnx.ml TreeEnsembleRegressor's parallel arrays: one entry per node
 * in nodes_*, one per (leaf, target) weight in target_*.
 */
export interface FlatTreeEnsemble {
  readonly treeIds: number[];
  readonly nodeIds: number[];
  readonly featureIds: number[];
  readonly modes: Uint8Array[];
  readonly thresholds: number[];
  readonly trueIds: number[];
  readonly falseIds: number[];
  readonly missingTrue: number[];
  readonly targetTreeIds: number[];
  readonly targetNodeIds: number[];
  readonly targetIds: number[];
  readonly targetWeights: number[];
}

export function emptyFlatTreeEnsemble(): FlatTreeEnsemble {
  return {
    treeIds: [], nodeIds: [], featureIds: [], modes: [], thresholds: [], trueIds: [], falseIds: [], missingTrue: [],
    targetTreeIds: [], targetNodeIds: [], targetIds: [], targetWeights: [],
  };
}

export function pushLeafNode(flat: FlatTreeEnsemble, treeId: number, nodeId: number): void {
  flat.treeIds.push(treeId); flat.nodeIds.push(nodeId); flat.featureIds.push(0); flat.modes.push(LEAF);
  flat.thresholds.push(0); flat.trueIds.push(0); flat.falseIds.push(0); flat.missingTrue.push(0);
}

/** A `feature <= threshold` split; true goes to `trueId`, NaN follows the true branch when `missingTrue`. */
export function pushBranchNode(flat: FlatTreeEnsemble, treeId: number, nodeId: number, split: { feature: number; threshold: number; trueId: number; falseId: number; missingTrue: boolean }): void {
  flat.treeIds.push(treeId); flat.nodeIds.push(nodeId); flat.featureIds.push(split.feature); flat.modes.push(BRANCH_LEQ);
  flat.thresholds.push(split.threshold); flat.trueIds.push(split.trueId); flat.falseIds.push(split.falseId); flat.missingTrue.push(split.missingTrue ? 1 : 0);
}

export function pushTargetWeight(flat: FlatTreeEnsemble, treeId: number, nodeId: number, target: number, weight: number): void {
  flat.targetTreeIds.push(treeId); flat.targetNodeIds.push(nodeId); flat.targetIds.push(target); flat.targetWeights.push(weight);
}

/**
 * The TreeEnsembleRegressor node of `flat`: SUM aggregation, no post transform, one target per base value.
 * Leaf weights and base values are double tensors (the *_as_tensor attributes) so onnxruntime sums in double;
 * thresholds are float32 values by contract, so the float attribute holds them exactly.
 */
export function treeEnsembleRegressorNode(input: string, output: string, name: string, flat: FlatTreeEnsemble, baseValues: number[]): onnx.INodeProto {
  return onnxNode('TreeEnsembleRegressor', [input], [output], name, [
    intAttr('n_targets', baseValues.length),
    stringAttr('aggregate_function', 'SUM'),
    stringAttr('post_transform', 'NONE'),
    intsAttr('nodes_treeids', flat.treeIds),
    intsAttr('nodes_nodeids', flat.nodeIds),
    intsAttr('nodes_featureids', flat.featureIds),
    stringsAttr('nodes_modes', flat.modes),
    floatsAttr('nodes_values', flat.thresholds),
    intsAttr('nodes_truenodeids', flat.trueIds),
    intsAttr('nodes_falsenodeids', flat.falseIds),
    intsAttr('nodes_missing_value_tracks_true', flat.missingTrue),
    intsAttr('target_treeids', flat.targetTreeIds),
    intsAttr('target_nodeids', flat.targetNodeIds),
    intsAttr('target_ids', flat.targetIds),
    tensorAttr('target_weights_as_tensor', doubleTensor('target_weights', [flat.targetWeights.length], flat.targetWeights)),
    tensorAttr('base_values_as_tensor', doubleTensor('base_values', [baseValues.length], baseValues)),
  ]);
}
