/**
 * Reads a CSV, JSON lines or Parquet table in batches of rows, without holding the file in memory.
 *
 * Rows carry where they came from (`at`: the physical line of a text file, header = line 1, or the
 * 1-based row of a Parquet file) so a bad row can be reported where a person finds it. A row the reader
 * cannot even split into columns (a CSV line with the wrong number of fields, a JSON line that is not an
 * object) comes with a `problem` instead of values; the caller decides whether that stops the run.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { NotFoundError, OfflineStoreQuery, ValidationError, type ColumnKind, type ColumnarBatch, type ParquetColumn } from '@riskstream/shared';
import { splitCsvLine } from '@riskstream/training';
import { tableFormatOf, type TableFormat } from './table-format.ts';

export interface TableRow {
  /** Physical line (CSV, JSON lines) or 1-based row (Parquet); see TableReader.unit. */
  readonly at: number;
  /** 1-based data row: what identifies a row that has no transaction_id. */
  readonly row: number;
  /** By column name; absent when the row is malformed. */
  readonly values?: Readonly<Record<string, unknown>>;
  readonly problem?: string;
}

export interface TableReader {
  readonly path: string;
  readonly format: TableFormat;
  readonly columns: readonly string[];
  /** How `at` counts. */
  readonly unit: 'line' | 'row';
  /** JSON and Parquet values carry their types; CSV values are the cells' text. */
  readonly typed: boolean;
  /** Data rows, for progress: exact for Parquet, an upper bound (lines) for text files. */
  countRows(): Promise<number>;
  /** `columns` limits what is read where the format allows it (Parquet); rows keep only those. */
  batches(size: number, columns?: readonly string[]): AsyncGenerator<TableRow[], void, undefined>;
  close(): void;
}

export async function openTableReader(path: string): Promise<TableReader> {
  if (!existsSync(path)) throw new NotFoundError('input file', `no such file: ${path}`);
  const format = tableFormatOf(path);
  if (format === 'parquet') return openParquet(path);
  const lines = new NumberedLines(path);
  return format === 'csv' ? openCsv(path, lines) : openJsonLines(path, lines);
}

// ---------------------------------------------------------------------------------------------------
// text files

/** Non-blank lines with their physical line numbers. */
class NumberedLines {
  readonly #lines: AsyncIterator<string>;
  #line = 0;
  readonly #input;

