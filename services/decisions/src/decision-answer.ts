import type { ScoredTransaction } from '@riskstream/shared';

/** What POST /v1/decisions answers (latency_ms is added when the answer is written). */
export interface DecisionAnswer {
  readonly transaction_id: string;
  readonly card_token: string;
  readonly card_last4: string;
  readonly score: number;
  readonly decision: ScoredTransaction['decision'];
  readonly reasons: ScoredTransaction['reasons'];
  readonly model_name: string;
  readonly model_version: number;
  readonly challenger_score: number | null;
  /** The live experiment and arm that decided (model_version is the arm's); null outside one. */
  readonly experiment: string | null;
  readonly experiment_arm: string | null;
  readonly features_degraded: boolean;
}

/** A decided transaction: its answer and the records that make it visible to the stream. */
export interface Decided {
  readonly answer: DecisionAnswer;
  /** The outbox envelope (outbox.ts) of its valid, enriched and scored records. */
  readonly envelope: string;
}

export function answerOf(scored: ScoredTransaction, cardLast4: string): DecisionAnswer {
  return {
    transaction_id: scored.transaction_id,
    card_token: scored.card_token,
    card_last4: cardLast4,
    score: scored.score,
    decision: scored.decision,
    reasons: scored.reasons,
    model_name: scored.model_name,
    model_version: scored.model_version,
    challenger_score: scored.challenger_score,
    experiment: scored.experiment ?? null,
    experiment_arm: scored.experiment_arm ?? null,
    features_degraded: scored.features_degraded ?? false,
  };
}
