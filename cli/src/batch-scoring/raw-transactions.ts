/**
 * Raw transactions (the transactions.raw.v1 shape) turned into what the stream would have scored: each
 * row passes ingest's own validator (a row ingest would reject is a bad row here, with ingest's reason),
 * and the features are the offline featuriser's point-in-time replay of the file in event-time order,
 * which calls the same shared feature functions on the same bucket rules as the streaming feature service.
 *
 * Entities are keyed as the stream keys them: customer windows per card (the stream keys them by card
 * token, a keyed hash of the card number, so grouping by the number itself gives the same windows and
 * needs no key) and terminal windows per terminal_id. The card numbers stay in this process: only codes
 * reach the featuriser and nothing here is written out.
 *
 * Labels: an `is_fraud` column, when present, stands for the label feed, so the terminal risk features
 * count the frauds the stream would know about (labels older than the terminal delay); without it every
 * terminal risk is 0, as in a stream that never received a label.
 *
 * The whole file is held (compactly: ids plus a few numbers per row) because a row's features depend on
 * every earlier row of its card and terminal, and the file need not be sorted by event time.
 */
import { ValidationError } from '@riskstream/shared';
import { FEATURE_COUNT, FEATURE_NAMES, featureVectorToRecord } from '@riskstream/shared/features';
import { validateTransaction, type ValidationRules } from '@riskstream/ingest';
import { featurizeOffline } from '@riskstream/training';
import type { TableRow } from './table-reader.ts';

export interface RawTransactionsOptions {
  /** Ingest's rules (INGEST_MAX_AMOUNT, INGEST_MAX_FUTURE_MINUTES). */
  readonly rules: ValidationRules;
  /** The clock ingest's future check compares event_time with. */
  readonly nowMs: number;
  /** The reader's: false for CSV, whose cells are all text; how its row positions count. */
  readonly typed: boolean;
  readonly unit: 'line' | 'row';
}

/** Featurised transactions, in input order (bad rows left out). */
export interface FeaturizedTransactions {
  readonly length: number;
  readonly transactionIds: readonly string[];
  /** Where each came from (TableRow.at). */
  readonly at: readonly number[];
  /** Row `i`'s features by name, as the features service attaches them to transactions.enriched.v1. */
  features(i: number): Record<string, number>;
}

/** Which of a model's features the featuriser does not compute (then raw input cannot be scored). */
export function uncomputableFeatures(featureNames: readonly string[]): string[] {
  const computed = new Set<string>(FEATURE_NAMES);
  return featureNames.filter((n) => !computed.has(n));
}

export class RawTransactions {
  readonly #options: RawTransactionsOptions;
  readonly #ids: string[] = [];
  readonly #at: number[] = [];
  readonly #lineOf = new Map<string, number>();
  readonly #cardCodes = new Map<string, number>();
  readonly #terminalCodes = new Map<string, number>();
  readonly #card: number[] = [];
  readonly #terminal: number[] = [];
  readonly #eventTime: number[] = [];
  readonly #amount: number[] = [];
  readonly #fraud: number[] = [];

  constructor(options: RawTransactionsOptions) {
    this.#options = options;
  }

  get length(): number {
    return this.#ids.length;
  }

  /** Keeps a valid row; returns why a row is not valid (nothing is kept then). */
  add(row: TableRow): string | undefined {
    if (row.values === undefined) return row.problem;
    const values = this.#options.typed ? row.values : typedCells(row.values);
    const fraud = fraudFlag(values['is_fraud']);
    if (fraud === undefined) return 'is_fraud must be 0, 1, true or false';
    let tx;
    try {
      tx = validateTransaction(values, this.#options.rules, this.#options.nowMs);
    } catch (err) {
      if (err instanceof ValidationError) return err.issues.map((i) => `${i.path} ${i.problem}`).join('; ');
      throw err;
    }
    // Ingest drops a transaction_id it has seen, so the stream scores the first one only.
    const first = this.#lineOf.get(tx.transaction_id);
    if (first !== undefined) return `transaction_id repeats the one on ${this.#options.unit} ${first}`;
    this.#lineOf.set(tx.transaction_id, row.at);
    this.#ids.push(tx.transaction_id);
    this.#at.push(row.at);
    this.#card.push(codeOf(this.#cardCodes, tx.card_number));
    this.#terminal.push(tx.terminal_id === null ? -1 : codeOf(this.#terminalCodes, tx.terminal_id));
    this.#eventTime.push(tx.event_time);
    this.#amount.push(tx.amount);
    this.#fraud.push(fraud ? 1 : 0);
    return undefined;
  }

  /** Runs the featuriser over everything added; call once, after the last row. */
  featurize(): FeaturizedTransactions {
    const dataset = featurizeOffline({
      length: this.#ids.length,
      eventTimeMs: Float64Array.from(this.#eventTime),
      customer: Int32Array.from(this.#card),
      terminal: Int32Array.from(this.#terminal),
      amount: Float64Array.from(this.#amount),
      isFraud: Uint8Array.from(this.#fraud),
    });
    this.#lineOf.clear();
    this.#cardCodes.clear();
    const x = dataset.x;
    return { length: this.#ids.length, transactionIds: this.#ids, at: this.#at, features: (i) => featureVectorToRecord(x, i * FEATURE_COUNT) };
  }
}

function codeOf(codes: Map<string, number>, key: string): number {
  let code = codes.get(key);
  if (code === undefined) codes.set(key, (code = codes.size));
  return code;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * CSV cells as the JSON a client would send: "" is no value, amounts and epoch-millisecond times are
 * numbers. Anything else stays text, so ingest's validator reports it (an ISO 8601 time is fine).
 */
function typedCells(cells: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, cell] of Object.entries(cells)) out[name] = cell === '' ? null : cell;
  for (const name of ['amount', 'event_time']) {
    const v = out[name];
    if (typeof v === 'string' && NUMBER.test(v)) out[name] = Number(v);
  }
  return out;
}

/** true/false; undefined when the cell is not a label. No value means no label: not fraud. */
function fraudFlag(v: unknown): boolean | undefined {
  if (v === undefined || v === null || v === '') return false;
  if (v === true || v === 1 || v === '1' || v === 'true') return true;
  if (v === false || v === 0 || v === '0' || v === 'false') return false;
  return undefined;
}
