/**
 * One registered model, loaded for serving: its manifest, an onnxruntime session of the registry graph,
 * and the explained graph built from the same trees (contributions-model.ts) that scores and explains in
 * one call.
 *
 * Loading is the gate between "the registry says so" and "we serve it". A model is refused (ModelError)
 * unless all of this holds, checked BEFORE anyone can score with it:
 *  - the bytes hash to the manifest's sha256 (and to the lifecycle event's, when one asked for the load);
 *  - the ONNX metadata agrees with the manifest on feature names and kind;
 *  - onnxruntime accepts the graph, which has one float [N,1] input per feature and a float `probability`;
 *  - a probe batch (zeros, all missing, magnitudes 1e-3..1e6 of both signs) scores finite values in [0,1];
 *  - the trees parsed back from the graph reproduce those probe scores, so reasons describe this model;
 *  - for tree ensembles, onnxruntime accepts the explained graph, whose probe probabilities equal the
 *    registry graph's (within SCORE_PARITY) and whose contributions equal the JavaScript reference
 *    explainer's (within EXPLAINER_TOLERANCE).
 * A model whose explained graph cannot be built or disagrees is refused rather than served with the slow
 * JavaScript walk: the graph is derived deterministically from trees that already passed, so a failure
 * means a bug or an onnxruntime incompatibility, which must be loud (refused loads are counted and logged,
 * the model in service keeps serving) rather than a silent 2-3x throughput drop.
 */
import * as ort from 'onnxruntime-node';
import { ModelError, ModelRejectedError } from '@riskstream/shared';
import { checkModel, predictProbability, sha256Hex, type DecisionThresholds, type FetchedModel, type Model, type ModelManifest, type TreeEnsembleModel } from '@riskstream/shared/model';
import { EXPLAINED, explainedOnnx } from './contributions-model.ts';
import { checkContentHash, decodeOnnx, ONNX_METADATA, onnxMetadata, parseOnnxModel } from './onnx-model-parser.ts';
import { createExplainer, type Explainer } from './tree-contributions.ts';

export const ONNX_OUTPUT = 'probability';

/** Scores of a batch with every row's per-feature contributions (margin units). */
export interface ExplainedScores {
  readonly scores: Float32Array;
  /** rows x features, row-major, manifest feature order. */
  readonly contributions: Float32Array | Float64Array;
}

