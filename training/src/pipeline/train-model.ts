/**
 * The training job, end to end: build (checks, leakage, profile, hashed training set) -> train (GBDT with
 * early stopping, optional search, logistic-regression baseline) -> calibrate (Platt, on the validation
 * split) -> evaluate (candidate, baseline and champion on the same holdout) -> export ONNX (parity
 * checked on the holdout) -> register -> gated promotion.
 *
 * Every step reports progress through one callback so the CLI can draw bars and tests can stay quiet.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError, UsageError, type Logger, type ValueSettings } from '@riskstream/shared';
import type { DecisionThresholds, JsonValue, ModelManifest } from '@riskstream/shared/model';
import { predictBatch } from '@riskstream/shared/model';
import { assertDataOk, checkData } from '../build/data-checks.ts';
import { assertNoLeakage, checkLeakage } from '../build/leakage-check.ts';
import { buildReferenceProfile } from '../build/reference-profile.ts';
import { hashDataset, saveTrainingSet } from '../build/training-set.ts';
import { fitPlatt, withCalibration } from '../calibration.ts';
import { takeRows, type Dataset } from '../data/dataset.ts';
import { selectColumns } from '../data/select-columns.ts';
import { exportOnnx } from '../export/onnx-export.ts';
import { scoreOnce } from '../export/onnx-session.ts';
import { averagePrecision } from '../metrics/average-precision.ts';
import { rocAuc } from '../metrics/roc-auc.ts';
import type { GbdtOptions } from '../models/gbdt-options.ts';
import { trainLogisticRegression } from '../models/logistic-regression.ts';
import { modelMargins } from '../models/margins.ts';
import type { RandomForestOptions } from '../models/random-forest-options.ts';
import type { ManifestDraft, ModelRegistry } from '../registry/model-registry.ts';
import { evaluateGate, type GateMetric, type GateResult } from '../registry/promotion-gate.ts';
import { valueGateInput } from '../registry/value-gate.ts';
import { compareEvaluations, evaluateScores, type Evaluation } from '../report/evaluation.ts';
import { renderReport } from '../report/html-report.ts';
import { searchGbdt } from '../search.ts';
import { selectFeatures, type FeatureSelectionResult, type SelectionMode } from '../selection/feature-selection.ts';
import { splitDataset } from '../split.ts';
import { chooseThresholds } from '../thresholds.ts';
import { ALGORITHM_NAMES, fitCandidate, fitOnSplit, type Algorithm, type CandidateSettings } from './fit-candidate.ts';

export type Progress = (stage: string, done: number, total: number) => void;

export interface TrainingData {
  /** Every row; the split below says which rows train and which are held out. */
  readonly dataset: Dataset;
  readonly trainIndex: Uint32Array;
  readonly testIndex: Uint32Array;
  /** Per dataset row (simulator): day and card, for card precision@100. */
  readonly cards?: { readonly day: Int32Array; readonly card: Int32Array };
  /** Per dataset row: the transaction amount in currency units (the gate's value metric; else TX_AMOUNT). */
  readonly amounts?: Float64Array;
  /** Where the data came from, recorded in the manifest. */
  readonly source: JsonValue;
  /** Keep dataset.group on one side of the inner validation split (entities that repeat). */
  readonly grouped: boolean;
  /** ISO times of the first and last event, when the rows have event times. */
  readonly timeRange?: { readonly from: string; readonly to: string };
}

export interface GateSettings {
  readonly metric: GateMetric;
  /** Minimum improvement over the champion, in metric units (currency units for value). */
  readonly margin: number;
  readonly iterations: number;
  readonly confidence: number;
  /** The value model's settings, for metric value (default: DEFAULT_VALUE_MODEL's). */
  readonly value?: ValueSettings;
}

