import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { AppError, DependencyError, ValidationError } from '../errors.ts';
import { openEngine, quoteIdentifier, quoteLiteral, withConnection, type EngineOptions } from './duckdb-engine.ts';
import { partitionDir, temporaryFileName, type OfflineColumn, type OfflineTableName } from './offline-layout.ts';
import type { CellValue, OfflineRow } from './offline-rows.ts';

/**
 * Writes one Parquet file of the offline store, atomically: rows go into a DuckDB temp table, COPY writes
 * them to a hidden temporary beside the target, the temporary is fsynced, renamed over the final name and
 * the directory fsynced. A reader therefore sees a file completely or not at all, and a crash leaves at
 * most a hidden temporary behind. Writing the same name twice replaces the file, which is what makes a
 * retried write idempotent.
 */

export interface WrittenFile {
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface OfflineStoreWriterOptions extends EngineOptions {
  /** Parquet compression codec; default zstd (about half the size of snappy on this data, same speed). */
  readonly compression?: 'zstd' | 'snappy' | 'uncompressed';
}

/** File-system failures (disk full, permissions, I/O) are worth retrying; the records are not at fault. */
function storageError(what: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new DependencyError('offline-store', `${what}: ${(err as Error).message}`, err);
}

/** DuckDB reports write failures as "IO Error: ..."; anything else is about the data. */
function duckdbError(what: string, err: unknown): AppError {
  const message = (err as Error).message ?? String(err);
  if (/^IO Error|No space left|Permission denied|Read-only file system/i.test(message)) return storageError(what, err);
  return new AppError('HANDLER_FAILED', `${what}: ${message}`, { cause: err });
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function appendCell(appender: DuckDBAppender, column: OfflineColumn, value: CellValue): void {
  if (value === null || value === undefined) {
    appender.appendNull();
    return;
  }
  switch (column.type) {
    case 'VARCHAR':
      appender.appendVarchar(String(value));
      return;
    case 'DOUBLE':
      if (typeof value === 'number' && Number.isNaN(value)) appender.appendNull();
      else appender.appendDouble(Number(value));
      return;
    case 'BIGINT':
      appender.appendBigInt(typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value))));
      return;
    case 'INTEGER':
      appender.appendInteger(Number(value));
      return;
    case 'BOOLEAN':
      appender.appendBoolean(value === true || value === 1);
      return;
  }
}

export class OfflineStoreWriter {
  readonly root: string;
  readonly #instance: DuckDBInstance;
  readonly #compression: string;
  #closed = false;

  private constructor(root: string, instance: DuckDBInstance, compression: string) {
    this.root = root;
    this.#instance = instance;
    this.#compression = compression;
  }

  static async open(root: string, options: OfflineStoreWriterOptions = {}): Promise<OfflineStoreWriter> {
    return new OfflineStoreWriter(root, await openEngine(options), options.compression ?? 'zstd');
  }

  /**
   * Writes `rows` (in `columns` order) as <root>/<table>/event_date=<eventDate>/<fileName>. Rows keep
   * their order. Throws a retriable DependencyError when the disk fails, HANDLER_FAILED when DuckDB
   * refuses the data.
   */
  async writeFile(table: OfflineTableName, eventDate: string, fileName: string, columns: readonly OfflineColumn[], rows: readonly OfflineRow[]): Promise<WrittenFile> {
    if (this.#closed) throw new AppError('SHUTDOWN', 'offline store writer is closed');
    if (rows.length === 0) throw new ValidationError('OFFLINE_FILE_EMPTY', [{ path: fileName, problem: 'a data file needs at least one row' }]);
    for (const [i, row] of rows.entries()) {
      if (row.length !== columns.length) throw new ValidationError('OFFLINE_ROW_INVALID', [{ path: `${fileName}[${i}]`, problem: `has ${row.length} cells for ${columns.length} columns` }]);
    }
    const dir = partitionDir(this.root, table, eventDate);
    const finalPath = join(dir, fileName);
    const tmpPath = join(dir, temporaryFileName(fileName, `${process.pid}-${randomBytes(4).toString('hex')}`));
    try {
      await this.#ensureDir(dir);
    } catch (err) {
      throw storageError(`creating ${dir}`, err);
    }
    try {
      await withConnection(this.#instance, async (con) => {
        const ddl = columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ');
        await con.run(`CREATE TEMP TABLE staging (${ddl})`);
        const appender = await con.createAppender('staging');
        try {
          for (const row of rows) {
            for (let j = 0; j < columns.length; j++) appendCell(appender, columns[j]!, row[j]!);
            appender.endRow();
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
        await con.run(`COPY staging TO ${quoteLiteral(tmpPath)} (FORMAT parquet, COMPRESSION ${this.#compression})`);
      });
    } catch (err) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      if (err instanceof AppError) throw err;
      throw duckdbError(`writing ${finalPath}`, err);
    }
    try {
      await fsyncPath(tmpPath);
      await rename(tmpPath, finalPath);
      await fsyncPath(dir);
      const { size } = await stat(finalPath);
      return { path: finalPath, rows: rows.length, bytes: size };
    } catch (err) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw storageError(`publishing ${finalPath}`, err);
    }
  }

