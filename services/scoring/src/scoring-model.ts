/**
 * One registered model, loaded for serving: its manifest, an onnxruntime session and the explainer built
 * from the same ONNX bytes.
 *
 * Loading is the gate between "the registry says so" and "we serve it". A model is refused (ModelError)
 * unless all of this holds, checked BEFORE anyone can score with it:
 *  - the bytes hash to the manifest's sha256 (and to the lifecycle event's, when one asked for the load);
 *  - the ONNX metadata agrees with the manifest on feature names and kind;
 *  - onnxruntime accepts the graph, which has one float [N,1] input per feature and a float `probability`;
 *  - a probe batch (zeros, all missing, magnitudes 1e-3..1e6 of both signs) scores finite values in [0,1];
 *  - the trees parsed back from the graph reproduce those probe scores, so reasons describe this model.
 */
import * as ort from 'onnxruntime-node';
import { ModelError } from '@riskstream/shared';
import { predictProbability, sha256Hex, type DecisionThresholds, type FetchedModel, type ModelManifest } from '@riskstream/shared/model';
import { decodeOnnx, ONNX_METADATA, onnxMetadata, parseOnnxModel } from './onnx-model-parser.ts';
import { createExplainer, type Explainer } from './tree-contributions.ts';

export const ONNX_OUTPUT = 'probability';

export interface ScoringModel {
  readonly name: string;
  readonly version: number;
  readonly manifest: ModelManifest;
  readonly featureNames: readonly string[];
  readonly thresholds: DecisionThresholds;
  readonly explainer: Explainer;
  /** Scores `rows` rows given as one float32 column per feature (manifest order). */
  score(columns: readonly Float32Array[], rows: number): Promise<Float32Array>;
  release(): Promise<void>;
}

export interface LoadOptions {
  /** onnxruntime intra-op threads; 1 measured fastest on the 2-core target (no pool hand-offs). */
  readonly intraOpNumThreads?: number;
  /** The sha256 a lifecycle event announced; the fetched bytes must match it too. */
  readonly expectedSha256?: string;
}

const PROBE_ROWS = 64;
/** The parsed trees and onnxruntime agree to ~1e-7 (see onnx-export.ts); far more means another model. */
const EXPLAINER_TOLERANCE = 1e-5;

export async function loadScoringModel(fetched: FetchedModel, options: LoadOptions = {}): Promise<ScoringModel> {
  const { manifest, onnx } = fetched;
  const label = `${manifest.name}@${manifest.version}`;
  const sha = sha256Hex(onnx);
  if (sha !== manifest.onnxSha256) throw new ModelError(label, `model.onnx sha256 ${sha} does not match the manifest`);
  if (options.expectedSha256 !== undefined && sha !== options.expectedSha256) {
    throw new ModelError(label, `model.onnx sha256 ${sha} does not match the announced ${options.expectedSha256}`);
  }
  checkMetadata(label, onnx, manifest);
  const parsed = parseOnnxModel(onnx, manifest.featureNames, label);
  const explainer = createExplainer(parsed);

  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnx, {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new ModelError(label, `onnxruntime refused the model: ${(err as Error).message}`, err);
  }
  const featureNames = manifest.featureNames;
  const model: ScoringModel = {
    name: manifest.name,
    version: manifest.version,
    manifest,
    featureNames,
    thresholds: manifest.thresholds,
    explainer,
    score: (columns, rows) => run(session, featureNames, columns, rows, label),
    release: () => session.release(),
  };
  try {
    checkSignature(label, session, featureNames);
    const x = probeMatrix(featureNames.length);
    const scores = await model.score(toColumns(x, PROBE_ROWS, featureNames.length), PROBE_ROWS);
    for (let i = 0; i < PROBE_ROWS; i++) {
      const p = scores[i]!;
      if (!(p >= 0 && p <= 1)) throw new ModelError(label, `probe row ${i} scored ${p}, expected a probability in [0,1]`);
      const expected = predictProbability(parsed, x, i * featureNames.length);
      if (!(Math.abs(expected - p) <= EXPLAINER_TOLERANCE)) {
        throw new ModelError(label, `probe row ${i}: the parsed model gives ${expected}, onnxruntime ${p}; reasons would not match`);
      }
    }
  } catch (err) {
    await session.release();
    throw err instanceof ModelError ? err : new ModelError(label, `probe batch failed: ${(err as Error).message}`, err);
  }
  return model;
}

