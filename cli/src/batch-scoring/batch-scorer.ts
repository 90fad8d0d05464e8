/**
 * Scores rows with a registered model exactly as the scoring service does: the model is loaded with the
 * service's loadScoringModel (same checks, same onnxruntime settings) and every batch goes through its
 * scoreBatch, so scores, decisions (the manifest's thresholds) and top-3 reasons are the service's own.
 * Batch scoring only has no Kafka around it: the fields of an enriched record that scoring copies into
 * its output but never reads (card token, amount, times) are left empty.
 */
import { FEATURE_SET_VERSION } from '@riskstream/shared/features';
import type { ModelSource } from '@riskstream/shared/model';
import { loadScoringModel, scoreBatch, type Decision, type EnrichedTransaction, type Reason, type ScoringModel } from '@riskstream/scoring';
import { fetchModel, type ModelRef } from './model-ref.ts';

/** One row to score: its features by name (a missing name or NaN is a missing value). */
export interface ScoringInput {
  readonly features: Readonly<Record<string, number>>;
}

export interface RowScore {
  /** Index into the scored batch. */
  readonly index: number;
  readonly score: number;
  readonly decision: Decision;
  readonly reasons: readonly Reason[];
}

export interface BatchScores {
  /** In batch order, without the invalid rows. */
  readonly scored: readonly RowScore[];
  /** Rows the model scored outside [0, 1]; the service never publishes those either. */
  readonly invalid: readonly { readonly index: number; readonly problem: string }[];
}

/** Rows per onnxruntime call: large enough to amortise the call, small enough to stream. */
export const SCORING_BATCH = 1024;

export class BatchScorer {
  readonly model: ScoringModel;

  constructor(model: ScoringModel) {
    this.model = model;
  }

  static async load(source: ModelSource, ref: ModelRef): Promise<BatchScorer> {
    return new BatchScorer(await loadScoringModel(await fetchModel(source, ref)));
  }

  get featureNames(): readonly string[] {
    return this.model.featureNames;
  }

  async score(inputs: readonly ScoringInput[]): Promise<BatchScores> {
    const result = await scoreBatch({ champion: this.model }, inputs.map(enriched), { now: () => 0 });
    const scored = result.scored.map((s) => ({ index: Number(s.transaction_id), score: s.score, decision: s.decision, reasons: s.reasons }));
    return { scored, invalid: result.invalid.map((r) => ({ index: r.index, problem: r.error.message })) };
  }

  release(): Promise<void> {
    return this.model.release();
  }
}

/** scoreBatch's input; it reads the features only. The id is the batch index, to match results back. */
function enriched(input: ScoringInput, i: number): EnrichedTransaction {
  return {
    transaction_id: String(i),
    card_token: '',
    terminal_id: null,
    amount: 0,
    currency: '',
    channel: null,
    event_time: 0,
    ingest_time: 0,
    feature_set: FEATURE_SET_VERSION,
    features: input.features,
  };
}
