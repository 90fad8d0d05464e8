import type { EnrichedTransaction, ScoredTransaction, TransactionLabel } from '../topic-records.ts';

/**
 * Topic records -> rows of the offline tables, in the column order of offline-layout.ts. The archiver
 * and the batch import both go through these, so a streamed and an imported row cannot differ in shape.
 */

export type CellValue = string | number | boolean | bigint | null;
export type OfflineRow = readonly CellValue[];

/** Where a row came from; null for imported rows. */
export interface RowSource {
  readonly partition: number;
  readonly offset: bigint;
}

function source(s: RowSource | null): [CellValue, CellValue] {
  return s === null ? [null, null] : [s.partition, s.offset];
}

/** NaN marks a missing feature on the topic; Parquet gets NULL so SQL aggregates skip it. */
function feature(v: number | undefined): number | null {
  return v === undefined || Number.isNaN(v) ? null : v;
}

/**
 * Feature columns of a file: `known` first (the current feature set, so files share a layout), then any
 * other name the records carry, sorted. A record without a known feature gets NULL there.
 */
export function featureColumnsFor(records: Iterable<EnrichedTransaction>, known: readonly string[]): string[] {
  const knownSet = new Set(known);
  const extra = new Set<string>();
  for (const r of records) for (const name of Object.keys(r.features)) if (!knownSet.has(name)) extra.add(name);
  return [...known, ...[...extra].sort()];
}

export function transactionRow(r: EnrichedTransaction, featureNames: readonly string[], s: RowSource | null): OfflineRow {
  const row: CellValue[] = [
    r.transaction_id,
    r.card_token,
    r.terminal_id,
    r.amount,
    r.currency,
    r.channel,
    r.event_time,
    r.ingest_time,
    r.feature_set,
    ...source(s),
  ];
  for (const name of featureNames) row.push(feature(r.features[name]));
  return row;
}

export function labelRow(r: TransactionLabel, s: RowSource | null): OfflineRow {
  return [r.transaction_id, r.terminal_id, r.event_time, r.is_fraud, r.labelled_at, ...source(s)];
}

export function scoreRow(r: ScoredTransaction, s: RowSource | null): OfflineRow {
  return [
    r.transaction_id,
    r.event_time,
    r.card_token,
    r.terminal_id,
    r.amount,
    r.score,
    r.decision,
    r.model_name,
    r.model_version,
    JSON.stringify(r.reasons.map((x) => ({ feature: x.feature, contribution: x.contribution }))),
    r.latency_ms,
    r.challenger_score,
    r.challenger_version,
    ...source(s),
  ];
}
