/**
 * The CPU-heavy part of a retrain: train a challenger with the training job's own code (trainModel: same
 * learner, calibration, thresholds, ONNX export and parity check as `riskstream train`), then score the
 * champion and the exported challenger on the SAME holdout rows and run the promotion gate on the pair.
 *
 * trainModel is called without a registry on purpose: with one it would promote on its own, and the worker
 * has to decide when (after a shadow period, or not at all if the champion changed meanwhile). So the
 * champion comparison that trainModel would do is done here, with the champion scored on its OWN feature
 * list (it may differ from the challenger's), and the manifest gets what trainModel would have recorded:
 * parentVersion, the champion's holdout metrics and the gate result against it.
 *
 * Runs inside a worker thread (training-thread.ts) so the consumer keeps heartbeating; everything here is
 * plain data in and out (structured-clone friendly).
 */
import { ModelError } from '@riskstream/shared';
import type { DecisionThresholds, JsonValue } from '@riskstream/shared/model';
import { takeRows } from '../data/dataset.ts';
import { onnxLoads, scoreOnce } from '../export/onnx-session.ts';
import { trainModel, type GateSettings, type Progress, type TrainingData } from '../pipeline/train-model.ts';
import type { ManifestDraft } from '../registry/model-registry.ts';
import { evaluateGate, type GateResult } from '../registry/promotion-gate.ts';
import { valueGateInput } from '../registry/value-gate.ts';
import { compareEvaluations, evaluateScores, type Evaluation } from '../report/evaluation.ts';
import { escapeHtml } from '../report/html-escape.ts';
import { gateReasons } from './decision-reasons.ts';

export interface ChampionInput {
  readonly version: number;
  readonly onnx: Uint8Array;
  readonly featureNames: readonly string[];
  readonly thresholds: DecisionThresholds;
  /** Row-major holdout matrix over featureNames, rows in data.testIndex order. */
  readonly holdoutX: Float32Array;
}

export interface ChallengerJobInput {
  readonly name: string;
  readonly data: TrainingData;
  readonly seed: number;
  readonly searchTrials: number;
  readonly gate: GateSettings;
  readonly champion?: ChampionInput;
  /** Recorded as trainingConfig.retrain (the request that caused this model; idempotency looks for it). */
  readonly retrain: JsonValue;
}

export interface ChallengerJobResult {
  readonly manifest: ManifestDraft;
  readonly onnx: Uint8Array;
  readonly reportHtml: string;
  readonly gate: GateResult;
  /** Readable gate verdict, headline first. */
  readonly reasons: readonly string[];
  readonly challenger: Readonly<Record<string, number>>;
  readonly champion?: Readonly<Record<string, number>>;
  readonly trainSeconds: number;
}

export async function runChallengerJob(input: ChallengerJobInput, progress: Progress = () => undefined): Promise<ChallengerJobResult> {
  const { data, champion } = input;
  const outcome = await trainModel(data, { name: input.name, seed: input.seed, searchTrials: input.searchTrials, gate: input.gate, progress });
  const featureNames = outcome.manifest.featureNames;
  const holdout = takeRows(data.dataset, data.testIndex);
  const cards = data.cards ? { day: pick(data.cards.day, data.testIndex), card: pick(data.cards.card, data.testIndex) } : undefined;

  progress('compare', 0, 2);
  // The artifact that would serve is what gets judged: score the exported ONNX, not the in-memory trees.
  const loads = await onnxLoads(outcome.onnx, { featureNames, name: `${input.name} challenger` });
  const challengerScores = loads ? await scoreOnnx(outcome.onnx, featureNames, holdout.x, holdout.rows, `${input.name} challenger`) : new Float32Array(holdout.rows).fill(Number.NaN);
  let championScores: Float32Array | undefined;
  let championEval: Evaluation | undefined;
  if (champion) {
    championScores = await scoreOnnx(champion.onnx, champion.featureNames, champion.holdoutX, holdout.rows, `${input.name} v${champion.version} (champion)`);
    championEval = evaluateScores({ scores: championScores, labels: holdout.y, thresholds: champion.thresholds, ...(cards ? { cards } : {}) });
  }
  progress('compare', 1, 2);
  const gate = evaluateGate({
    challengerScores,
    championScores,
    labels: holdout.y,
    metric: input.gate.metric,
    margin: input.gate.margin,
    bootstrap: { iterations: input.gate.iterations, seed: input.seed, confidence: input.gate.confidence },
    onnxLoads: loads,
    value: input.gate.metric === 'value' ? valueGateInput(input.gate, data, outcome.manifest.thresholds, champion?.thresholds) : undefined,
  });
  progress('compare', 2, 2);

  const reasons = gateReasons(gate, input.gate, champion?.version);
  const draft = outcome.manifest;
  const baseConfig = (draft.trainingConfig ?? {}) as Record<string, JsonValue>;
  const manifest: ManifestDraft = {
    ...draft,
    metrics: {
      ...draft.metrics,
      ...(championEval ? { champion: headline(championEval), vs_champion: compareEvaluations(outcome.candidate, championEval) } : {}),
    },
    ...(champion ? { parentVersion: champion.version } : {}),
    trainingConfig: {
      ...baseConfig,
      // Replaces trainModel's gate (which, without a registry, compared with the no-skill baseline).
      gateResult: { ...gate, ci: [...gate.ci] } as unknown as JsonValue,
      retrain: input.retrain,
    },
  };
  return {
    manifest,
    onnx: outcome.onnx,
    reportHtml: withDecisionSection(outcome.reportHtml, reasons, gate, champion?.version),
    gate,
    reasons,
    challenger: headline(outcome.candidate),
    ...(championEval ? { champion: headline(championEval) } : {}),
    trainSeconds: outcome.trainSeconds,
  };
}

async function scoreOnnx(onnx: Uint8Array, featureNames: readonly string[], x: Float32Array, rows: number, name: string): Promise<Float32Array> {
  try {
    return await scoreOnce(onnx, featureNames, x, rows, name);
  } catch (err) {
    throw err instanceof ModelError ? err : new ModelError(name, `scoring the holdout failed: ${(err as Error).message}`, err);
  }
}

function pick(values: Int32Array, index: Uint32Array): Int32Array {
  const out = new Int32Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = values[index[i]!]!;
  return out;
}

/** Finite headline metrics only: the manifest refuses NaN (e.g. AUC of a one-class holdout). */
function headline(e: Evaluation): Record<string, number> {
  const out: Record<string, number> = {};
  const metrics = { roc_auc: e.roc_auc, average_precision: e.average_precision, logloss: e.logloss, ece: e.ece, brier: e.brier, card_precision_at_100: e.card_precision_at_100 };
  for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

/**
 * trainModel's report shows its gate against the no-skill baseline; the decision that counts is the one
 * against the champion, so it goes in front of the page's closing tag as its own section.
 */
function withDecisionSection(html: string, reasons: readonly string[], gate: GateResult, championVersion: number | undefined): string {
  const against = championVersion !== undefined ? `champion v${championVersion}` : 'the no-skill baseline (no champion yet)';
  const section =
    `<section><h2>Retrain decision</h2><p>Compared with ${escapeHtml(against)} on the same holdout rows; ` +
    `the promotion gate ${gate.promote ? 'passed' : 'refused the challenger'}. (The "Promotion gate" section above compares with the no-skill baseline.)</p>` +
    `<ul>${reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul></section>\n`;
  const at = html.lastIndexOf('</body>');
  return at < 0 ? html + section : html.slice(0, at) + section + html.slice(at);
}
