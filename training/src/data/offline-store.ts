/**
 * The offline store: the history of transactions and labels that training (and backfills) read, laid out
 * like the Parquet lake the monitoring work will write, i.e. Hive-style partitions by the UTC date of the
 * TRANSACTION's event time:
 *     <root>/transactions/event_date=YYYY-MM-DD/<file>
 *     <root>/labels/event_date=YYYY-MM-DD/<file>      (a label sits in its transaction's date partition)
 * OfflineStoreReader is the contract; JsonlOfflineStore implements it over JSON-lines files so the
 * contract is exercised without a database; ParquetOfflineStore (parquet-offline-store.ts) implements it
 * over the Parquet lake the archiver writes (layout in @riskstream/shared, offline-layout.ts).
 *
 * Contract:
 * - A range is half-open on event time, [from, to). Readers open only the partitions whose date overlaps
 *   it (partition pruning) and drop rows of those partitions that fall outside it.
 * - Batches are columnar (the shape DuckDB and Arrow hand out) and come partition by partition in date
 *   order; within a partition, rows keep storage order. Callers that need event-time order sort.
 * - Field names and units are those of the Avro topics (transactions.valid.v1 with the card token,
 *   transactions.labels.v1): times are epoch milliseconds UTC, amounts in currency units.
 *
 * Labels are point-in-time: the training job picks a cutoff (the moment it pretends to be trained at)
 * and a label counts only if `labelled_at <= cutoff`. Otherwise the model would learn from frauds that
 * were reported after the cutoff, which is leakage that no offline metric would reveal. See
 * labelsKnownAt / joinLabels.
 */

import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError, ValidationError } from '@riskstream/shared';

/** Half-open event-time range [from, to). */
export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
}

export interface TransactionBatch {
  readonly length: number;
  readonly transaction_id: readonly string[];
  /** Epoch ms, UTC. */
  readonly event_time: Float64Array;
  readonly card_token: readonly string[];
  readonly terminal_id: readonly (string | null)[];
  /** Currency units. */
  readonly amount: Float64Array;
  /** ISO 4217 code. */
  readonly currency: readonly string[];
  /** pos, ecom or atm; null when unknown. */
  readonly channel: readonly (string | null)[];
  /**
   * The point-in-time features AS SERVED (archived from transactions.enriched.v1), one column per feature
   * name; NaN where a row has no value for that name. Absent when no row of the batch carries features
   * (data archived before features were recorded).
   */
  readonly features?: Readonly<Record<string, Float64Array>>;
}

export interface LabelBatch {
  readonly length: number;
  readonly transaction_id: readonly string[];
  readonly terminal_id: readonly (string | null)[];
  /** Event time of the labelled transaction (epoch ms, UTC): what the partitioning is by. */
  readonly event_time: Float64Array;
  /** 1 = fraud, 0 = genuine. */
  readonly is_fraud: Uint8Array;
  /** When the label became known (epoch ms, UTC). */
  readonly labelled_at: Float64Array;
}

/** 'scores' (transactions.scored.v1) is archived too; readers that do not hold it return no partitions. */
export type OfflineTable = 'transactions' | 'labels' | 'scores';

export interface OfflinePartition {
  readonly table: OfflineTable;
  /** UTC date of the event times in the partition, YYYY-MM-DD. */
  readonly eventDate: string;
  /** Data files of the partition, in read order (implementation-specific locations). */
  readonly files: readonly string[];
}

export interface OfflineStoreReader {
  /** Existing partitions of `table` (default transactions) that overlap `range`, in date order. */
  partitions(range: TimeRange, table?: OfflineTable): Promise<readonly OfflinePartition[]>;
  /** Transactions with event_time in `range`. */
  readTransactions(range: TimeRange): AsyncIterable<TransactionBatch>;
  /** Labels of transactions with event_time in `range`, whenever they were labelled (filter with labelsKnownAt). */
  readLabels(range: TimeRange): AsyncIterable<LabelBatch>;
  /** Releases connections or handles (a DuckDB database); a no-op for file readers. */
  close(): Promise<void>;
}

/** joinLabels' value for a transaction whose label is not known at the cutoff. */
export const LABEL_UNKNOWN = -1;

/**
 * The label of each transaction as known at `cutoff`: only labels with labelled_at <= cutoff count; when
 * several do (a correction), the latest labelled_at wins, and on a tie fraud wins, so the answer does
 * not depend on read order.
 */
export async function labelsKnownAt(labels: AsyncIterable<LabelBatch> | Iterable<LabelBatch>, cutoff: Date): Promise<Map<string, 0 | 1>> {
  const cut = cutoff.getTime();
  if (Number.isNaN(cut)) throw new ValidationError('TIME_RANGE_INVALID', [{ path: 'cutoff', problem: 'is not a valid date' }]);
  const best = new Map<string, { at: number; fraud: 0 | 1 }>();
  for await (const b of labels) {
    for (let i = 0; i < b.length; i++) {
      const at = b.labelled_at[i]!;
      if (!(at <= cut)) continue;
      const id = b.transaction_id[i]!;
      const fraud = b.is_fraud[i] === 1 ? 1 : 0;
      const prev = best.get(id);
      if (!prev || at > prev.at || (at === prev.at && fraud > prev.fraud)) best.set(id, { at, fraud });
    }
  }
  const out = new Map<string, 0 | 1>();
  for (const [id, v] of best) out.set(id, v.fraud);
  return out;
}