async function run(session: ort.InferenceSession, featureNames: readonly string[], columns: readonly Float32Array[], rows: number, label: string): Promise<Float32Array> {
  if (rows === 0) return new Float32Array(0);
  const feeds: Record<string, ort.Tensor> = {};
  for (let j = 0; j < featureNames.length; j++) feeds[featureNames[j]!] = new ort.Tensor('float32', columns[j]!, [rows, 1]);
  const result = await session.run(feeds);
  const out = result[ONNX_OUTPUT];
  if (!out || out.type !== 'float32' || out.data.length !== rows) {
    throw new ModelError(label, `output "${ONNX_OUTPUT}" missing or not float32[${rows}]`);
  }
  return out.data as Float32Array;
}

function checkMetadata(label: string, onnx: Uint8Array, manifest: ModelManifest): void {
  const metadata = onnxMetadata(decodeOnnx(onnx, label));
  const names = metadata[ONNX_METADATA.featureNames];
  if (names !== undefined && names !== JSON.stringify(manifest.featureNames)) {
    throw new ModelError(label, 'the ONNX feature names differ from manifest.featureNames');
  }
  const kind = metadata[ONNX_METADATA.modelKind];
  if (kind !== undefined && kind !== manifest.kind) throw new ModelError(label, `the ONNX model kind ${kind} differs from manifest.kind ${manifest.kind}`);
}

function checkSignature(label: string, session: ort.InferenceSession, featureNames: readonly string[]): void {
  const problems: string[] = [];
  const expected = new Set(featureNames);
  for (const name of featureNames) if (!session.inputNames.includes(name)) problems.push(`missing input "${name}"`);
  for (const name of session.inputNames) if (!expected.has(name)) problems.push(`unexpected input "${name}"`);
  for (const meta of session.inputMetadata) {
    if (!expected.has(meta.name)) continue;
    if (!meta.isTensor || meta.type !== 'float32') problems.push(`input "${meta.name}" is not a float32 tensor`);
    else if (meta.shape.length !== 2 || meta.shape[1] !== 1) problems.push(`input "${meta.name}" is not shaped [N,1]`);
  }
  const output = session.outputMetadata.find((m) => m.name === ONNX_OUTPUT);
  if (!output) problems.push(`missing output "${ONNX_OUTPUT}"`);
  else if (!output.isTensor || output.type !== 'float32') problems.push(`output "${ONNX_OUTPUT}" is not a float32 tensor`);
  if (problems.length > 0) throw new ModelError(label, `signature mismatch: ${problems.join('; ')}`);
}

/** Row-major float32 rows -> one column per feature (what the per-feature ONNX inputs take). */
export function toColumns(x: Float32Array, rows: number, cols: number): Float32Array[] {
  const columns = Array.from({ length: cols }, () => new Float32Array(rows));
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) columns[j]![i] = x[i * cols + j]!;
  return columns;
}

/** Deterministic probe rows: zeros, all missing, then values from 1e-3 to 1e6 of both signs (some zero). */
export function probeMatrix(cols: number): Float32Array {
  const x = new Float32Array(PROBE_ROWS * cols);
  x.fill(NaN, cols, 2 * cols);
  let state = 0x9e3779b9;
  for (let i = 2 * cols; i < x.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const magnitude = 10 ** ((state / 2 ** 32) * 9 - 3);
    x[i] = (i % 2 === 0 ? 1 : -1) * magnitude * ((i * 7) % 11 === 0 ? 0 : 1);
  }
  return x;
}
