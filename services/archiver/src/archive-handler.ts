import {
  archivedOffsetsForDate,
  DependencyError,
  eventDateOf,
  featureColumnsFor,
  kafkaFileName,
  LABEL_COLUMNS,
  labelRow,
  SCORE_COLUMNS,
  scoreRow,
  transactionColumns,
  transactionRow,
  type BatchHandler,
  type EnrichedTransaction,
  type InputMessage,
  type OfflineColumn,
  type OfflineRow,
  type OfflineStoreWriter,
  type OfflineTableName,
} from '@riskstream/shared';
import type { ArchiveInput } from './archive-records.ts';
import type { ArchiverMetrics } from './archiver-metrics.ts';

/**
 * Archives each micro-batch to Parquet, exactly once per record although the runner delivers at least
 * once. Per (topic partition, event date) of the batch:
 *
 *   1. read the highest source offset already archived for that date from the file names on disk;
 *   2. drop the records at or below it (a redelivery after a crash, whatever its batch boundaries);
 *   3. write the rest as ONE file named <topic>+<partition>+<first>-<last>.parquet, first/last being the
 *      exact offsets of its rows, atomically (temp file, fsync, rename).
 *
 * Only when every file of the batch is published does the handler return and the runner commit. Reading the offsets per date from disk (not
 * from memory) keeps this right across crashes, rebalances and replicas, and costs one readdir per date
 * touched. See archivedOffsetsForDate for why per date is the right granularity.
 */

export interface ArchiveHandlerDeps {
  readonly writer: Pick<OfflineStoreWriter, 'root' | 'writeFile'>;
  readonly metrics: ArchiverMetrics;
  /** Feature columns every transactions file gets, in this order (the current feature set). */
  readonly knownFeatures: readonly string[];
}

type Message = InputMessage<ArchiveInput>;

/** Files of one batch written concurrently (one per event date). */
const DATES_AT_ONCE = 4;

function eventTime(v: ArchiveInput): number {
  return v.record.event_time;
}

function rowsFor(table: OfflineTableName, messages: readonly Message[], knownFeatures: readonly string[]): { columns: readonly OfflineColumn[]; rows: OfflineRow[] } {
  const source = (m: Message) => ({ partition: m.partition, offset: BigInt(m.offset) });
  switch (table) {
    case 'transactions': {
      const records = messages.map((m) => m.value.record as EnrichedTransaction);
      const features = featureColumnsFor(records, knownFeatures);
      return { columns: transactionColumns(features), rows: messages.map((m, i) => transactionRow(records[i]!, features, source(m))) };
    }
    case 'labels':
      return {
        columns: LABEL_COLUMNS,
        rows: messages.map((m) => {
          const v = m.value;
          if (v.table !== 'labels') throw new TypeError('label batch holds another record type');
          // A JSON label without labelled_at became known when it was published.
          return labelRow({ ...v.record, labelled_at: v.record.labelled_at ?? Number(m.timestamp) }, source(m));
        }),
      };
    case 'scores':
      return {
        columns: SCORE_COLUMNS,
        rows: messages.map((m) => {
          const v = m.value;
          if (v.table !== 'scores') throw new TypeError('score batch holds another record type');
          return scoreRow(v.record, source(m));
        }),
      };
  }
}

export function createArchiveHandler(deps: ArchiveHandlerDeps): BatchHandler<ArchiveInput> {
  const { writer, metrics } = deps;
  const latest = new Map<OfflineTableName, number>();

  // A disk that refuses (full, read-only) fails the write with a retriable DependencyError: the temporary
  // is removed, nothing is published, the runner retries without committing. Counted here, per table.
  const writeCounted: typeof writer.writeFile = async (table, ...rest) => {
    try {
      return await writer.writeFile(table, ...rest);
    } catch (err) {
      if (err instanceof DependencyError && err.dependency === 'offline-store') metrics.storageErrors.inc({ table });
      throw err;
    }
  };

  async function archivePartition(messages: readonly Message[]): Promise<void> {
    const { topicName, partition } = messages[0]!;
    const table = messages[0]!.value.table;
    const byDate = new Map<string, Message[]>();
    for (const m of messages) {
      const date = eventDateOf(eventTime(m.value));
      let list = byDate.get(date);
      if (!list) byDate.set(date, (list = []));
      list.push(m);
    }
    const archiveDate = async (date: string, all: readonly Message[]): Promise<void> => {
      const archived = (await archivedOffsetsForDate(writer.root, table, date)).get(topicName)?.get(partition) ?? -1n;
      const fresh = all.filter((m) => BigInt(m.offset) > archived);
      if (fresh.length < all.length) metrics.rowsSkipped.inc({ table }, all.length - fresh.length);
      if (fresh.length === 0) return;
      let first = BigInt(fresh[0]!.offset);
      let last = first;
      let newest = -Infinity;
      for (const m of fresh) {
        const o = BigInt(m.offset);
        if (o < first) first = o;
        if (o > last) last = o;
        newest = Math.max(newest, eventTime(m.value));
      }
      const { columns, rows } = rowsFor(table, fresh, deps.knownFeatures);
      const started = process.hrtime.bigint();
      const file = await writeCounted(table, date, kafkaFileName({ topic: topicName, partition, firstOffset: first, lastOffset: last }), columns, rows);
      metrics.writeDuration.observe({ table }, Number(process.hrtime.bigint() - started) / 1e9);
      metrics.rowsWritten.inc({ table }, file.rows);
      metrics.filesWritten.inc({ table });
      metrics.bytesWritten.inc({ table }, file.bytes);
      metrics.fileRows.observe({ table }, file.rows);
      if (newest > (latest.get(table) ?? -Infinity)) {
        latest.set(table, newest);
        metrics.latestEventTime.set({ table }, newest / 1000);
      }
    };
    // The dates of one batch are independent (each date's check reads only its own directory), so they
    // are written side by side: most of a small file's cost is waiting for its two fsyncs. Every write
    // settles before the handler returns, so a retry never races a write of the previous attempt.
    const dates = [...byDate.keys()].sort();
    for (let i = 0; i < dates.length; i += DATES_AT_ONCE) {
      const wave = dates.slice(i, i + DATES_AT_ONCE);
      const results = await Promise.allSettled(wave.map((d) => archiveDate(d, byDate.get(d)!)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  return async (messages, ctx) => {
    // The runner hands over one topic partition per call; grouping keeps the handler right if it ever
    // batches more, and keeps each group in offset order.
    const groups = new Map<string, Message[]>();
    for (const m of messages) {
      const key = `${m.topicName}\u0000${m.partition}`;
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(m);
    }
    for (const group of groups.values()) {
      await archivePartition(group);
      // Keep-alive only. A heartbeat refused because the group moved on (the member lost its partitions
      // while a write waited for a full disk) is not about these records: thrown from here it made the
      // runner dead-letter every record of the batch, one by one, although they were archived. The
      // runner's commit finds out about the rebalance; the new owner's redelivery is skipped by offset.
      await ctx.heartbeat().catch(() => undefined);
    }
    return { outputs: [] };
  };
}
