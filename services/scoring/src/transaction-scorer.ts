/**
 * Scores a micro-batch of enriched transactions with one serving set: champion score, decision and
 * reasons, plus the challenger's shadow score. Pure apart from onnxruntime: no Kafka, no clock of its own,
 * so the benchmark and the tests call exactly what the service runs.
 */
import { ModelError } from '@riskstream/shared';
import { decide, type Decision } from './decision.ts';
import type { ScoringModel } from './scoring-model.ts';
import type { ServingSet } from './serving-models.ts';
import { topReasons, type Reason } from './tree-contributions.ts';

import type { EnrichedTransaction } from '@riskstream/shared';

export type { EnrichedTransaction };

/** transactions.scored.v1 (schemas/transaction-scored.avsc). */
export interface ScoredTransaction {
  readonly transaction_id: string;
  readonly event_time: number;
  readonly card_token: string;
  readonly terminal_id: string | null;
  readonly amount: number;
  readonly score: number;
  readonly decision: Decision;
  readonly model_name: string;
  readonly model_version: number;
  readonly reasons: readonly Reason[];
  readonly latency_ms: number;
  readonly challenger_score: number | null;
  readonly challenger_version: number | null;
}

export interface ScoreBatchResult {
  /** In input order, without the invalid ones. */
  readonly scored: ScoredTransaction[];
  /** Events whose score was not a probability; never published with a made-up decision. */
  readonly invalid: { readonly index: number; readonly error: ModelError }[];
}

export interface ScoreOptions {
  /** Wall clock (epoch ms) used for latency_ms; taken once per batch. */
  readonly now?: () => number;
  readonly reasons?: number;
  /**
   * 'all': every event gets reasons. 'flagged': only REVIEW and DECLINE do (APPROVE gets []), which skips
   * the tree walk for the ~99% of events nobody investigates; the walk costs about as much as inference.
   */
  readonly reasonsFor?: ReasonPolicy;
  /** The challenger failed; the champion result is still returned (shadow must never block serving). */
  readonly onChallengerError?: (err: unknown) => void;
}

export const TOP_REASONS = 3;

export const REASON_POLICIES = ['all', 'flagged'] as const;
export type ReasonPolicy = (typeof REASON_POLICIES)[number];

export interface FeatureMatrix {
  readonly rows: number;
  /** Row-major float32 (what the explainer walks). */
  readonly x: Float32Array;
  /** One float32 column per feature (what the per-feature ONNX inputs take). */
  readonly columns: Float32Array[];
}

/** Features in `featureNames` order; values are rounded to float32 exactly as onnxruntime will see them. */
export function featureMatrix(events: readonly EnrichedTransaction[], featureNames: readonly string[]): FeatureMatrix {
  const rows = events.length;
  const cols = featureNames.length;
  const x = new Float32Array(rows * cols);
  const columns = Array.from({ length: cols }, () => new Float32Array(rows));
  for (let i = 0; i < rows; i++) {
    const features = events[i]!.features;
    for (let j = 0; j < cols; j++) {
      const v = features[featureNames[j]!];
      const value = typeof v === 'number' ? v : NaN;
      x[i * cols + j] = value;
      columns[j]![i] = value;
    }
  }
  return { rows, x, columns };
}

function sameFeatures(a: ScoringModel, b: ScoringModel): boolean {
  return a.featureNames.length === b.featureNames.length && a.featureNames.every((n, i) => n === b.featureNames[i]);
}

function gatherRows(x: Float32Array, rows: readonly number[], cols: number): Float32Array {
  const out = new Float32Array(rows.length * cols);
  rows.forEach((r, k) => out.set(x.subarray(r * cols, (r + 1) * cols), k * cols));
  return out;
}

export async function scoreBatch(models: ServingSet, events: readonly EnrichedTransaction[], options: ScoreOptions = {}): Promise<ScoreBatchResult> {
  const champion = models.champion;
  const matrix = featureMatrix(events, champion.featureNames);
  // Champion first and alone: its failure fails the batch, the challenger's never does.
  const scores = await champion.score(matrix.columns, matrix.rows);
  let challengerScores: Float32Array | undefined;
  const challenger = models.challenger;
  if (challenger) {
    try {
      const m = sameFeatures(champion, challenger) ? matrix : featureMatrix(events, challenger.featureNames);
      challengerScores = await challenger.score(m.columns, m.rows);
    } catch (err) {
      options.onChallengerError?.(err);
    }
  }
  const now = (options.now ?? Date.now)();
  const k = options.reasons ?? TOP_REASONS;
  const flaggedOnly = options.reasonsFor === 'flagged';
  const cols = champion.featureNames.length;
  const rows = events.length;

  const decisions: (Decision | undefined)[] = new Array(rows);
  const invalid: { index: number; error: ModelError }[] = [];
  /** Row of the explanation matrix per event, -1 when the event gets no reasons. */
  const slot = new Int32Array(rows).fill(-1);
  const explained: number[] = [];
  for (let i = 0; i < rows; i++) {
    const score = scores[i]!;
    if (!(score >= 0 && score <= 1)) {
      invalid.push({ index: i, error: new ModelError(`${champion.name}@${champion.version}`, `scored ${score} for ${events[i]!.transaction_id}, not a probability`) });
      continue;
    }
    const decision = decide(score, champion.thresholds);
    decisions[i] = decision;
    if (flaggedOnly && decision === 'APPROVE') continue;
    slot[i] = explained.length;
    explained.push(i);
  }
  // One tree-major walk for the whole batch (see tree-contributions.ts); only the rows that need reasons.
  const n = explained.length;
  const x = n === rows ? matrix.x : gatherRows(matrix.x, explained, cols);
  const contributions = new Float64Array(n * cols);
  champion.explainer.explain(x, n, contributions, new Float64Array(n));

  const scored: ScoredTransaction[] = [];
  for (let i = 0; i < rows; i++) {
    const decision = decisions[i];
    if (decision === undefined) continue;
    const e = events[i]!;
    const shadow = challengerScores?.[i];
    const shadowOk = shadow !== undefined && shadow >= 0 && shadow <= 1;
    scored.push({
      transaction_id: e.transaction_id,
      event_time: e.event_time,
      card_token: e.card_token,
      terminal_id: e.terminal_id ?? null,
      amount: e.amount,
      score: scores[i]!,
      decision,
      model_name: champion.name,
      model_version: champion.version,
      reasons: slot[i]! < 0 ? [] : topReasons(champion.featureNames, contributions, k, slot[i]! * cols),
      latency_ms: now - e.ingest_time,
      challenger_score: shadowOk ? shadow : null,
      challenger_version: shadowOk ? challenger!.version : null,
    });
  }
  return { scored, invalid };
}
