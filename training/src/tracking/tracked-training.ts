/**
 * trainModel as a tracked run: the run is saved as `running` before training starts (so a crash leaves a
 * trace), then again with its metrics, artifacts and outcome, or as `failed` with the error. The model's
 * files (model.onnx, manifest.json, metrics.json, report.html) are written to the run's own artifact
 * directory whether or not the model is registered.
 */
import { join } from 'node:path';
import { DEFAULT_LOGISTIC_REGRESSION_OPTIONS } from '../models/logistic-regression.ts';
import { resolveGbdtOptions } from '../models/gbdt-options.ts';
import { resolveRandomForestOptions } from '../models/random-forest-options.ts';
import { DEFAULT_GATE, trainModel, type TrainingData, type TrainOptions, type TrainOutcome } from '../pipeline/train-model.ts';
import type { JsonValue } from '@riskstream/shared/model';
import { codeVersionField } from './code-version.ts';
import type { RunStore } from './run-store.ts';
import { flattenParams, newRunId, type RunData, type RunKind, type RunOutcome, type TrackedRun } from './tracked-run.ts';

export const MODEL_ARTIFACTS = ['model.onnx', 'manifest.json', 'metrics.json', 'report.html'] as const;

export interface RunContext {
  readonly store: RunStore;
  readonly kind: RunKind;
  readonly parentId?: string;
  /** A run id chosen beforehand (children recorded before this run, e.g. algorithm selection). */
  readonly id?: string;
  /** Recorded beside the training parameters (a sweep trial's configuration). */
  readonly extraParams?: Readonly<Record<string, JsonValue>>;
}

/** What a run record needs of an outcome (a thread's outcome comes without the model bytes and report). */
export type RecordedOutcome = Omit<TrainOutcome, 'onnx' | 'reportHtml'>;

export interface TrackedOutcome {
  readonly outcome: TrainOutcome;
  readonly run: TrackedRun;
}

export async function trainTracked(data: TrainingData, options: TrainOptions, ctx: RunContext): Promise<TrackedOutcome> {
  const started = await beginRun(data, options, ctx);
  let outcome: TrainOutcome;
  try {
    outcome = await trainModel(data, { ...options, outDir: ctx.store.artifactDir(started.id), runId: started.id });
  } catch (err) {
    await failRun(ctx.store, started, err);
    throw err;
  }
  return { outcome, run: await endRun(ctx.store, started, outcome, options.registry !== undefined) };
}

/** Saves the run as running, before anything trains: a crash leaves a trace. */
export async function beginRun(data: TrainingData, options: TrainOptions, ctx: RunContext): Promise<TrackedRun> {
  const run: TrackedRun = {
    id: ctx.id ?? newRunId(),
    ...(ctx.parentId ? { parentId: ctx.parentId } : {}),
    model: options.name,
    kind: ctx.kind,
    status: 'running',
    startedAt: new Date().toISOString(),
    params: { ...runParams(options), ...ctx.extraParams },
    data: runData(data),
    metrics: {},
    artifacts: {},
    ...codeVersionField(),
  };
  await ctx.store.save(run);
  return run;
}

/** Saves the finished run: metrics, the artifacts written to its directory, and what became of the model. */
export async function endRun(store: RunStore, started: TrackedRun, outcome: RecordedOutcome, registering: boolean): Promise<TrackedRun> {
  const outDir = store.artifactDir(started.id);
  const run: TrackedRun = {
    ...started,
    status: 'finished',
    endedAt: new Date().toISOString(),
    params: { ...started.params, ...searchedParams(outcome) },
    data: { ...started.data!, hash: outcome.manifest.dataHash },
    metrics: runMetrics(outcome),
    artifacts: Object.fromEntries(MODEL_ARTIFACTS.map((f) => [f, join(outDir, f)])),
    outcome: runOutcome(outcome, registering),
  };
  await store.save(run);
  return run;
}