  constructor(path: string) {
    this.#input = createReadStream(path);
    this.#lines = createInterface({ input: this.#input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  }

  async next(): Promise<{ readonly text: string; readonly line: number } | undefined> {
    for (;;) {
      const r = await this.#lines.next();
      if (r.done === true) return undefined;
      this.#line++;
      const text = this.#line === 1 ? r.value.replace(/^\uFEFF/, '') : r.value;
      if (text.trim() !== '') return { text, line: this.#line };
    }
  }

  close(): void {
    this.#input.destroy();
  }
}

/** Newlines in the file (plus a last unterminated line): cheap next to parsing, so progress has a total. */
async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  return last === 10 ? lines : lines + 1;
}

type LineParser = (text: string) => { values?: Record<string, unknown>; problem?: string };

function textReader(path: string, format: TableFormat, lines: NumberedLines, columns: readonly string[], parse: LineParser, first?: TableRow): TableReader {
  const headerLines = format === 'csv' ? 1 : 0;
  return {
    path,
    format,
    columns,
    unit: 'line',
    typed: format !== 'csv',
    countRows: async () => Math.max(0, (await countLines(path)) - headerLines),
    async *batches(size) {
      let row = first === undefined ? 0 : 1;
      let batch: TableRow[] = first === undefined ? [] : [first];
      for (let l = await lines.next(); l !== undefined; l = await lines.next()) {
        batch.push({ at: l.line, row: ++row, ...parse(l.text) });
        if (batch.length >= size) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
    close: () => lines.close(),
  };
}

async function openCsv(path: string, lines: NumberedLines): Promise<TableReader> {
  const header = await lines.next();
  if (header === undefined) throw new ValidationError('TABLE_EMPTY', [{ path, problem: 'has no header line' }]);
  const columns = splitCsvLine(header.text);
  const parse: LineParser = (text) => {
    const cells = splitCsvLine(text);
    if (cells.length !== columns.length) return { problem: `has ${cells.length} fields, the header has ${columns.length}` };
    const values: Record<string, string> = {};
    for (let j = 0; j < columns.length; j++) values[columns[j]!] = cells[j]!;
    return { values };
  };
  return textReader(path, 'csv', lines, columns, parse);
}

function parseJsonLine(text: string): { values?: Record<string, unknown>; problem?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'is not a JSON object' };
  return { values: value as Record<string, unknown> };
}

/** The columns are the first line's keys: a JSON lines file has no header. */
async function openJsonLines(path: string, lines: NumberedLines): Promise<TableReader> {
  const first = await lines.next();
  if (first === undefined) throw new ValidationError('TABLE_EMPTY', [{ path, problem: 'has no rows' }]);
  const parsed = parseJsonLine(first.text);
  if (parsed.values === undefined) throw new ValidationError('TABLE_COLUMNS_INVALID', [{ path: `${path}:${first.line}`, problem: `${parsed.problem}; the first row names the columns` }]);
  return textReader(path, 'jsonl', lines, Object.keys(parsed.values), parseJsonLine, { at: first.line, row: 1, values: parsed.values });
}

// ---------------------------------------------------------------------------------------------------
// Parquet

const NUMERIC_TYPE = /^(DOUBLE|FLOAT|REAL|DECIMAL|NUMERIC|HUGEINT|UHUGEINT|BIGINT|UBIGINT|INTEGER|UINTEGER|SMALLINT|USMALLINT|TINYINT|UTINYINT)\b/;

function columnKind(c: ParquetColumn): ColumnKind {
  if (NUMERIC_TYPE.test(c.type)) return 'number';
  return c.type === 'BOOLEAN' ? 'flag' : 'text';
}

/** DuckDB prints a TIMESTAMP (UTC, no zone) as "2018-04-01 00:00:31"; ISO 8601 with its zone is what ingest reads. */
function cellOf(column: ParquetColumn, data: ColumnarBatch['columns'][string], i: number): unknown {
  const v = data[i];
  if (data instanceof Uint8Array) return v === 1;
  if (typeof v === 'string' && column.type === 'TIMESTAMP') return `${v.replace(' ', 'T')}Z`;
  return v;
}

async function openParquet(path: string): Promise<TableReader> {
  const query = await OfflineStoreQuery.open({ threads: 2 });
  let schema: ParquetColumn[];
  try {
    schema = await query.columns([path]);
  } catch (err) {
    query.close();
    throw new ValidationError('TABLE_UNREADABLE', [{ path, problem: `is not a readable Parquet file (${(err as Error).message})` }]);
  }
  return {
    path,
    format: 'parquet',
    columns: schema.map((c) => c.name),
    unit: 'row',
    typed: true,
    countRows: async () => [...(await query.rowCounts([path])).values()].reduce((a, b) => a + b, 0),
    async *batches(size, wanted) {
      const selected = wanted === undefined ? schema : schema.filter((c) => wanted.includes(c.name));
      let row = 0;
      for await (const batch of query.scan([path], selected.map((c) => ({ name: c.name, kind: columnKind(c) })), { batchSize: size })) {
        const rows: TableRow[] = [];
        for (let i = 0; i < batch.length; i++) {
          const values: Record<string, unknown> = {};
          for (const c of selected) values[c.name] = cellOf(c, batch.columns[c.name]!, i);
          row++;
          rows.push({ at: row, row, values });
        }
        yield rows;
      }
    },
    close: () => query.close(),
  };
}