/**
 * Per transaction of the batch: 1 (fraud), 0 (genuine) or LABEL_UNKNOWN (no label known at the cutoff
 * used to build `known`). What to do with unknown rows is the caller's choice: the Fraud Detection
 * Handbook counts them as genuine (most transactions are never labelled), a stricter job drops the days
 * whose labels are not yet mature.
 */
export function joinLabels(transactions: TransactionBatch, known: ReadonlyMap<string, 0 | 1>): Int8Array {
  const out = new Int8Array(transactions.length);
  for (let i = 0; i < transactions.length; i++) out[i] = known.get(transactions.transaction_id[i]!) ?? LABEL_UNKNOWN;
  return out;
}

const DAY_MS = 86_400_000;
const PARTITION_DIR = /^event_date=(\d{4}-\d{2}-\d{2})$/;

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Validates a range and returns it as epoch ms; every reader checks at the call site. */
export function checkRange(range: TimeRange): { from: number; to: number } {
  const from = range.from.getTime();
  const to = range.to.getTime();
  if (Number.isNaN(from) || Number.isNaN(to) || !(from < to)) {
    throw new ValidationError('TIME_RANGE_INVALID', [{ path: 'range', problem: `must be valid dates with from < to, got ${String(range.from)} .. ${String(range.to)}` }]);
  }
  return { from, to };
}

export interface JsonlOfflineStoreOptions {
  /** Rows per yielded batch; default 8192. */
  batchSize?: number;
}

type Obj = Record<string, unknown>;
type Fail = (problem: string) => never;

function str(o: Obj, key: string, fail: Fail): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail(`${key} must be a non-empty string`);
  return v as string;
}

function optStr(o: Obj, key: string, fail: Fail): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(`${key} must be a string or null`);
  return v as string;
}

function epochMs(o: Obj, key: string, fail: Fail): number {
  const v = o[key];
  if (!Number.isSafeInteger(v)) fail(`${key} must be integer epoch milliseconds`);
  return v as number;
}

interface TransactionRow {
  transaction_id: string;
  event_time: number;
  card_token: string;
  terminal_id: string | null;
  amount: number;
  currency: string;
  channel: string | null;
  features: Readonly<Record<string, number>> | null;
}

interface LabelRow {
  transaction_id: string;
  terminal_id: string | null;
  event_time: number;
  is_fraud: boolean;
  labelled_at: number;
}

/** `features`: an object of feature name -> number; null (or an absent key) is a missing value. */
function parseFeatures(o: Obj, fail: Fail): Readonly<Record<string, number>> | null {
  const v = o['features'];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) fail('features must be an object of feature name -> number');
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(v as Obj)) {
    if (value === null) out[name] = Number.NaN;
    else if (typeof value === 'number') out[name] = value;
    else fail(`features.${name} must be a number or null`);
  }
  return out;
}

function parseTransaction(o: Obj, fail: Fail): TransactionRow {
  const amount = o['amount'];
  if (typeof amount !== 'number' || !Number.isFinite(amount)) fail('amount must be a finite number');
  return {
    transaction_id: str(o, 'transaction_id', fail),
    event_time: epochMs(o, 'event_time', fail),
    card_token: str(o, 'card_token', fail),
    terminal_id: optStr(o, 'terminal_id', fail),
    amount: amount as number,
    currency: str(o, 'currency', fail),
    channel: optStr(o, 'channel', fail),
    features: parseFeatures(o, fail),
  };
}

function parseLabel(o: Obj, fail: Fail): LabelRow {
  if (typeof o['is_fraud'] !== 'boolean') fail('is_fraud must be a boolean');
  return {
    transaction_id: str(o, 'transaction_id', fail),
    terminal_id: optStr(o, 'terminal_id', fail),
    event_time: epochMs(o, 'event_time', fail),
    is_fraud: o['is_fraud'] as boolean,
    labelled_at: epochMs(o, 'labelled_at', fail),
  };
}

function featureColumns(rows: readonly TransactionRow[]): Record<string, Float64Array> | undefined {
  let columns: Record<string, Float64Array> | undefined;
  rows.forEach((r, i) => {
    if (!r.features) return;
    columns ??= {};
    for (const [name, value] of Object.entries(r.features)) {
      const column = (columns[name] ??= new Float64Array(rows.length).fill(Number.NaN));
      column[i] = value;
    }
  });
  return columns;
}