export interface ScoringModel {
  readonly name: string;
  readonly version: number;
  readonly manifest: ModelManifest;
  readonly featureNames: readonly string[];
  readonly thresholds: DecisionThresholds;
  /** The JavaScript reference for contributions (linear models use it when scoring; trees to validate). */
  readonly explainer: Explainer;
  /** Scores `rows` rows given as one float32 column per feature (manifest order), with the registry graph. */
  score(columns: readonly Float32Array[], rows: number): Promise<Float32Array>;
  /**
   * Scores `rows` rows given row-major (float32, manifest order) and returns their contributions too: one
   * onnxruntime call of the explained graph for tree ensembles; the registry graph plus the JavaScript
   * explainer for linear models (a dot product, nothing to gain).
   */
  scoreExplained(x: Float32Array, rows: number): Promise<ExplainedScores>;
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
/** The explained graph repeats the registry graph's arithmetic; the pipeline holds scores to 1e-6. */
const SCORE_PARITY = 1e-6;

const SESSION_OPTIONS = {
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
} as const satisfies ort.InferenceSession.SessionOptions;

/**
 * Loads and validates a model BESIDE whatever serves: every refusal is a ModelRejectedError whose reason
 * (MODEL_REJECTION_REASONS) says which check failed, so the caller can count it and keep the old model.
 */
export async function loadScoringModel(fetched: FetchedModel, options: LoadOptions = {}): Promise<ScoringModel> {
  const { manifest, onnx } = fetched;
  const label = `${manifest.name}@${manifest.version}`;
  if (onnx.length === 0) throw new ModelRejectedError(label, 'EMPTY_MODEL', 'model.onnx has zero bytes');
  const sha = sha256Hex(onnx);
  if (sha !== manifest.onnxSha256) throw new ModelRejectedError(label, 'CHECKSUM_MISMATCH', `model.onnx sha256 ${sha} does not match the manifest`);
  if (options.expectedSha256 !== undefined && sha !== options.expectedSha256) {
    throw new ModelRejectedError(label, 'CHECKSUM_MISMATCH', `model.onnx sha256 ${sha} does not match the announced ${options.expectedSha256}`);
  }
  const decoded = await checkModel(label, 'UNREADABLE', () => decodeOnnx(onnx, label));
  await checkModel(label, 'CHECKSUM_MISMATCH', () => checkContentHash(decoded, label));
  await checkModel(label, 'SIGNATURE_MISMATCH', () => checkMetadata(label, decoded, manifest));
  const parsed = await checkModel(label, 'GRAPH_INVALID', () => parseOnnxModel(onnx, manifest.featureNames, label));
  const explainer = createExplainer(parsed);

  const sessionOptions = { ...SESSION_OPTIONS, intraOpNumThreads: options.intraOpNumThreads ?? 1 };
  const session = await checkModel(label, 'UNREADABLE', () => createSession(label, onnx, sessionOptions, 'the model'));
  const explainedSession = parsed.kind === 'tree-ensemble'
    ? await checkModel(label, 'GRAPH_INVALID', () => createExplainedSession(label, parsed, sessionOptions)).catch(async (err: unknown) => {
      await session.release();
      throw err;
    })
    : undefined;
  const featureNames = manifest.featureNames;
  const cols = featureNames.length;
  const score = (columns: readonly Float32Array[], rows: number): Promise<Float32Array> => run(session, featureNames, columns, rows, label);
  const model: ScoringModel = {
    name: manifest.name,
    version: manifest.version,
    manifest,
    featureNames,
    thresholds: manifest.thresholds,
    explainer,
    score,
    scoreExplained: explainedSession
      ? (x, rows) => runExplained(explainedSession, x, rows, cols, label)
      : async (x, rows) => {
        const scores = await score(toColumns(x, rows, cols), rows);
        const contributions = new Float64Array(rows * cols);
        explainer.explain(x, rows, contributions, new Float64Array(rows));
        return { scores, contributions };
      },
    release: async () => {
      await Promise.all([session.release(), explainedSession?.release()]);
    },
  };
  try {
    await checkModel(label, 'SIGNATURE_MISMATCH', () => {
      checkSignature(label, session, featureNames);
      if (explainedSession) checkExplainedSignature(label, explainedSession, cols);
    });
    await checkModel(label, 'PARITY_MISMATCH', () => probe(label, model, parsed, explainedSession !== undefined));
  } catch (err) {
    await model.release();
    throw err;
  }
  return model;
}

/** The probe batch: every score a probability, equal to the parsed trees', and the explained graph's too. */
async function probe(label: string, model: ScoringModel, parsed: Model, explained: boolean): Promise<void> {
  const cols = model.featureNames.length;
  const x = probeMatrix(cols);
  const scores = await checkModel(label, 'INVALID_OUTPUT', () => model.score(toColumns(x, PROBE_ROWS, cols), PROBE_ROWS));
  for (let i = 0; i < PROBE_ROWS; i++) {
    const p = scores[i]!;
    if (!(p >= 0 && p <= 1)) throw new ModelRejectedError(label, 'INVALID_OUTPUT', `probe row ${i} scored ${p}, expected a probability in [0,1]`);
    const expected = predictProbability(parsed, x, i * cols);
    if (!(Math.abs(expected - p) <= EXPLAINER_TOLERANCE)) {
      throw new ModelError(label, `probe row ${i}: the parsed model gives ${expected}, onnxruntime ${p}; reasons would not match`);
    }
  }
  if (explained) await checkExplained(label, model, x, scores);
}

async function createSession(label: string, bytes: Uint8Array, options: ort.InferenceSession.SessionOptions, what: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, options);
  } catch (err) {
    throw new ModelError(label, `onnxruntime refused ${what}: ${(err as Error).message}`, err);
  }
}

