/**
 * Rows that carry the model's features themselves (as served: an offline-store export, a feature table):
 * read as numbers, with the stream's convention that a missing value is NaN, which the models route by
 * their learned missing direction.
 */
import type { ScoringInput } from './batch-scorer.ts';
import type { TableRow } from './table-reader.ts';

const MISSING_TEXT = new Set(['', 'nan', 'null', 'na', 'n/a']);

/** A cell as a feature value: NaN when missing, undefined when it is not a number. */
function featureValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v !== 'string') return undefined;
  if (MISSING_TEXT.has(v.trim().toLowerCase())) return Number.NaN;
  const n = Number(v);
  return Number.isNaN(n) ? undefined : n;
}

export class GivenFeatures {
  readonly #names: readonly string[];

  constructor(featureNames: readonly string[]) {
    this.#names = featureNames;
  }

  /** The row's features, or why it has none. */
  parse(row: TableRow): ScoringInput | string {
    const values = row.values;
    if (values === undefined) return row.problem ?? 'is malformed';
    // Typed rows (JSON lines, Parquet) are nearly always numbers and nulls already, which the scorer reads
    // as they are (null -> NaN): no copy, which is most of what this step would cost per row.
    if (this.#numbersOnly(values)) return { features: values as Readonly<Record<string, number>> };
    const features: Record<string, number> = {};
    for (const name of this.#names) {
      const v = featureValue(values[name]);
      if (v === undefined) return `${name} is not a number`;
      features[name] = v;
    }
    return { features };
  }

  #numbersOnly(values: Readonly<Record<string, unknown>>): boolean {
    for (const name of this.#names) {
      const v = values[name];
      if (typeof v !== 'number' && v !== null && v !== undefined) return false;
    }
    return true;
  }
}

/** A row's transaction_id, when the table has the column; undefined when the cell is empty. */
export function transactionIdOf(row: TableRow): string | undefined {
  const v = row.values?.['transaction_id'];
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}
