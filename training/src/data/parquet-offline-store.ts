/**
 * OfflineStoreReader over the Parquet lake the archiver (and `riskstream offline import`) write, through
 * DuckDB. Layout, column names and file naming live in @riskstream/shared (offline-layout.ts); this
 * module only turns the shared columnar scans into the training batches.
 *
 * - Partition pruning: only the `event_date=` directories overlapping the range are listed, and only
 *   their files are handed to DuckDB; rows of those files outside the range are filtered in the scan.
 * - Batches are columnar, partition by partition in date order, each file in storage order.
 * - Transactions carry `features`: every column of the transactions files that is not a base column
 *   (one DOUBLE per feature, as served online; NaN where missing). Files written under an older feature
 *   set read fine: a feature they lack is NaN in their rows.
 * - The archiver writes each record once; a CSV import and an archive of the same transactions would
 *   both be read (dedupe by transaction_id if you mix them, as buildOfflineTrainingSet does).
 */

import {
  ConfigError,
  eventDateOf,
  isBaseColumn,
  listPartitions,
  LABEL_COLUMNS,
  OfflineStoreQuery,
  SCORE_COLUMNS,
  TRANSACTION_COLUMNS,
  type ColumnarBatch,
  type ColumnRequest,
  type OfflineColumn,
  type OfflineEngineOptions,
} from '@riskstream/shared';
import { checkRange, type LabelBatch, type OfflinePartition, type OfflineStoreReader, type OfflineTable, type TimeRange, type TransactionBatch } from './offline-store.ts';

/** transactions.scored.v1 as archived, columnar. */
export interface ScoreBatch {
  readonly length: number;
  readonly transaction_id: readonly string[];
  /** Epoch ms, UTC. */
  readonly event_time: Float64Array;
  readonly card_token: readonly string[];
  readonly terminal_id: readonly (string | null)[];
  readonly amount: Float64Array;
  /** Calibrated probability of fraud. */
  readonly score: Float64Array;
  readonly decision: readonly string[];
  readonly model_name: readonly string[];
  readonly model_version: Float64Array;
  /** JSON array of {feature, contribution} per row. */
  readonly reasons: readonly string[];
  readonly latency_ms: Float64Array;
  /** NaN when no challenger scored the row. */
  readonly challenger_score: Float64Array;
  /** NaN when no challenger scored the row. */
  readonly challenger_version: Float64Array;
}

export interface ParquetOfflineStoreOptions extends OfflineEngineOptions {
  /** Rows per yielded batch; default 8192. */
  readonly batchSize?: number;
}

/**
 * The columns each batch shape reads, by name; their kinds come from the layout's declared types
 * (offline-layout.ts), so the writer's and the reader's idea of a column cannot drift apart.
 */
function projection(columns: readonly OfflineColumn[], names: readonly string[]): readonly ColumnRequest[] {
  return names.map((name): ColumnRequest => {
    const c = columns.find((x) => x.name === name);
    if (!c) throw new Error(`offline layout has no column ${name}`);
    return { name, kind: c.type === 'VARCHAR' ? 'text' : c.type === 'BOOLEAN' ? 'flag' : 'number' };
  });
}

const TRANSACTION_REQUEST = projection(TRANSACTION_COLUMNS, ['transaction_id', 'event_time', 'card_token', 'terminal_id', 'amount', 'currency', 'channel']);
const LABEL_REQUEST = projection(LABEL_COLUMNS, ['transaction_id', 'terminal_id', 'event_time', 'is_fraud', 'labelled_at']);
const SCORE_REQUEST = projection(SCORE_COLUMNS, [
  'transaction_id', 'event_time', 'card_token', 'terminal_id', 'amount', 'score', 'decision',
  'model_name', 'model_version', 'reasons', 'latency_ms', 'challenger_score', 'challenger_version',
]);

const NUMERIC_TYPES = /^(DOUBLE|FLOAT|REAL|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|DECIMAL.*)$/;

type Text = readonly string[];
type NullableText = readonly (string | null)[];

export class ParquetOfflineStore implements OfflineStoreReader {
  readonly root: string;
  readonly batchSize: number;
  readonly #engineOptions: OfflineEngineOptions;
  #query: Promise<OfflineStoreQuery> | undefined;
  #closed = false;

  constructor(root: string, options: ParquetOfflineStoreOptions = {}) {
    const batchSize = options.batchSize ?? 8192;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new ConfigError([{ field: 'batchSize', problem: `must be an integer >= 1, got ${batchSize}` }]);
    this.root = root;
    this.batchSize = batchSize;
    this.#engineOptions = { ...(options.threads !== undefined ? { threads: options.threads } : {}), ...(options.memoryLimit !== undefined ? { memoryLimit: options.memoryLimit } : {}) };
  }

