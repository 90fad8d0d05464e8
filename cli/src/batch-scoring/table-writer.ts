/**
 * Writes a CSV, JSON lines or Parquet table batch by batch. The output appears only when finished: text
 * goes to a hidden temporary beside the target that is renamed over it, Parquet is published the same
 * way by ParquetFileWriter, so a failed or interrupted run never leaves a truncated file that looks done.
 *
 * Nested values (arrays, objects) stay nested in JSON lines and become JSON text in CSV and Parquet.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { DependencyError, ParquetFileWriter, type CellValue, type OfflineColumn } from '@riskstream/shared';
import { tableFormatOf } from './table-format.ts';

export type TableCell = CellValue | readonly unknown[] | { readonly [key: string]: unknown };
export type TableRecord = readonly TableCell[];

export interface TableWriter {
  readonly path: string;
  /** Rows in the column order given at open. */
  write(rows: readonly TableRecord[]): Promise<void>;
  finish(): Promise<{ readonly rows: number; readonly bytes: number }>;
  /** Leaves the target as it was. */
  abort(): Promise<void>;
}

export async function openTableWriter(path: string, columns: readonly OfflineColumn[]): Promise<TableWriter> {
  const format = tableFormatOf(path);
  if (format === 'parquet') return parquetWriter(path, columns);
  const names = columns.map((c) => c.name);
  return format === 'csv'
    ? textWriter(path, `${names.map(csvCell).join(',')}\n`, (row) => `${row.map(csvCell).join(',')}\n`)
    : textWriter(path, '', (row) => `${JSON.stringify(Object.fromEntries(names.map((n, j) => [n, row[j]])))}\n`);
}

function isNested(v: TableCell): v is readonly unknown[] | { readonly [key: string]: unknown } {
  return typeof v === 'object' && v !== null;
}

/** RFC 4180 quoting, only where needed (JSON text always has quotes, so it is always quoted). */
function csvCell(v: TableCell | string): string {
  if (v === null || v === undefined) return '';
  const text = isNested(v) ? JSON.stringify(v) : String(v);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function textWriter(path: string, header: string, line: (row: TableRecord) => string): Promise<TableWriter> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const out: WriteStream = createWriteStream(tmp, { encoding: 'utf8' });
  await once(out, 'open').catch((err: unknown) => {
    throw new DependencyError('output file', `cannot create ${path}: ${(err as Error).message}`, err);
  });
  // Kept so a failed write (disk full) surfaces at the next call instead of as an unhandled 'error'.
  let failure: Error | undefined;
  out.on('error', (err) => (failure ??= err));
  let rows = 0;
  let chunk = header;
  return {
    path,
    async write(batch) {
      if (failure) throw new DependencyError('output file', `cannot write ${path}: ${failure.message}`, failure);
      for (const row of batch) chunk += line(row);
      rows += batch.length;
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    },
    async finish() {
      out.end(chunk);
      await finished(out);
      await rename(tmp, path);
      return { rows, bytes: (await stat(path)).size };
    },
    async abort() {
      out.end();
      await finished(out).catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}

async function parquetWriter(path: string, columns: readonly OfflineColumn[]): Promise<TableWriter> {
  const writer = await ParquetFileWriter.open(path, columns);
  const flat = (row: TableRecord): CellValue[] => row.map((v) => (isNested(v) ? JSON.stringify(v) : v));
  return {
    path,
    write: async (batch) => writer.append(batch.map(flat)),
    finish: async () => writer.finish(),
    abort: () => writer.abort(),
  };
}
