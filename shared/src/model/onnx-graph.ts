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