export async function failRun(store: RunStore, started: TrackedRun, err: unknown): Promise<TrackedRun> {
  const message = err instanceof Error ? err.message : String(err);
  const run: TrackedRun = { ...started, status: 'failed', endedAt: new Date().toISOString(), error: message, outcome: { status: 'failed', reasons: [message] } };
  await store.save(run);
  return run;
}

/** Every parameter that shaped the model, defaults included, as dotted keys. */
export function runParams(options: TrainOptions): Record<string, JsonValue> {
  const algorithm = options.algorithm ?? 'gbdt';
  const learner =
    algorithm === 'gbdt'
      ? { gbdt: resolveGbdtOptions({ ...options.gbdt, seed: options.seed }) }
      : algorithm === 'rf'
        ? { rf: resolveRandomForestOptions({ ...options.rf, seed: options.seed }) }
        : { lr: DEFAULT_LOGISTIC_REGRESSION_OPTIONS };
  return flattenParams({
    algorithm,
    seed: options.seed,
    searchTrials: options.searchTrials ?? 0,
    validFraction: options.validFraction ?? 0.2,
    refitRoundsFactor: options.refitRoundsFactor ?? 1,
    selectFeatures: options.selectFeatures ?? 'off',
    ...(options.selectFeatures !== undefined ? { selectionMargin: options.selectionMargin ?? 0.005 } : {}),
    gate: { ...(options.gate ?? DEFAULT_GATE) },
    ...learner,
  });
}

/** With --search the GBDT options that trained are the search's choice, not the ones asked for. */
function searchedParams(o: RecordedOutcome): Record<string, JsonValue> {
  const gbdt = (o.manifest.trainingConfig as { gbdt?: Record<string, unknown> }).gbdt;
  return gbdt ? flattenParams({ gbdt }) : {};
}

function runData(data: TrainingData): RunData {
  return {
    source: data.source,
    rows: data.dataset.rows,
    trainRows: data.trainIndex.length,
    testRows: data.testIndex.length,
    ...(data.timeRange ? { timeRange: data.timeRange } : {}),
  };
}

export function runMetrics(o: RecordedOutcome): Record<string, number> {
  return finiteMetrics({
    ...headlineMetrics('', o.candidate),
    valid_ap: o.validation.average_precision,
    valid_auc: o.validation.roc_auc,
    ...headlineMetrics('baseline_', o.baseline),
    ...(o.champion ? headlineMetrics('champion_', o.champion) : {}),
    train_seconds: o.trainSeconds,
    parity_max_abs_diff: o.parityMaxAbsDiff,
    features: o.manifest.featureNames.length,
  });
}

type HeadlineKey = 'average_precision' | 'roc_auc' | 'logloss' | 'ece' | 'brier' | 'card_precision_at_100';

/**
 * An evaluation's headline (an Evaluation, or the manifest's headline record) under the run metric names:
 * ap and auc with the prefix; the candidate's (no prefix) also logloss, ece, brier and cp_at_100.
 */
export function headlineMetrics(prefix: string, e: Readonly<Partial<Record<HeadlineKey, number | null>>>): Record<string, number | null | undefined> {
  const out: Record<string, number | null | undefined> = { [`${prefix}ap`]: e.average_precision, [`${prefix}auc`]: e.roc_auc };
  if (prefix === '') Object.assign(out, { logloss: e.logloss, ece: e.ece, brier: e.brier, cp_at_100: e.card_precision_at_100 });
  return out;
}

/** Only the finite numbers: a run keeps no NaN (e.g. AUC of a one-class holdout) and no absent metric. */
export function finiteMetrics(metrics: Readonly<Record<string, number | null | undefined>>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

function runOutcome(o: RecordedOutcome, registering: boolean): RunOutcome {
  if (!registering || o.version === undefined) return { status: 'not-registered', reasons: [] };
  return { status: o.promoted ? 'promoted' : 'rejected', version: o.version, reasons: [...o.gate.reasons] };
}
