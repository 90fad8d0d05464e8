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
}
