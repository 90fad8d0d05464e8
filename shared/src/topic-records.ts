/**
 * The TypeScript shape of each Avro topic value, as the codec decodes it: declared once, next to the
 * topic catalog, so a producing and a consuming service cannot drift apart. The .avsc files in
 * schemas/ stay the source of truth; test/shared/topics.test.ts round-trips fixtures through both.
 */

/** transactions.valid.v1 (schemas/transaction-valid.avsc): no clear card number. */
export interface ValidTransaction {
  readonly transaction_id: string;
  readonly card_token: string;
  readonly card_key_id: string;
  readonly card_bin: string;
  readonly card_last4: string;
  readonly customer_id: string | null;
  readonly terminal_id: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly channel: string | null;
  /** epoch ms */
  readonly event_time: number;
  /** epoch ms */
  readonly ingest_time: number;
}

/** transactions.enriched.v1 (schemas/transaction-enriched.avsc). */
export interface EnrichedTransaction {
  readonly transaction_id: string;
  readonly card_token: string;
  readonly terminal_id: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly channel: string | null;
  /** epoch ms */
  readonly event_time: number;
  /** epoch ms */
  readonly ingest_time: number;
  readonly feature_set: string;
  /** Feature name -> value; an absent name or NaN is a missing value. */
  readonly features: Readonly<Record<string, number>>;
  /** Absent (false) unless the feature store lost its state and this event's windows reach before it. */
  readonly features_degraded?: boolean;
}

/** transactions.scored.v1 (schemas/transaction-scored.avsc): what users consume. */
export interface ScoredTransaction {
  readonly transaction_id: string;
  /** epoch ms */
  readonly event_time: number;
  readonly card_token: string;
  readonly terminal_id: string | null;
  readonly amount: number;
  /** Calibrated probability of fraud in [0, 1]. */
  readonly score: number;
  readonly decision: 'APPROVE' | 'REVIEW' | 'DECLINE';
  readonly model_name: string;
  readonly model_version: number;
  readonly reasons: readonly { readonly feature: string; readonly contribution: number }[];
  readonly latency_ms: number;
  readonly challenger_score: number | null;
  readonly challenger_version: number | null;
  /** The live experiment and arm that decided (model_version is the arm's); absent or null outside one. */
  readonly experiment?: string | null;
  readonly experiment_arm?: string | null;
  /**
   * Absent (false) unless the features were not the full history: the decision API answered with
   * default features (fail-open), or the enriched record was features_degraded.
   */
  readonly features_degraded?: boolean;
}

/** transactions.labels.v1 (schemas/transaction-label.avsc): a delayed fraud label. */
export interface TransactionLabel {
  readonly transaction_id: string;
  readonly terminal_id: string | null;
  /** Event time of the labelled transaction, epoch ms. */
  readonly event_time: number;
  readonly is_fraud: boolean;
  /** epoch ms */
  readonly labelled_at: number;
}

export type RetrainAction = 'RETRAIN' | 'ROLLBACK';

/** models.retrain.v1 (schemas/retrain-requested.avsc): published by the alert receiver. */
export interface RetrainRequested {
  readonly event_id: string;
  readonly model_name: string;
  readonly model_version: number;
  readonly alert_name: string;
  readonly action: RetrainAction;
  /** 'grafana' | 'alertmanager' */
  readonly source: string;
  readonly fingerprint: string;
  /** epoch ms */
  readonly starts_at: number;
  /** epoch ms: the event-time range the evidence covers */
  readonly range_start: number;
  readonly range_end: number;
  readonly drifted_features: readonly string[];
  /** JSON: statistics and offsets behind the alert. */
  readonly evidence_json: string;
  /** epoch ms */
  readonly created_at: number;
}

export type LifecycleAction =
  | 'REGISTERED' | 'PROMOTED' | 'REJECTED' | 'ROLLED_BACK' | 'SHADOW_STARTED'
  | 'EXPERIMENT_STARTED' | 'ARM_WEIGHTS' | 'EXPERIMENT_STOPPED';

/** The lifecycle event's experiment (shared/src/model/experiment.ts has the spec and the conversions). */
export interface ExperimentRecord {
  readonly name: string;
  readonly mode: 'split' | 'bandit';
  readonly arms: readonly { readonly arm: string; readonly version: number }[];
  readonly weights: readonly number[];
  readonly max_share: number;
  readonly min_events: number;
  /** epoch ms */
  readonly started_at: number;
}

/** models.lifecycle.v1 (schemas/model-lifecycle.avsc): scoring hot-swaps on PROMOTED and ROLLED_BACK. */
export interface ModelLifecycleEvent {
  readonly event_id: string;
  readonly model_name: string;
  readonly action: LifecycleAction;
  readonly version: number;
  readonly previous_version: number | null;
  readonly onnx_sha256: string;
  readonly artifact_uri: string;
  readonly reasons: readonly string[];
  /** epoch ms */
  readonly at: number;
  /** The experiment as it is after an EXPERIMENT_* or ARM_WEIGHTS event; absent or null otherwise. */
  readonly experiment?: ExperimentRecord | null;
}