export interface TrainOptions {
  readonly name: string;
  readonly seed: number;
  /** The learner (default gbdt). */
  readonly algorithm?: Algorithm;
  readonly gbdt?: Partial<GbdtOptions>;
  readonly rf?: Partial<RandomForestOptions>;
  /** Keep a subset of the features: 'auto' (lose at most selectionMargin AP) or the top K. */
  readonly selectFeatures?: SelectionMode;
  /** Average precision feature selection may lose, absolute (default 0.005). */
  readonly selectionMargin?: number;
  /** The tracked run this training belongs to, shown in the report. */
  readonly runId?: string;
  /** Hyperparameter search trials (successive halving); 0 trains the defaults. */
  readonly searchTrials?: number;
  readonly validFraction?: number;
  /**
   * After early stopping on the inner validation split, refit on every training row with
   * round(bestRounds * factor) rounds; 0 keeps the early-stopped model. Default 1: on the handbook
   * protocol the refit adds ~0.008 AP (the split would otherwise withhold a fifth of the week's cards).
   */
  readonly refitRoundsFactor?: number;
  readonly gate?: GateSettings;
  /** Register the model (and promote it when the gate passes). */
  readonly registry?: ModelRegistry;
  /** Also write model.onnx, manifest.json, metrics.json and report.html here. */
  readonly outDir?: string;
  /** Keep the versioned, hashed training set here. */
  readonly trainingSetDir?: string;
  readonly progress?: Progress;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

export interface TrainOutcome {
  readonly manifest: ManifestDraft;
  readonly onnx: Uint8Array;
  readonly reportHtml: string;
  readonly candidate: Evaluation;
  readonly baseline: Evaluation;
  readonly champion?: Evaluation;
  /** The candidate fitted without the inner validation rows, scored on them (calibrated). */
  readonly validation: { readonly average_precision: number; readonly roc_auc: number };
  readonly algorithm: Algorithm;
  readonly featureSelection?: FeatureSelectionSummary;
  readonly gate: GateResult;
  readonly parityMaxAbsDiff: number;
  readonly trainSeconds: number;
  /** Set when registered. */
  readonly version?: number;
  readonly promoted: boolean;
}

/** What feature selection decided, as the manifest and the run record keep it. */
export interface FeatureSelectionSummary {
  readonly mode: SelectionMode;
  readonly margin: number;
  readonly kept: string[];
  readonly dropped: string[];
  readonly referenceAp: number;
  readonly finalAp: number;
  readonly refits: number;
}

export const DEFAULT_GATE: GateSettings = Object.freeze({ metric: 'roc_auc', margin: 0.002, iterations: 500, confidence: 0.95 });

export async function trainModel(data: TrainingData, options: TrainOptions): Promise<TrainOutcome> {
  const progress: Progress = options.progress ?? (() => undefined);
  const gateSettings = options.gate ?? DEFAULT_GATE;
  const algorithm = options.algorithm ?? 'gbdt';
  let train = takeRows(data.dataset, data.trainIndex);
  const fullTest = takeRows(data.dataset, data.testIndex);

  progress('checks', 0, 3);
  const dataReport = checkData(data.dataset);
  assertDataOk(dataReport);
  progress('checks', 1, 3);
  const leakage = checkLeakage(train);
  assertNoLeakage(leakage);
  progress('checks', 2, 3);
  const dataHash = hashDataset(data.dataset);
  if (options.trainingSetDir) await saveTrainingSet(options.trainingSetDir, data.dataset, { source: data.source });
  progress('checks', 3, 3);

  const started = performance.now();
  const settings: CandidateSettings = {
    algorithm,
    seed: options.seed,
    gbdt: { ...options.gbdt },
    ...(options.rf ? { rf: options.rf } : {}),
    validFraction: options.validFraction ?? 0.2,
    grouped: data.grouped,
    refitRoundsFactor: options.refitRoundsFactor ?? 1,
  };
  const searched = searchIfAsked(train, settings, options, data.grouped, progress);
  const selection = options.selectFeatures !== undefined ? selectFeatureSubset(train, searched, options, data.grouped, progress) : undefined;
  if (selection) train = selectColumns(train, selection.kept);
  const test = selection ? selectColumns(fullTest, selection.kept) : fullTest;

  const fit = fitCandidate(train, searched, progress);
  const valid = fit.valid;
  // Calibration and thresholds come from the model fitted without the validation rows, on those rows. The
  // refit model (same rounds, all rows, so the same margin scale) reuses them: fitted on its own margins,
  // the validation rows would be in-sample and the probabilities overconfident.
  const calibration = fitPlatt(modelMargins(fit.heldOutModel, valid.x, valid.rows), valid.y);
  const model = withCalibration(fit.model, calibration);
  const heldOutScores = predictBatch(withCalibration(fit.heldOutModel, calibration), valid.x, valid.rows);

  progress('baseline', 0, 1);
  const lr = trainLogisticRegression(train);
  const baselineModel = withCalibration(lr.model, fitPlatt(modelMargins(lr.model, valid.x, valid.rows), valid.y));
  progress('baseline', 1, 1);
  const trainSeconds = (performance.now() - started) / 1000;

  progress('evaluate', 0, 3);
  const thresholds = chooseThresholds(heldOutScores, valid.y);
  const validation = { average_precision: averagePrecision(heldOutScores, valid.y), roc_auc: rocAuc(heldOutScores, valid.y) };
  const cards = data.cards ? { day: pick(data.cards.day, data.testIndex), card: pick(data.cards.card, data.testIndex) } : undefined;
  const testScores = predictBatch(model, test.x, test.rows);
  const candidate = evaluateScores({ scores: testScores, labels: test.y, thresholds, ...(cards ? { cards } : {}) });
  const baseline = evaluateScores({ scores: predictBatch(baselineModel, test.x, test.rows), labels: test.y, thresholds, ...(cards ? { cards } : {}) });
  progress('evaluate', 1, 3);

  const onnx = exportOnnx(model, { description: `${options.name} trained ${new Date().toISOString()}` });
  const onnxScores = await scoreOnce(onnx, model.featureNames, test.x, test.rows);
  let parityMaxAbsDiff = 0;
  for (let i = 0; i < test.rows; i++) parityMaxAbsDiff = Math.max(parityMaxAbsDiff, Math.abs(onnxScores[i]! - testScores[i]!));
  // The ONNX model is what serves: it must agree with what we evaluated.
  if (!(parityMaxAbsDiff <= 1e-5)) throw new ModelError(options.name, `ONNX parity ${parityMaxAbsDiff} exceeds 1e-5`);
  progress('evaluate', 2, 3);

  const champion = options.registry ? await championScores(options.registry, options.name, fullTest) : undefined;
  const championEval = champion ? evaluateScores({ scores: champion.scores, labels: test.y, thresholds, ...(cards ? { cards } : {}) }) : undefined;
  const gate = evaluateGate({
    challengerScores: onnxScores,
    championScores: champion?.scores,
    labels: test.y,
    metric: gateSettings.metric,
    margin: gateSettings.margin,
    bootstrap: { iterations: gateSettings.iterations, seed: options.seed, confidence: gateSettings.confidence },
    onnxLoads: true,
    value: gateSettings.metric === 'value' ? valueGateInput(gateSettings, data, thresholds, champion?.thresholds) : undefined,
  });
  progress('evaluate', 3, 3);

  const trainScores = predictBatch(model, train.x, train.rows);
  const trees = model.kind === 'tree-ensemble' ? model.trees.length : undefined;
  const selectionRecord = selection ? selectionSummary(selection) : undefined;
  const manifest: ManifestDraft = {
    kind: model.kind,
    featureNames: model.featureNames,
    inputSchema: Object.fromEntries(model.featureNames.map((f) => [f, { type: 'float', description: f }])),
    metrics: {
      ...headline(candidate),
      baseline: headline(baseline),
      ...(championEval ? { champion: headline(championEval) } : {}),
      vs_baseline: compareEvaluations(candidate, baseline),
      validation,
      parity_max_abs_diff: parityMaxAbsDiff,
      train_seconds: trainSeconds,
      ...(trees !== undefined ? { trees } : {}),
    },
    dataHash,
    referenceProfile: buildReferenceProfile(train, trainScores),
    thresholds,
    ...(champion ? { parentVersion: champion.version } : {}),
    trainingConfig: {
      source: data.source,
      seed: options.seed,
      ...fit.config,
      calibration: { kind: 'platt', a: calibration.a, b: calibration.b },
      rows: { train: train.rows, validInner: valid.rows, test: test.rows },
      ...(selectionRecord ? { featureSelection: selectionRecord as unknown as JsonValue } : {}),
      gate: { ...gateSettings },
      // The gate as evaluated against parentVersion; `models promote` may reuse it only while that
      // version is still the champion.
      gateResult: { ...gate, ci: [...gate.ci] } as unknown as JsonValue,
    },
  };

  const renderFor = (version: number | undefined): string =>
    renderReport({
      title: `${options.name}: training report`,
      model: { name: options.name, kind: model.kind, version, trees, details: reportDetails(algorithm, options.runId, selection) },
      createdAt: (options.now ?? (() => new Date()))().toISOString(),
      data: {
        rows: data.dataset.rows,
        trainRows: train.rows,
        testRows: test.rows,
        positiveRate: dataReport.classBalance.rate,
        dataHash,
        features: [...model.featureNames],
      },
      evaluations: { candidate, baseline, ...(championEval ? { champion: championEval } : {}) },
      learningCurve: fit.learningCurve,
      gate,
      featureImportance: model.featureNames.map((f, j) => ({ feature: f, importance: fit.importance[j] ?? 0 })),
      ...(algorithm === 'lr' ? { importanceKind: '|standardised weight|' } : {}),
    });

  let version: number | undefined;
  let promoted = false;
  if (options.registry) {
    version = await options.registry.register(options.name, { onnx, manifest, reportHtml: renderFor });
    if (gate.promote) {
      await options.registry.promote(options.name, version, gate);
      promoted = true;
    } else {
      await options.registry.setAlias(options.name, 'challenger', version, `gate refused: ${gate.reasons.join('; ')}`);
    }
  }
  const reportHtml = renderFor(version);
  if (options.outDir) {
    const createdAt = (options.now ?? (() => new Date()))().toISOString();
    // Registered: the registry's own manifest. Unregistered: the same document as a one-model
    // registry would hold it (version 1), so --out is always a valid, self-describing artifact.
    const full: ModelManifest = version !== undefined && options.registry
      ? (await options.registry.get(options.name, version)).manifest
      : { ...manifest, name: options.name, version: 1, createdAt, onnxSha256: createHash('sha256').update(onnx).digest('hex') };
    await writeOutputs(options.outDir, { onnx, manifest: full, reportHtml, candidate, baseline, championEval, gate });
  }
  options.logger?.info({ name: options.name, version, promoted, auc: candidate.roc_auc }, 'training finished');
  return {
    manifest,
    onnx,
    reportHtml,
    candidate,
    baseline,
    ...(championEval ? { champion: championEval } : {}),
    validation,
    algorithm,
    ...(selectionRecord ? { featureSelection: selectionRecord } : {}),
    gate,
    parityMaxAbsDiff,
    trainSeconds,
    ...(version !== undefined ? { version } : {}),
    promoted,
  };
}

/** GBDT with --search: the search runs on an inner split of the training rows; the holdout informs nothing. */
function searchIfAsked(train: Dataset, settings: CandidateSettings, options: TrainOptions, grouped: boolean, progress: Progress): CandidateSettings {
  if ((options.searchTrials ?? 0) === 0) return settings;
  if (settings.algorithm !== 'gbdt') throw new UsageError(`--search tunes the GBDT only; --algorithm ${settings.algorithm} trains its defaults`);
  const inner = splitDataset(train, { testFraction: 0.2, seed: options.seed + 1, grouped });
  const search = searchGbdt(
    inner.train,
    inner.test,
    { strategy: 'halving', trials: options.searchTrials!, seed: options.seed, baseOptions: { ...settings.gbdt, seed: options.seed } },
    (_t, done, planned) => progress('search', done, planned),
  );
  return { ...settings, gbdt: { ...search.bestOptions } };
}

/**
 * Feature selection on inner splits of the training rows (the holdout informs nothing): a subset must
 * stay within the margin on each of SELECTION_SPLITS splits, because one split's AP varies by more than
 * the margin.
 */
function selectFeatureSubset(train: Dataset, settings: CandidateSettings, options: TrainOptions, grouped: boolean, progress: Progress): FeatureSelectionResult {
  const [first, ...extraFolds] = Array.from({ length: SELECTION_SPLITS }, (_, i) => {
    const split = splitDataset(train, { testFraction: 0.2, seed: options.seed + 2 + i, grouped });
    return { train: split.train, valid: split.test };
  });
  return selectFeatures(first!.train, first!.valid, {
    fit: (tr, va) => fitOnSplit(tr, va, settings),
    mode: options.selectFeatures!,
    seed: options.seed,
    extraFolds,
    ...(options.selectionMargin !== undefined ? { margin: options.selectionMargin } : {}),
    progress: (stage, done, total) => progress(`select ${stage}`, done, total),
  });
}

const SELECTION_SPLITS = 3;

function selectionSummary(r: FeatureSelectionResult): FeatureSelectionSummary {
  return {
    mode: r.mode,
    margin: r.margin,
    kept: [...r.kept],
    dropped: [...r.dropped],
    referenceAp: r.reference.ap,
    finalAp: r.final.ap,
    refits: r.steps.length,
  };
}

function reportDetails(algorithm: Algorithm, runId: string | undefined, selection: FeatureSelectionResult | undefined): [string, string][] {
  const rows: [string, string][] = [['Algorithm', ALGORITHM_NAMES[algorithm]]];
  if (runId) rows.push(['Run', runId]);
  if (selection) {
    rows.push([
      'Feature selection',
      `${selection.mode === 'auto' ? 'auto' : `top ${selection.mode}`}: kept ${selection.kept.length}, dropped ${selection.dropped.length} (${selection.dropped.join(', ') || 'none'}); ` +
        `validation AP ${selection.reference.ap.toFixed(4)} -> ${selection.final.ap.toFixed(4)} (margin ${selection.margin})`,
    ]);
  }
  return rows;
}

function pick(values: Int32Array, index: Uint32Array): Int32Array {
  const out = new Int32Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = values[index[i]!]!;
  return out;
}

/** The manifest's headline metrics; undefined ones (e.g. AUC on a one-class holdout) are left out. */
function headline(e: Evaluation): Record<string, number> {
  const out: Record<string, number> = {};
  const metrics = {
    roc_auc: e.roc_auc,
    average_precision: e.average_precision,
    logloss: e.logloss,
    ece: e.ece,
    brier: e.brier,
    card_precision_at_100: e.card_precision_at_100,
  };
  for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

/** Scores the holdout with the current champion's ONNX model, on the champion's own feature list. */
async function championScores(
  registry: ModelRegistry,
  name: string,
  test: Dataset,
): Promise<{ scores: Float32Array; version: number; thresholds: DecisionThresholds } | undefined> {
  const aliases = await registry.aliases(name);
  if (aliases.champion === undefined) return undefined;
  const entry = await registry.get(name, 'champion');
  const missing = entry.manifest.featureNames.filter((f) => !test.featureNames.includes(f));
  if (missing.length > 0) throw new ModelError(name, `champion v${entry.version} uses features this data lacks (${missing.join(', ')}); retrain both on one feature set`);
  const championTest = selectColumns(test, entry.manifest.featureNames);
  const scores = await scoreOnce(await registry.readOnnx(entry), entry.manifest.featureNames, championTest.x, championTest.rows);
  return { scores, version: entry.version, thresholds: entry.manifest.thresholds };
}

async function writeOutputs(
  dir: string,
  o: {
    onnx: Uint8Array;
    manifest: ModelManifest;
    reportHtml: string;
    candidate: Evaluation;
    baseline: Evaluation;
    championEval: Evaluation | undefined;
    gate: GateResult;
  },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.onnx'), o.onnx);
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(o.manifest, null, 2)}\n`);
  await writeFile(join(dir, 'report.html'), o.reportHtml);
  await writeFile(
    join(dir, 'metrics.json'),
    `${JSON.stringify({ candidate: o.candidate, baseline: o.baseline, champion: o.championEval ?? null, gate: o.gate }, null, 2)}\n`,
  );
}

