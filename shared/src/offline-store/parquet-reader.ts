import type { DuckDBInstance } from '@duckdb/node-api';
import { AppError, ValidationError } from '../errors.ts';
import { fileList, openEngine, quoteIdentifier, withConnection, type EngineOptions } from './duckdb-engine.ts';

/**
 * Columnar reads of offline-store Parquet files through DuckDB. Files are given explicitly (the caller
 * prunes partitions by directory name first), read with `union_by_name` so files written before a
 * feature was added still read (the new column is NULL there), and in the order given: DuckDB keeps
 * insertion order for a plain scan, so rows come file by file, each in storage order.
 */

/** number: Float64Array, NULL -> NaN (BIGINT epoch ms fit exactly below 2^53); flag: Uint8Array 0/1; text: strings or null. */
export type ColumnKind = 'number' | 'flag' | 'text';

export interface ColumnRequest {
  readonly name: string;
  readonly kind: ColumnKind;
}

export type ColumnData = Float64Array | Uint8Array | (string | null)[];

export interface ColumnarBatch {
  readonly length: number;
  /** Keyed by the requested column names. */
  readonly columns: Readonly<Record<string, ColumnData>>;
}

export interface ScanOptions {
  /** Keep rows with event_time >= this (epoch ms). */
  readonly eventTimeFrom?: number;
  /** Keep rows with event_time < this (epoch ms). */
  readonly eventTimeTo?: number;
  /** Rows per yielded batch (the last may be shorter); default 8192. */
  readonly batchSize?: number;
}

export interface ParquetColumn {
  readonly name: string;
  /** DuckDB type name, e.g. DOUBLE, BIGINT, VARCHAR. */
  readonly type: string;
}

function epochLiteral(v: number, what: string): string {
  if (!Number.isSafeInteger(v)) throw new ValidationError('TIME_RANGE_INVALID', [{ path: what, problem: `must be integer epoch ms, got ${v}` }]);
  return String(v);
}

function selectExpression(c: ColumnRequest): string {
  const id = quoteIdentifier(c.name);
  switch (c.kind) {
    case 'number':
      return `CAST(${id} AS DOUBLE) AS ${id}`;
    case 'flag':
      return `CAST(${id} AS BOOLEAN) AS ${id}`;
    case 'text':
      return `CAST(${id} AS VARCHAR) AS ${id}`;
  }
}

function allocate(kind: ColumnKind, n: number): ColumnData {
  return kind === 'number' ? new Float64Array(n) : kind === 'flag' ? new Uint8Array(n) : new Array<string | null>(n).fill(null);
}

function truncate(data: ColumnData, n: number): ColumnData {
  return Array.isArray(data) ? data.slice(0, n) : data.subarray(0, n);
}

export class OfflineStoreQuery {
  readonly #instance: DuckDBInstance;
  #closed = false;

  private constructor(instance: DuckDBInstance) {
    this.#instance = instance;
  }

  static async open(options: EngineOptions = {}): Promise<OfflineStoreQuery> {
    return new OfflineStoreQuery(await openEngine(options));
  }

  #check(): void {
    if (this.#closed) throw new AppError('SHUTDOWN', 'offline store reader is closed');
  }

  /** The union schema of the files (by column name), in first-seen order; [] for no files. */
  async columns(files: readonly string[]): Promise<ParquetColumn[]> {
    this.#check();
    if (files.length === 0) return [];
    return withConnection(this.#instance, async (con) => {
      const reader = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${fileList(files)}, union_by_name = true)`);
      return reader.getRowObjectsJS().map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }));
    });
  }

  /** Rows per file from the Parquet footers (no data is read). */
  async rowCounts(files: readonly string[]): Promise<Map<string, number>> {
    this.#check();
    if (files.length === 0) return new Map();
    return withConnection(this.#instance, async (con) => {
      const reader = await con.runAndReadAll(`SELECT file_name, num_rows FROM parquet_file_metadata(${fileList(files)})`);
      return new Map(reader.getRowObjectsJS().map((r) => [String(r['file_name']), Number(r['num_rows'])]));
    });
  }

  /** Streams the requested columns of `files` in batches, optionally filtered on event_time. */
  async *scan(files: readonly string[], request: readonly ColumnRequest[], options: ScanOptions = {}): AsyncGenerator<ColumnarBatch, void, undefined> {
    this.#check();
    const batchSize = options.batchSize ?? 8192;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new ValidationError('BATCH_SIZE_INVALID', [{ path: 'batchSize', problem: `must be an integer >= 1, got ${batchSize}` }]);
    if (files.length === 0 || request.length === 0) return;
    const where: string[] = [];
    if (options.eventTimeFrom !== undefined) where.push(`event_time >= ${epochLiteral(options.eventTimeFrom, 'eventTimeFrom')}`);
    if (options.eventTimeTo !== undefined) where.push(`event_time < ${epochLiteral(options.eventTimeTo, 'eventTimeTo')}`);
    const sql =
      `SELECT ${request.map(selectExpression).join(', ')} FROM read_parquet(${fileList(files)}, union_by_name = true)` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '');
    const con = await this.#instance.connect();
    try {
      const result = await con.stream(sql);
      let cols = request.map((c) => allocate(c.kind, batchSize));
      let filled = 0;
      const emit = (n: number): ColumnarBatch => {
        const columns: Record<string, ColumnData> = {};
        request.forEach((c, j) => (columns[c.name] = n === batchSize ? cols[j]! : truncate(cols[j]!, n)));
        return { length: n, columns };
      };
      for (;;) {
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        const rows = chunk.rowCount;
        let r = 0;
        while (r < rows) {
          const take = Math.min(rows - r, batchSize - filled);
          for (let j = 0; j < request.length; j++) {
            const vector = chunk.getColumnVector(j);
            const kind = request[j]!.kind;
            const out = cols[j]!;
            for (let k = 0; k < take; k++) {
              const v = vector.getItem(r + k);
              if (kind === 'number') (out as Float64Array)[filled + k] = v === null ? Number.NaN : (v as number);
              else if (kind === 'flag') (out as Uint8Array)[filled + k] = v === true ? 1 : 0;
              else (out as (string | null)[])[filled + k] = v === null ? null : (v as string);
            }
          }
          filled += take;
          r += take;
          if (filled === batchSize) {
            yield emit(filled);
            cols = request.map((c) => allocate(c.kind, batchSize));
            filled = 0;
          }
        }
      }
      if (filled > 0) yield emit(filled);
    } finally {
      con.closeSync();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#instance.closeSync();
  }
}
