/**
 * The handbook's three fraud scenarios (`add_frauds`), applied in its order to time-sorted transactions,
 * each later scenario overwriting the scenario code of an earlier one (as the handbook does):
 *
 * 1. any amount > 220 is fraud;
 * 2. for each day d in [0, last day): 2 random terminals are compromised, and every transaction on them
 *    on days [d, d + 28) is fraud;
 * 3. for each day d in [0, last day): 3 random customers are compromised; among their transactions on
 *    days [d, d + 14), floor(n / 3) drawn at random get amount x5 and are fraud. A transaction drawn on
 *    several days is multiplied each time, again as in the handbook.
 *
 * "Last day" is the largest day present in the data, exclusive, like the handbook's
 * `range(transactions_df.TX_TIME_DAYS.max())`. Compromised entities are drawn per day from per-day
 * streams (the handbook seeds with the day). Scenario-3 frauds are card-not-present, so they are moved
 * to the ecom channel (the handbook has no channel).
 */

import { createSimulationRandom, STREAM } from './random.ts';
import type { TransactionColumns } from './transactions.ts';
import { CHANNEL_CODE, roundToCents } from './transactions.ts';

export const FRAUD_SCENARIO = {
  genuine: 0,
  amountOver220: 1,
  compromisedTerminal: 2,
  compromisedCustomer: 3,
  /** Injected by the `new-fraud-pattern` drift scenario. */
  cardTesting: 4,
} as const;

export const FRAUD_AMOUNT_THRESHOLD = 220;
export const TERMINALS_COMPROMISED_PER_DAY = 2;
export const TERMINAL_COMPROMISE_DAYS = 28;
export const CUSTOMERS_COMPROMISED_PER_DAY = 3;
export const CUSTOMER_COMPROMISE_DAYS = 14;
export const COMPROMISED_CUSTOMER_AMOUNT_FACTOR = 5;

/** Labels `tx` in place. `tx` must be sorted by event time. */
export function applyHandbookFraudScenarios(
  tx: TransactionColumns,
  nCustomers: number,
  nTerminals: number,
  seed: number,
): void {
  const lastDay = lastDayOf(tx);
  labelLargeAmounts(tx);

  // Scenario 2: the compromise start days of each terminal, then one pass over the transactions.
  const startsByTerminal = new Map<number, number[]>();
  for (let day = 0; day < lastDay; day++) {
    const picked = createSimulationRandom(seed, STREAM.compromisedTerminals, day).distinct(
      nTerminals,
      TERMINALS_COMPROMISED_PER_DAY,
    );
    for (const t of picked) {
      const list = startsByTerminal.get(t);
      if (list) list.push(day);
      else startsByTerminal.set(t, [day]);
    }
  }
  labelCompromisedTerminals(tx, startsByTerminal);

  // Scenario 3: each customer's rows in time order, so a compromise scans one customer.
  const byCustomer = rowsByCustomer(tx, nCustomers);

  const ecom = CHANNEL_CODE.ecom;
  const candidates: number[] = [];
  for (let day = 0; day < lastDay; day++) {
    const picked = createSimulationRandom(seed, STREAM.compromisedCustomers, day).distinct(
      nCustomers,
      CUSTOMERS_COMPROMISED_PER_DAY,
    );
    // The handbook collects the compromised rows in row (= time) order across the 3 customers.
    compromisedCustomerRows(tx, byCustomer, picked, day, candidates);
    const nFraud = Math.floor(candidates.length / 3);
    const chosen = createSimulationRandom(seed, STREAM.compromisedCustomers, day, 1).distinct(
      candidates.length,
      nFraud,
    );
    for (const k of chosen) {
      const i = candidates[k]!;
      tx.amount[i] = roundToCents(tx.amount[i]! * COMPROMISED_CUSTOMER_AMOUNT_FACTOR);
      tx.isFraud[i] = 1;
      tx.fraudScenario[i] = FRAUD_SCENARIO.compromisedCustomer;
      tx.channel[i] = ecom;
    }
  }
}

/** The largest day present: the handbook's `TX_TIME_DAYS.max()`, the exclusive end of its compromise loops. */
export function lastDayOf(tx: TransactionColumns): number {
  let lastDay = 0;
  for (let i = 0; i < tx.length; i++) if (tx.day[i]! > lastDay) lastDay = tx.day[i]!;
  return lastDay;
}

/** Scenario 1: every amount above 220 is fraud. */
export function labelLargeAmounts(tx: TransactionColumns): void {
  for (let i = 0; i < tx.length; i++) {
    if (tx.amount[i]! > FRAUD_AMOUNT_THRESHOLD) {
      tx.isFraud[i] = 1;
      tx.fraudScenario[i] = FRAUD_SCENARIO.amountOver220;
    }
  }
}

/** Scenario 2's labelling: every row on a terminal within 28 days of one of its compromise start days. */
export function labelCompromisedTerminals(tx: TransactionColumns, startsByTerminal: ReadonlyMap<number, readonly number[]>): void {
  for (let i = 0; i < tx.length; i++) {
    const starts = startsByTerminal.get(tx.terminal[i]!);
    if (starts === undefined) continue;
    const d = tx.day[i]!;
    for (const s of starts) {
      if (d >= s && d < s + TERMINAL_COMPROMISE_DAYS) {
        tx.isFraud[i] = 1;
        tx.fraudScenario[i] = FRAUD_SCENARIO.compromisedTerminal;
        break;
      }
    }
  }
}

/** Each customer's row indices in row order (counting sort): customer c's rows are rows[rowStart[c] .. rowStart[c + 1]). */
export function rowsByCustomer(tx: TransactionColumns, nCustomers: number): { rowStart: Int32Array; rows: Int32Array } {
  const n = tx.length;
  const rowStart = new Int32Array(nCustomers + 1);
  for (let i = 0; i < n; i++) rowStart[tx.customer[i]! + 1]!++;
  for (let c = 0; c < nCustomers; c++) rowStart[c + 1]! += rowStart[c]!;
  const cursor = rowStart.slice(0, nCustomers);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[cursor[tx.customer[i]!]!++] = i;
  return { rowStart, rows };
}

/**
 * Scenario 3's candidates for a compromise starting on `day`: the rows of the `picked` customers dated
 * within the compromise window, in row order (the handbook's boolean filter keeps TRANSACTION_ID order
 * across the customers). Fills and returns `out`.
 */
export function compromisedCustomerRows(
  tx: TransactionColumns,
  byCustomer: { readonly rowStart: Int32Array; readonly rows: Int32Array },
  picked: Iterable<number>,
  day: number,
  out: number[],
): number[] {
  const { rowStart, rows } = byCustomer;
  out.length = 0;
  for (const c of picked) {
    for (let k = rowStart[c]!; k < rowStart[c + 1]!; k++) {
      const i = rows[k]!;
      const d = tx.day[i]!;
      if (d >= day && d < day + CUSTOMER_COMPROMISE_DAYS) out.push(i);
    }
  }
  return out.sort((a, b) => a - b);
}

/** Number of rows per fraud scenario code (index = code). */
export function countByScenario(tx: TransactionColumns): number[] {
  const counts: number[] = [];
  for (let i = 0; i < tx.length; i++) {
    const s = tx.fraudScenario[i]!;
    while (counts.length <= s) counts.push(0);
    counts[s]!++;
  }
  return counts;
}
