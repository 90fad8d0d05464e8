import type { KafkaMessage } from 'kafkajs';
import type { BatchHandler } from './runner/runner-types.ts';

/**
 * Two topologies run the same stages (README: topologies):
 *  - split: ingest, features and scoring are separate consumer groups, one Kafka transaction per hop;
 *  - fused: one process chains the three handlers in memory and commits valid, enriched, scored and DLQ
 *    records with the raw offsets in ONE transaction.
 * They may run side by side on one namespace and never process the same record: a fused member joins
 * ingest's consumer group on transactions.raw.v1, so each raw partition has one owner of either kind,
 * and every valid and enriched record a fused member writes carries FUSED_HEADER, which the split
 * features and scoring stages skip (those records were enriched and scored in the same transaction).
 */
export const TOPOLOGIES = ['fused', 'split'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export const FUSED_HEADER = 'riskstream.topology';
export const FUSED_HEADER_VALUE = 'fused';

export function isFusedOutput(headers: KafkaMessage['headers']): boolean {
  const h = headers?.[FUSED_HEADER];
  const value = Array.isArray(h) ? h[0] : h;
  return value !== undefined && value.toString() === FUSED_HEADER_VALUE;
}

/**
 * A split stage's handler, skipping the records a fused member already took through this stage. Their
 * offsets still commit with the micro-batch.
 */
export function withoutFusedRecords<T>(handler: BatchHandler<T>): BatchHandler<T> {
  return async (messages, ctx) => {
    const own = messages.filter((m) => !isFusedOutput(m.headers));
    return own.length === 0 ? { outputs: [] } : handler(own, ctx);
  };
}
