/**
 * Loads an exported model into onnxruntime-node and scores row-major feature matrices with it.
 *
 * Loading validates the artifact before anyone relies on it: the graph must take exactly one float [N,1]
 * input per expected feature (named like the feature), expose the `probability` output, and a probe batch
 * (zeros, all-missing, and a spread of magnitudes) must produce finite probabilities in [0,1]. A model
 * that fails any of that is refused with a ModelError, so the registry's promotion gate and the scoring
 * service never start with an artifact that would emit NaN.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { ModelError } from '@riskstream/shared';
import { nativeSection } from '../thread-abort-gate.ts';
import { ONNX_METADATA_KEYS, ONNX_OUTPUT_NAME, readOnnxMetadata } from './onnx-export.ts';

export type OnnxSession = ort.InferenceSession;

export interface LoadOnnxOptions {
  /** Expected feature names (e.g. from the manifest); defaults to the names stored in the model metadata. */
  featureNames?: readonly string[];
  /** Used in error messages. */
  name?: string;
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

export interface LoadedOnnxModel {
  session: OnnxSession;
  featureNames: readonly string[];
  metadata: Readonly<Record<string, string>>;
}

const PROBE_ROWS = 64;

/** Loads ONNX bytes or a file path and validates it; throws ModelError when the model is unusable. */
export async function loadOnnxModel(source: Uint8Array | string, opts: LoadOnnxOptions = {}): Promise<LoadedOnnxModel> {
  const label = opts.name ?? (typeof source === 'string' ? source : 'onnx-model');
  let bytes: Uint8Array;
  try {
    bytes = typeof source === 'string' ? await readFile(source) : source;
  } catch (err) {
    throw new ModelError(label, 'cannot read the ONNX file', err);
  }
  const metadata = readOnnxMetadata(bytes, label);
  const featureNames = opts.featureNames ?? featureNamesFromMetadata(label, metadata);

  let session: OnnxSession;
  try {
    session = await nativeSection(() => ort.InferenceSession.create(bytes, opts.sessionOptions ?? {}));
  } catch (err) {
    throw new ModelError(label, `onnxruntime refused the model: ${(err as Error).message}`, err);
  }
  try {
    checkSignature(label, session, featureNames);
    await probe(label, session, featureNames);
  } catch (err) {
    await releaseSession(session);
    throw err;
  }
  return { session, featureNames, metadata };
}

/** Convenience for the gate: true when loadOnnxModel accepts the artifact. */
export async function onnxLoads(source: Uint8Array | string, opts: LoadOnnxOptions = {}): Promise<boolean> {
  try {
    const loaded = await loadOnnxModel(source, opts);
    await releaseSession(loaded.session);
    return true;
  } catch (err) {
    if (err instanceof ModelError) return false;
    throw err;
  }
}

/** Loads ONNX bytes, scores a row-major matrix with them, and frees the session again. */
export async function scoreOnce(onnx: Uint8Array, featureNames: readonly string[], x: Float32Array, rows: number, name?: string): Promise<Float32Array> {
  const loaded = await loadOnnxModel(onnx, { featureNames, ...(name !== undefined ? { name } : {}) });
  try {
    return await scoreRows(loaded.session, loaded.featureNames, x, rows);
  } finally {
    await releaseSession(loaded.session);
  }
}

/** Frees the session's native memory (an onnxruntime call like the others: see thread-abort-gate.ts). */
export function releaseSession(session: OnnxSession): Promise<void> {
  return nativeSection(() => session.release());
}

/**
 * Scores `rows` rows of a row-major float32 matrix whose columns are `featureNames` (in that order).
 * Builds one [rows,1] tensor per input because the exported graph names its inputs after the features.
 */