/** The explained graph's session (contributions-model.ts); ModelError when it cannot be built or loaded. */
async function createExplainedSession(label: string, model: TreeEnsembleModel, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  let bytes: Uint8Array;
  try {
    bytes = explainedOnnx(model, label);
  } catch (err) {
    throw err instanceof ModelError ? err : new ModelError(label, `cannot build the explained graph: ${(err as Error).message}`, err);
  }
  return createSession(label, bytes, options, 'the explained graph');
}

/** The explained graph on the probe batch: the registry graph's scores, the reference explainer's reasons. */
async function checkExplained(label: string, model: ScoringModel, x: Float32Array, expectedScores: Float32Array): Promise<void> {
  const cols = model.featureNames.length;
  const { scores, contributions } = await model.scoreExplained(x, PROBE_ROWS);
  const reference = new Float64Array(PROBE_ROWS * cols);
  model.explainer.explain(x, PROBE_ROWS, reference, new Float64Array(PROBE_ROWS));
  for (let i = 0; i < PROBE_ROWS; i++) {
    if (!(Math.abs(scores[i]! - expectedScores[i]!) <= SCORE_PARITY)) {
      throw new ModelError(label, `probe row ${i}: the explained graph scores ${scores[i]}, the model ${expectedScores[i]}`);
    }
    for (let j = 0; j < cols; j++) {
      const c = contributions[i * cols + j]!;
      const r = reference[i * cols + j]!;
      if (!(Math.abs(c - r) <= EXPLAINER_TOLERANCE * Math.max(1, Math.abs(r)))) {
        throw new ModelError(label, `probe row ${i}: the explained graph gives ${model.featureNames[j]} a contribution of ${c}, the trees ${r}`);
      }
    }
  }
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

async function runExplained(session: ort.InferenceSession, x: Float32Array, rows: number, cols: number, label: string): Promise<ExplainedScores> {
  if (rows === 0) return { scores: new Float32Array(0), contributions: new Float32Array(0) };
  const input = x.length === rows * cols ? x : x.subarray(0, rows * cols);
  const result = await session.run({ [EXPLAINED.input]: new ort.Tensor('float32', input, [rows, cols]) });
  const scores = result[EXPLAINED.probability];
  const contributions = result[EXPLAINED.contributions];
  if (scores?.type !== 'float32' || scores.data.length !== rows || contributions?.type !== 'float32' || contributions.data.length !== rows * cols) {
    throw new ModelError(label, `the explained graph did not return float32 probability[${rows}] and contributions[${rows}x${cols}]`);
  }
  return { scores: scores.data as Float32Array, contributions: contributions.data as Float32Array };
}

function checkMetadata(label: string, decoded: ReturnType<typeof decodeOnnx>, manifest: ModelManifest): void {
  const metadata = onnxMetadata(decoded);
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

function checkExplainedSignature(label: string, session: ort.InferenceSession, cols: number): void {
  const input = session.inputMetadata.find((m) => m.name === EXPLAINED.input);
  const ok = (m: ort.InferenceSession.ValueMetadata | undefined, width: number): boolean =>
    m !== undefined && m.isTensor && m.type === 'float32' && m.shape.length === 2 && m.shape[1] === width;
  const outputs = session.outputMetadata;
  if (!ok(input, cols) || !ok(outputs.find((m) => m.name === EXPLAINED.probability), 1) || !ok(outputs.find((m) => m.name === EXPLAINED.contributions), cols)) {
    throw new ModelError(label, 'the explained graph does not have the expected inputs and outputs');
  }
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
