import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DependencyError } from '../errors.ts';

/**
 * The DuckDB engine behind the offline store. Loaded on first use, not at import: every service imports
 * @riskstream/shared, and only the archiver, the import and training need a native database in memory.
 */

type DuckDBModule = typeof import('@duckdb/node-api');

let loading: Promise<DuckDBModule> | undefined;

export function loadDuckDB(): Promise<DuckDBModule> {
  loading ??= import('@duckdb/node-api').catch((err: unknown) => {
    loading = undefined;
    throw new DependencyError('duckdb', `cannot load @duckdb/node-api: ${(err as Error).message}`, err);
  });
  return loading;
}

export interface EngineOptions {
  /** DuckDB worker threads; default 2 (the archiver shares its host with the streaming services). */
  readonly threads?: number;
  /** DuckDB memory limit, e.g. '1GB'; default DuckDB's (80% of RAM). */
  readonly memoryLimit?: string;
}

/** An in-memory DuckDB instance: the Parquet files are the storage, the database only computes. */
export async function openEngine(options: EngineOptions = {}): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await loadDuckDB();
  const config: Record<string, string> = { threads: String(options.threads ?? 2) };
  if (options.memoryLimit !== undefined) config['memory_limit'] = options.memoryLimit;
  return DuckDBInstance.create(':memory:', config);
}

/** Runs `fn` on a fresh connection (one per concurrent caller: a connection runs one query at a time). */
export async function withConnection<R>(instance: DuckDBInstance, fn: (con: DuckDBConnection) => Promise<R>): Promise<R> {
  const con = await instance.connect();
  try {
    return await fn(con);
  } finally {
    con.closeSync();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL list of file paths for read_parquet. */
export function fileList(files: readonly string[]): string {
  return `[${files.map(quoteLiteral).join(', ')}]`;
}