export async function scoreRows(
  session: OnnxSession,
  featureNames: readonly string[],
  x: Float32Array,
  rows: number,
): Promise<Float32Array> {
  const cols = featureNames.length;
  if (!Number.isInteger(rows) || rows < 0 || x.length < rows * cols) {
    throw new ModelError('onnx-session', `matrix of ${x.length} values cannot hold ${rows} rows of ${cols} features`);
  }
  if (rows === 0) return new Float32Array(0);
  const feeds: Record<string, ort.Tensor> = {};
  for (let j = 0; j < cols; j++) {
    const column = new Float32Array(rows);
    for (let i = 0, k = j; i < rows; i++, k += cols) column[i] = x[k]!;
    feeds[featureNames[j]!] = new ort.Tensor('float32', column, [rows, 1]);
  }
  const result = await nativeSection(() => session.run(feeds));
  const out = result[ONNX_OUTPUT_NAME];
  if (!out || out.type !== 'float32' || out.data.length !== rows) {
    throw new ModelError('onnx-session', `output "${ONNX_OUTPUT_NAME}" missing or not float32[${rows}]`);
  }
  return out.data as Float32Array;
}

function featureNamesFromMetadata(label: string, metadata: Record<string, string>): string[] {
  const raw = metadata[ONNX_METADATA_KEYS.featureNames];
  if (raw === undefined) throw new ModelError(label, 'no feature names given and none in the model metadata');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ModelError(label, 'feature-name metadata is not JSON', err);
  }
  if (!Array.isArray(parsed) || !parsed.every((n) => typeof n === 'string')) {
    throw new ModelError(label, 'feature-name metadata is not a list of strings');
  }
  return parsed as string[];
}

function checkSignature(label: string, session: OnnxSession, featureNames: readonly string[]): void {
  const problems: string[] = [];
  const expected = new Set(featureNames);
  const actual = new Set(session.inputNames);
  for (const name of featureNames) if (!actual.has(name)) problems.push(`missing input "${name}"`);
  for (const name of session.inputNames) if (!expected.has(name)) problems.push(`unexpected input "${name}"`);
  for (const meta of session.inputMetadata) {
    if (!expected.has(meta.name)) continue;
    if (!meta.isTensor || meta.type !== 'float32') problems.push(`input "${meta.name}" is not a float32 tensor`);
    else if (meta.shape.length !== 2 || meta.shape[1] !== 1) problems.push(`input "${meta.name}" is not shaped [N,1]`);
  }
  const output = session.outputMetadata.find((m) => m.name === ONNX_OUTPUT_NAME);
  if (!output) problems.push(`missing output "${ONNX_OUTPUT_NAME}"`);
  else if (!output.isTensor || output.type !== 'float32') problems.push(`output "${ONNX_OUTPUT_NAME}" is not a float32 tensor`);
  if (problems.length > 0) throw new ModelError(label, `signature mismatch: ${problems.join('; ')}`);
}

/** Deterministic probe: zeros, all-missing, and values from 1e-3 to 1e6 of both signs. */
export function probeMatrix(cols: number): Float32Array {
  const x = new Float32Array(PROBE_ROWS * cols);
  x.fill(NaN, cols, 2 * cols);
  let state = 0x9e3779b9;
  for (let i = 2 * cols; i < x.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const unit = state / 2 ** 32;
    const magnitude = 10 ** (unit * 9 - 3);
    x[i] = (i % 2 === 0 ? 1 : -1) * magnitude * ((i * 7) % 11 === 0 ? 0 : 1);
  }
  return x;
}

async function probe(label: string, session: OnnxSession, featureNames: readonly string[]): Promise<void> {
  let scores: Float32Array;
  try {
    scores = await scoreRows(session, featureNames, probeMatrix(featureNames.length), PROBE_ROWS);
  } catch (err) {
    if (err instanceof ModelError) throw new ModelError(label, `probe batch failed: ${err.message}`, err);
    throw new ModelError(label, `probe batch failed: ${(err as Error).message}`, err);
  }
  const bad = scores.findIndex((p) => !(p >= 0 && p <= 1));
  if (bad >= 0) throw new ModelError(label, `probe row ${bad} scored ${scores[bad]}, expected a probability in [0,1]`);
}
