import { orderedStream, type BatchHandler, type InputMessage, type OutputRecord } from '@riskstream/shared';
import type { FeatureStore, StoreEvent } from '@riskstream/shared/feature-store';
import { amountToCents, computeFeatures, dayIndex, FEATURE_SET_VERSION, featureVectorToRecord, type BucketHistory } from '@riskstream/shared/features';
import type { EventTimeWatermarks } from './event-time-watermark.ts';
import type { FeaturesMetrics } from './features-metrics.ts';
import type { FeaturesInput, FraudLabel, ValidTransaction } from './input-records.ts';

export interface FeatureHandlerDeps {
  /** The Redis store in the service; unit tests pass an in-memory fake. */
  readonly store: Pick<FeatureStore, 'applyEvents' | 'applyLabels'>;
  readonly watermarks: EventTimeWatermarks;
  readonly metrics: FeaturesMetrics;
}

/**
 * transactions.valid -> transactions.enriched, and labels into the store. The runner calls the handler
 * per topic-partition micro-batch; each call is one store round trip. Nothing is emitted unless the
 * whole batch's store call succeeded, so a Redis failure (a retriable DependencyError thrown by the
 * store) leaves no half-enriched output and no commit behind: the runner retries the same batch.
 */
export function createFeatureHandler(deps: FeatureHandlerDeps): BatchHandler<FeaturesInput> {
  return async (messages) => {
    const transactions: InputMessage<ValidTransaction>[] = [];
    const labels: FraudLabel[] = [];
    for (const m of messages) {
      if (m.topic === 'transactionsLabels') labels.push(m.value as FraudLabel);
      else transactions.push(m as InputMessage<ValidTransaction>);
    }
    if (labels.length > 0) await recordLabels(deps, labels);
    return { outputs: transactions.length > 0 ? await enrich(deps, transactions) : [] };
  };
}

async function enrich(deps: FeatureHandlerDeps, messages: readonly InputMessage<ValidTransaction>[]): Promise<OutputRecord[]> {
  // Lateness per ordered stream (a partition, narrowed to the raw partition ingest read the record from:
  // shared/src/event-order.ts), in input order. A batch holds one partition but many sources.
  const byPartition = new Map<string, number[]>();
  messages.forEach((m, i) => {
    const key = orderedStream(m);
    let idx = byPartition.get(key);
    if (!idx) byPartition.set(key, (idx = []));
    idx.push(i);
  });
  const apply = new Array<boolean>(messages.length);
  const watermarks: [string, number][] = [];
  for (const [partition, idx] of byPartition) {
    const { late, watermark } = deps.watermarks.lateness(partition, idx.map((i) => messages[i]!.value.event_time));
    idx.forEach((i, k) => (apply[i] = !late[k]));
    watermarks.push([partition, watermark]);
  }

  const events: StoreEvent[] = messages.map((m, i) => ({
    transactionId: m.value.transaction_id,
    cardToken: m.value.card_token,
    terminalId: m.value.terminal_id,
    day: dayIndex(m.value.event_time),
    cents: amountToCents(m.value.amount),
    apply: apply[i]!,
  }));
  const pre = await deps.store.applyEvents(events);
  for (const [partition, watermark] of watermarks) deps.watermarks.advance(partition, watermark);

  let late = 0;
  let redelivered = 0;
  let degraded = 0;
  const outputs = messages.map((m, i): OutputRecord => {
    const tx = m.value;
    const state = pre[i]!;
    if (state.status === 'late') late++;
    else if (state.status === 'redelivered') redelivered++;
    if (state.degraded === true) degraded++;
    return enrichedRecord(tx, state.customer, state.terminal, state.degraded === true);
  });
  deps.metrics.events.inc({ kind: 'transaction' }, messages.length);
  if (late > 0) deps.metrics.lateEvents.inc(late);
  if (redelivered > 0) deps.metrics.redeliveredEvents.inc(redelivered);
  if (degraded > 0) deps.metrics.degradedEvents.inc(degraded);
  return outputs;
}

/**
 * The transactions.enriched.v1 record of a valid transaction, given its card's and terminal's history
 * before it (the decision API's fail-open policy passes empty histories: no history known).
 * `degraded`: the history is known to be incomplete (the store lost its state); the record then says so
 * (features_degraded, carried on to the scored record). Absent otherwise, which decodes as false.
 */
export function enrichedRecord(tx: ValidTransaction, customer: BucketHistory, terminal: BucketHistory | null, degraded = false): OutputRecord {
  const vector = computeFeatures({ eventTimeMs: tx.event_time, amount: tx.amount }, customer, terminal);
  return {
    topic: 'transactionsEnriched',
    key: tx.card_token,
    value: {
      transaction_id: tx.transaction_id,
      card_token: tx.card_token,
      terminal_id: tx.terminal_id,
      amount: tx.amount,
      currency: tx.currency,
      channel: tx.channel,
      event_time: tx.event_time,
      ingest_time: tx.ingest_time,
      feature_set: FEATURE_SET_VERSION,
      features: featureVectorToRecord(vector),
      ...(degraded ? { features_degraded: true } : {}),
    },
  };
}

async function recordLabels(deps: FeatureHandlerDeps, labels: readonly FraudLabel[]): Promise<void> {
  // Genuine labels change nothing (the transaction was counted when scored), and terminal-less ones have
  // no terminal features: only fraud labels with a terminal reach Redis.
  const frauds = labels
    .filter((l) => l.is_fraud && l.terminal_id !== null)
    .map((l) => ({ transactionId: l.transaction_id, terminalId: l.terminal_id!, day: dayIndex(l.event_time) }));
  const outcomes = await deps.store.applyLabels(frauds);
  deps.metrics.events.inc({ kind: 'label' }, labels.length);
  const duplicates = outcomes.filter((o) => o === 'duplicate').length;
  if (duplicates > 0) deps.metrics.duplicateLabels.inc(duplicates);
}
