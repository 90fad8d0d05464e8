import { extname } from 'node:path';
import { UsageError } from '@riskstream/shared';

/** The table files batch scoring reads and writes; the format is the file's extension. */
export const TABLE_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

const EXTENSIONS: Readonly<Record<string, TableFormat>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
};

export function tableFormatOf(path: string): TableFormat {
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (format === undefined) throw new UsageError(`cannot tell the format of "${path}": use a .csv, .jsonl, .ndjson or .parquet file`);
  return format;
}
