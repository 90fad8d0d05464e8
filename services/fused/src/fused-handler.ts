import { FUSED_HEADER, FUSED_HEADER_VALUE, type BatchHandler, type HandlerContext, type InputMessage, type OutputRecord, type Rejection, type TopicKey, type TopicNames } from '@riskstream/shared';
import type { RawInput } from '@riskstream/ingest';
import type { FeaturesInput } from '@riskstream/features';
import type { EnrichedTransaction } from '@riskstream/scoring';

export interface FusedStages {
  readonly ingest: BatchHandler<RawInput>;
  readonly features: BatchHandler<FeaturesInput>;
  readonly validateValid: (topic: TopicKey, value: unknown) => FeaturesInput;
  readonly scoring: BatchHandler<EnrichedTransaction>;
}

/**
 * ingest -> features -> scoring on one micro-batch of raw records, chained in memory. Every
 * intermediate record is still an output (valid and enriched carry every record, so the drift monitor,
 * the archiver and replays see the same data) and goes out in the same transaction as the scored ones
 * and the raw offsets. Valid and enriched records carry FUSED_HEADER: split stages leave them alone.
 *
 * A record a later stage refuses is dead-lettered with the coordinates of the raw record it came from.
 */
export function createFusedHandler(stages: FusedStages, names: TopicNames): BatchHandler<RawInput> {
  return async (raw, ctx) => {
    const origin = originsById(raw);
    const ingested = await stages.ingest(raw, ctx);
    const valid = ingested.outputs.filter((o) => o.topic === 'transactionsValid');
    const enriched = await nextStage(stages.features, valid, origin, names, ctx, (v) => stages.validateValid('transactionsValid', v));
    const scored = await nextStage(stages.scoring, enriched.outputs, origin, names, ctx, (v) => v as EnrichedTransaction);
    return {
      outputs: [...ingested.outputs.map(markFused), ...enriched.outputs.map(markFused), ...scored.outputs],
      rejected: [...(ingested.rejected ?? []), ...enriched.rejected, ...scored.rejected],
    };
  };
}

type Origins = ReadonlyMap<string, InputMessage<RawInput>>;

/** Raw records by transaction id (the first sighting: ingest drops later ones as duplicates). */
function originsById(raw: readonly InputMessage<RawInput>[]): Origins {
  const byId = new Map<string, InputMessage<RawInput>>();
  for (const m of raw) {
    const id = (m.value as { transaction_id?: unknown }).transaction_id;
    if (typeof id === 'string' && !byId.has(id)) byId.set(id, m);
  }
  return byId;
}

async function nextStage<T>(
  handler: BatchHandler<T>,
  records: readonly OutputRecord[],
  origin: Origins,
  names: TopicNames,
  ctx: HandlerContext,
  validate: (value: unknown) => T,
): Promise<{ outputs: readonly OutputRecord[]; rejected: Rejection<RawInput>[] }> {
  if (records.length === 0) return { outputs: [], rejected: [] };
  const inputs = records.map((r) => asInput(r, origin, names, validate));
  const result = await handler(inputs, ctx);
  const rejected = (result.rejected ?? []).map((r) => ({ message: origin.get(idOf(r.message.value))!, error: r.error }));
  return { outputs: result.outputs, rejected };
}

/** An output of one stage as the next stage's input, placed where its raw record was read. */
function asInput<T>(record: OutputRecord, origin: Origins, names: TopicNames, validate: (value: unknown) => T): InputMessage<T> {
  const from = origin.get(idOf(record.value));
  if (!from) throw new Error(`fused: ${record.topic} record without its raw record`);
  return {
    topic: record.topic,
    topicName: names[record.topic],
    partition: from.partition,
    offset: from.offset,
    timestamp: from.timestamp,
    key: record.key === null ? null : Buffer.from(record.key),
    headers: record.headers ?? {},
    raw: from.raw,
    value: validate(record.value),
  };
}

function idOf(value: unknown): string {
  return String((value as { transaction_id?: unknown }).transaction_id);
}

function markFused(record: OutputRecord): OutputRecord {
  if (record.topic !== 'transactionsValid' && record.topic !== 'transactionsEnriched') return record;
  return { ...record, headers: { ...record.headers, [FUSED_HEADER]: FUSED_HEADER_VALUE } };
}