  /** Creates the partition directory and makes its entry durable, so a renamed file cannot vanish with it. */
  async #ensureDir(dir: string): Promise<void> {
    const created = await mkdir(dir, { recursive: true });
    if (created === undefined) return;
    // mkdir -p returns the topmost directory it created; every parent of a new entry needs an fsync.
    for (let d = dir; ; d = dirname(d)) {
      await fsyncPath(dirname(d));
      if (d === created || dirname(d) === d) break;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#instance.closeSync();
  }
}

/**
 * One Parquet file at any path, filled by appends: rows go straight into a DuckDB temp table (columnar,
 * so a million rows stay small and no row objects pile up), and `finish` publishes the file the way
 * writeFile does (COPY to a hidden temporary beside it, fsync, rename). Until then the path is untouched;
 * `abort` leaves nothing behind. For files outside the offline store, e.g. `riskstream score --out`.
 */
export class ParquetFileWriter {
  readonly path: string;
  readonly #columns: readonly OfflineColumn[];
  readonly #instance: DuckDBInstance;
  readonly #con: DuckDBConnection;
  readonly #appender: DuckDBAppender;
  readonly #compression: string;
  #rows = 0;
  #open = true;

  private constructor(path: string, columns: readonly OfflineColumn[], parts: { instance: DuckDBInstance; con: DuckDBConnection; appender: DuckDBAppender; compression: string }) {
    this.path = path;
    this.#columns = columns;
    this.#instance = parts.instance;
    this.#con = parts.con;
    this.#appender = parts.appender;
    this.#compression = parts.compression;
  }

  static async open(path: string, columns: readonly OfflineColumn[], options: OfflineStoreWriterOptions = {}): Promise<ParquetFileWriter> {
    const instance = await openEngine(options);
    const con = await instance.connect();
    try {
      await con.run(`CREATE TEMP TABLE staging (${columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ')})`);
      const appender = await con.createAppender('staging');
      return new ParquetFileWriter(path, columns, { instance, con, appender, compression: options.compression ?? 'zstd' });
    } catch (err) {
      con.closeSync();
      instance.closeSync();
      throw duckdbError(`preparing ${path}`, err);
    }
  }

  /** Rows in `columns` order. */
  append(rows: readonly OfflineRow[]): void {
    if (!this.#open) throw new AppError('SHUTDOWN', `${this.path} is already finished`);
    const columns = this.#columns;
    for (const [i, row] of rows.entries()) {
      if (row.length !== columns.length) throw new ValidationError('OFFLINE_ROW_INVALID', [{ path: `${this.path}[${this.#rows + i}]`, problem: `has ${row.length} cells for ${columns.length} columns` }]);
      for (let j = 0; j < columns.length; j++) appendCell(this.#appender, columns[j]!, row[j]!);
      this.#appender.endRow();
    }
    this.#rows += rows.length;
  }

  async finish(): Promise<WrittenFile> {
    if (!this.#open) throw new AppError('SHUTDOWN', `${this.path} is already finished`);
    const tmpPath = join(dirname(this.path), temporaryFileName(basename(this.path), `${process.pid}-${randomBytes(4).toString('hex')}`));
    try {
      this.#appender.flushSync();
      this.#appender.closeSync();
      await this.#con.run(`COPY staging TO ${quoteLiteral(tmpPath)} (FORMAT parquet, COMPRESSION ${this.#compression})`);
    } catch (err) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      this.#close();
      throw duckdbError(`writing ${this.path}`, err);
    }
    this.#close();
    try {
      await fsyncPath(tmpPath);
      await rename(tmpPath, this.path);
      await fsyncPath(dirname(this.path));
      const { size } = await stat(this.path);
      return { path: this.path, rows: this.#rows, bytes: size };
    } catch (err) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw storageError(`publishing ${this.path}`, err);
    }
  }

  /** Drops what was appended; the path is left as it was. Idempotent. */
  async abort(): Promise<void> {
    if (this.#open) this.#close();
  }

  #close(): void {
    this.#open = false;
    try {
      this.#appender.closeSync();
    } catch {
      // already closed by finish
    }
    this.#con.closeSync();
    this.#instance.closeSync();
  }
}