  /** DuckDB starts on the first read, so constructing a store is free and cannot fail on the engine. */
  #engine(): Promise<OfflineStoreQuery> {
    if (this.#closed) throw new ConfigError([{ field: 'store', problem: 'ParquetOfflineStore is closed' }]);
    this.#query ??= OfflineStoreQuery.open(this.#engineOptions);
    return this.#query;
  }

  async partitions(range: TimeRange, table: OfflineTable = 'transactions'): Promise<readonly OfflinePartition[]> {
    const { from, to } = checkRange(range);
    const parts = await listPartitions(this.root, table, { firstDate: eventDateOf(from), lastDate: eventDateOf(to - 1) });
    return parts.map((p) => ({ table, eventDate: p.eventDate, files: p.files }));
  }

  /** Feature columns present in the transactions files overlapping `range` (the union over files). */
  async featureNames(range: TimeRange): Promise<string[]> {
    const files = (await this.partitions(range, 'transactions')).flatMap((p) => p.files);
    return this.#featureColumns(files);
  }

  async #featureColumns(files: readonly string[]): Promise<string[]> {
    if (files.length === 0) return [];
    const columns = await (await this.#engine()).columns(files);
    return columns.filter((c) => !isBaseColumn('transactions', c.name) && NUMERIC_TYPES.test(c.type)).map((c) => c.name);
  }

  readTransactions(range: TimeRange): AsyncIterable<TransactionBatch> {
    checkRange(range);
    return this.#transactions(range);
  }

  readLabels(range: TimeRange): AsyncIterable<LabelBatch> {
    checkRange(range);
    return this.#scan(range, 'labels', LABEL_REQUEST, (b) => {
      const c = b.columns;
      return {
        length: b.length,
        transaction_id: c['transaction_id'] as Text,
        terminal_id: c['terminal_id'] as NullableText,
        event_time: c['event_time'] as Float64Array,
        is_fraud: c['is_fraud'] as Uint8Array,
        labelled_at: c['labelled_at'] as Float64Array,
      };
    });
  }

  /** Scores of transactions with event_time in `range` (what the model said, for monitoring back-tests). */
  readScores(range: TimeRange): AsyncIterable<ScoreBatch> {
    checkRange(range);
    return this.#scan(range, 'scores', SCORE_REQUEST, (b) => {
      const c = b.columns;
      return {
        length: b.length,
        transaction_id: c['transaction_id'] as Text,
        event_time: c['event_time'] as Float64Array,
        card_token: c['card_token'] as Text,
        terminal_id: c['terminal_id'] as NullableText,
        amount: c['amount'] as Float64Array,
        score: c['score'] as Float64Array,
        decision: c['decision'] as Text,
        model_name: c['model_name'] as Text,
        model_version: c['model_version'] as Float64Array,
        reasons: c['reasons'] as Text,
        latency_ms: c['latency_ms'] as Float64Array,
        challenger_score: c['challenger_score'] as Float64Array,
        challenger_version: c['challenger_version'] as Float64Array,
      };
    });
  }

  async #files(range: TimeRange, table: OfflineTable): Promise<string[]> {
    return (await this.partitions(range, table)).flatMap((p) => p.files);
  }

  async *#transactions(range: TimeRange): AsyncGenerator<TransactionBatch, void, undefined> {
    const { from, to } = checkRange(range);
    const files = await this.#files(range, 'transactions');
    if (files.length === 0) return;
    const features = await this.#featureColumns(files);
    const request = [...TRANSACTION_REQUEST, ...features.map((name): ColumnRequest => ({ name, kind: 'number' }))];
    for await (const b of (await this.#engine()).scan(files, request, { eventTimeFrom: from, eventTimeTo: to, batchSize: this.batchSize })) {
      const c = b.columns;
      const batch: TransactionBatch = {
        length: b.length,
        transaction_id: c['transaction_id'] as Text,
        event_time: c['event_time'] as Float64Array,
        card_token: c['card_token'] as Text,
        terminal_id: c['terminal_id'] as NullableText,
        amount: c['amount'] as Float64Array,
        currency: c['currency'] as Text,
        channel: c['channel'] as NullableText,
        ...(features.length > 0 ? { features: Object.fromEntries(features.map((f) => [f, c[f] as Float64Array])) } : {}),
      };
      yield batch;
    }
  }

  async *#scan<B>(range: TimeRange, table: OfflineTable, request: readonly ColumnRequest[], toBatch: (b: ColumnarBatch) => B): AsyncGenerator<B, void, undefined> {
    const { from, to } = checkRange(range);
    const files = await this.#files(range, table);
    if (files.length === 0) return;
    for await (const b of (await this.#engine()).scan(files, request, { eventTimeFrom: from, eventTimeTo: to, batchSize: this.batchSize })) yield toBatch(b);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const q = this.#query;
    this.#query = undefined;
    if (q) (await q).close();
  }
}