function transactionBatch(rows: readonly TransactionRow[]): TransactionBatch {
  const features = featureColumns(rows);
  return {
    ...(features ? { features } : {}),
    length: rows.length,
    transaction_id: rows.map((r) => r.transaction_id),
    event_time: Float64Array.from(rows, (r) => r.event_time),
    card_token: rows.map((r) => r.card_token),
    terminal_id: rows.map((r) => r.terminal_id),
    amount: Float64Array.from(rows, (r) => r.amount),
    currency: rows.map((r) => r.currency),
    channel: rows.map((r) => r.channel),
  };
}

function labelBatch(rows: readonly LabelRow[]): LabelBatch {
  return {
    length: rows.length,
    transaction_id: rows.map((r) => r.transaction_id),
    terminal_id: rows.map((r) => r.terminal_id),
    event_time: Float64Array.from(rows, (r) => r.event_time),
    is_fraud: Uint8Array.from(rows, (r) => (r.is_fraud ? 1 : 0)),
    labelled_at: Float64Array.from(rows, (r) => r.labelled_at),
  };
}

/**
 * OfflineStoreReader over JSON-lines files (`*.jsonl`, one record per line with the batch's field names;
 * blank lines are skipped). Entries of the table directory that are not `event_date=YYYY-MM-DD`
 * directories, and files starting with '.' or '_' (temporaries, _SUCCESS markers), are ignored. A record
 * that is malformed or sits in the wrong date partition is an error naming file and line: silently
 * skipping it would change the training set without anyone noticing.
 */
export class JsonlOfflineStore implements OfflineStoreReader {
  readonly root: string;
  readonly batchSize: number;

  constructor(root: string, options: JsonlOfflineStoreOptions = {}) {
    const batchSize = options.batchSize ?? 8192;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new ConfigError([{ field: 'batchSize', problem: `must be an integer >= 1, got ${batchSize}` }]);
    this.root = root;
    this.batchSize = batchSize;
  }

  async partitions(range: TimeRange, table: OfflineTable = 'transactions'): Promise<readonly OfflinePartition[]> {
    const { from, to } = checkRange(range);
    // Dates are compared as YYYY-MM-DD strings, which sort like the dates they name.
    const first = utcDate(from);
    const last = utcDate(to - 1);
    const tableDir = join(this.root, table);
    let entries;
    try {
      entries = await readdir(tableDir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: OfflinePartition[] = [];
    for (const e of entries) {
      const m = PARTITION_DIR.exec(e.name);
      if (!m || !e.isDirectory()) continue;
      const eventDate = m[1]!;
      if (eventDate < first || eventDate > last) continue;
      const dir = join(tableDir, e.name);
      const files = (await readdir(dir))
        .filter((f) => f.endsWith('.jsonl') && !f.startsWith('.') && !f.startsWith('_'))
        .sort()
        .map((f) => join(dir, f));
      out.push({ table, eventDate, files });
    }
    return out.sort((a, b) => (a.eventDate < b.eventDate ? -1 : a.eventDate > b.eventDate ? 1 : 0));
  }

  // The range is checked here, not only inside the generator, so a bad range throws at the call site
  // instead of on the first iteration.
  readTransactions(range: TimeRange): AsyncIterable<TransactionBatch> {
    checkRange(range);
    return this.read(range, 'transactions', parseTransaction, transactionBatch);
  }

  readLabels(range: TimeRange): AsyncIterable<LabelBatch> {
    checkRange(range);
    return this.read(range, 'labels', parseLabel, labelBatch);
  }

  async close(): Promise<void> {}

  private async *read<R extends { event_time: number }, B>(
    range: TimeRange,
    table: OfflineTable,
    parse: (o: Obj, fail: Fail) => R,
    toBatch: (rows: readonly R[]) => B,
  ): AsyncGenerator<B, void, undefined> {
    const { from, to } = checkRange(range);
    let rows: R[] = [];
    for (const p of await this.partitions(range, table)) {
      const dayStart = Date.parse(`${p.eventDate}T00:00:00.000Z`);
      for (const file of p.files) {
        const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
        let lineNo = 0;
        for await (const line of lines) {
          lineNo++;
          if (line.trim() === '') continue;
          const fail: Fail = (problem) => {
            throw new ValidationError('OFFLINE_RECORD_INVALID', [{ path: `${file}:${lineNo}`, problem }]);
          };
          let obj: unknown;
          try {
            obj = JSON.parse(line);
          } catch (err) {
            fail(`is not JSON (${(err as Error).message})`);
          }
          if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail('must be a JSON object');
          const row = parse(obj as Obj, fail);
          if (row.event_time < dayStart || row.event_time >= dayStart + DAY_MS) {
            fail(`event_time ${new Date(row.event_time).toISOString()} is outside partition event_date=${p.eventDate}`);
          }
          if (row.event_time < from || row.event_time >= to) continue;
          rows.push(row);
          if (rows.length >= this.batchSize) {
            yield toBatch(rows);
            rows = [];
          }
        }
      }
    }
    if (rows.length > 0) yield toBatch(rows);
  }
}
