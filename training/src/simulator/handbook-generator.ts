/**
 * The Fraud Detection Handbook's dataset, bit for bit (`simulate({ rng: 'handbook' })`): the same
 * algorithm as customers.ts / terminals.ts / transactions.ts / fraud-scenarios.ts, but drawing from
 * exact reimplementations of the generators the handbook's Python code uses (numpy's legacy
 * `RandomState`, CPython's `random`, and numpy's unstable quicksort for pandas' `sort_values`), seeded
 * as the handbook seeds them. With seed 0 and the default options the output is the handbook's
 * `generate_dataset(5000, 10000, 183, "2018-04-01", r=5)` followed by `add_frauds`: same transactions
 * in the same order (TRANSACTION_ID = row), same amounts, terminals, times and fraud labels.
 *
 * Seeds: the handbook seeds numpy with 0 for customer profiles, 1 for terminal profiles, both numpy and
 * CPython with the customer id for that customer's transactions, and with the day for that day's fraud
 * draws. Under riskstream seed s every one of these seeds becomes `base + s * HANDBOOK_SEED_STRIDE`, so
 * s = 0 is exactly the handbook, and other seeds give other datasets from the same generators. numpy
 * only takes seeds in [0, 2^32 - 1], which bounds s (see maxHandbookSeed).
 *
 * Fields the handbook lacks come from the riskstream streams of seed s, as in the default mode: card
 * number and currency per customer, channel per transaction (scenario-3 frauds move to ecom).
 *
 * Differences from fraud-scenarios.ts that the handbook dictates: the compromised entities of a day are
 * pandas' `sample(n, random_state=day)` (= `RandomState(day).permutation(n)[:k]`), the scenario-3 rows
 * are CPython's `random.sample` after `random.seed(day)`, and a scenario-3 amount is multiplied by 5
 * without rounding back to cents (as the handbook does, so such amounts may carry float noise).
 */

import { generateCustomerProfiles } from './customers.ts';
import type { CustomerProfiles } from './customers.ts';
import {
  COMPROMISED_CUSTOMER_AMOUNT_FACTOR,
  compromisedCustomerRows,
  CUSTOMERS_COMPROMISED_PER_DAY,
  FRAUD_SCENARIO,
  labelCompromisedTerminals,
  labelLargeAmounts,
  lastDayOf,
  rowsByCustomer,
  TERMINALS_COMPROMISED_PER_DAY,
} from './fraud-scenarios.ts';
import { MAX_NUMPY_SEED, NumpyRandomState } from './handbook-rng/numpy-random-state.ts';
import { numpyQuicksortArgsort } from './handbook-rng/numpy-argsort.ts';
import { PythonRandom } from './handbook-rng/python-random.ts';
import { createSimulationRandom, STREAM } from './random.ts';
import { terminalsWithinRadius } from './terminals.ts';
import type { AvailableTerminals, TerminalProfiles } from './terminals.ts';
import {
  CHANNEL_CODE,
  drawChannel,
  SECONDS_PER_DAY,
  takeTransactions,
  TransactionColumnsBuilder,
} from './transactions.ts';
import type { TransactionColumns } from './transactions.ts';

/** Handbook seed `base` under riskstream seed s is `base + s * HANDBOOK_SEED_STRIDE` (a prime). */
export const HANDBOOK_SEED_STRIDE = 1_000_003;
/** numpy seed of the customer profiles (`generate_customer_profiles_table(..., random_state=0)`). */
export const HANDBOOK_CUSTOMER_PROFILES_SEED = 0;
/** numpy seed of the terminal profiles (`generate_terminal_profiles_table(..., random_state=1)`). */
export const HANDBOOK_TERMINAL_PROFILES_SEED = 1;

const GRID = 100;
const TIME_OF_DAY_STD = 20_000;

/** The numpy / CPython seed for the handbook's seed `base` under riskstream seed `seed`. */
export function handbookSeed(seed: number, base: number): number {
  return base + seed * HANDBOOK_SEED_STRIDE;
}

/**
 * Largest riskstream seed for which every handbook seed stays within numpy's [0, 2^32 - 1]; the
 * smallest is 0. Bases go up to nCustomers - 1 (per-customer seeds) and nbDays - 1 (per-day seeds).
 */
export function maxHandbookSeed(nCustomers: number, nbDays: number): number {
  const maxBase = Math.max(HANDBOOK_TERMINAL_PROFILES_SEED, nCustomers - 1, nbDays - 1);
  return Math.floor((MAX_NUMPY_SEED - maxBase) / HANDBOOK_SEED_STRIDE);
}

/** `np.round(x)`: round half to even (numpy's rint), unlike Math.round. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `np.round(amount, decimals=2)`: rint(amount * 100) / 100. */
export function numpyRoundToCents(amount: number): number {
  return rint(amount * 100) / 100;
}

/**
 * Customer profiles drawn as `generate_customer_profiles_table`: per customer x, y ~ U(0, 100),
 * mean amount ~ U(5, 100) (std = mean / 2), mean tx/day ~ U(0, 4), one numpy stream in customer order.
 * Card numbers and currencies are the riskstream ones of `seed`.
 */
export function generateHandbookCustomerProfiles(count: number, seed: number): CustomerProfiles {
  const extra = generateCustomerProfiles(count, seed);
  const rs = new NumpyRandomState(handbookSeed(seed, HANDBOOK_CUSTOMER_PROFILES_SEED));
  const x = new Float64Array(count);
  const y = new Float64Array(count);
  const meanAmount = new Float64Array(count);
  const stdAmount = new Float64Array(count);
  const meanTxPerDay = new Float64Array(count);
  for (let c = 0; c < count; c++) {
    x[c] = rs.uniform(0, GRID);
    y[c] = rs.uniform(0, GRID);
    const mean = rs.uniform(5, 100);
    meanAmount[c] = mean;
    stdAmount[c] = mean / 2;
    meanTxPerDay[c] = rs.uniform(0, 4);
  }
  return { count, x, y, meanAmount, stdAmount, meanTxPerDay, currency: extra.currency, cardNumber: extra.cardNumber };
}

/** Terminal profiles drawn as `generate_terminal_profiles_table`: x, y ~ U(0, 100) per terminal. */
export function generateHandbookTerminalProfiles(count: number, seed: number): TerminalProfiles {
  const rs = new NumpyRandomState(handbookSeed(seed, HANDBOOK_TERMINAL_PROFILES_SEED));
  const x = new Float64Array(count);
  const y = new Float64Array(count);
  for (let t = 0; t < count; t++) {
    x[t] = rs.uniform(0, GRID);
    y[t] = rs.uniform(0, GRID);
  }
  return { count, x, y };
}

export interface GenerateHandbookTransactionsOptions {
  readonly nbDays: number;
  readonly startTimeMs: number;
  readonly seed: number;
}

/**
 * `generate_transactions_table` for every customer in order, concatenated, then sorted by time with
 * numpy's quicksort (pandas `sort_values`), `txNumber` = row index (the handbook's TRANSACTION_ID).
 */
export function generateHandbookTransactions(
  customers: CustomerProfiles,
  available: AvailableTerminals,
  options: GenerateHandbookTransactionsOptions,
): TransactionColumns {
  let expected = 0;
  for (let c = 0; c < customers.count; c++) expected += customers.meanTxPerDay[c]! * options.nbDays;
  const builder = new TransactionColumnsBuilder(expected * 1.05 + 1024);
  const rs = new NumpyRandomState(0);
  const py = new PythonRandom(0);
  for (let c = 0; c < customers.count; c++) {
    const customerSeed = handbookSeed(options.seed, c);
    py.seed(customerSeed);
    rs.seed(customerSeed);
    const channelRnd = createSimulationRandom(options.seed, STREAM.transactionChannel, c);
    const lambda = customers.meanTxPerDay[c]!;
    const mean = customers.meanAmount[c]!;
    const std = customers.stdAmount[c]!;
    const first = available.offsets[c]!;
    const nAvailable = available.offsets[c + 1]! - first;
    for (let day = 0; day < options.nbDays; day++) {
      const nbTx = rs.poisson(lambda);
      for (let k = 0; k < nbTx; k++) {
        const timeOfDay = Math.trunc(rs.normal(SECONDS_PER_DAY / 2, TIME_OF_DAY_STD));
        if (!(timeOfDay > 0 && timeOfDay < SECONDS_PER_DAY)) continue;
        let amount = rs.normal(mean, std);
        if (amount < 0) amount = rs.uniform(0, mean * 2);
        amount = numpyRoundToCents(amount);
        // No terminal in reach: the draws above happened, the transaction does not (CPython draws nothing).
        if (nAvailable === 0) continue;
        const terminal = available.terminals[first + py.randbelow(nAvailable)]!;
        const channel = drawChannel(channelRnd.uniform(0, 1));
        builder.push(builder.length, day * SECONDS_PER_DAY + timeOfDay, c, terminal, amount, channel, 0, 0);
      }
    }
  }
  const generated = builder.build(options.startTimeMs);
  const sorted = takeTransactions(generated, numpyQuicksortArgsort(generated.timeSeconds));
  for (let i = 0; i < sorted.length; i++) sorted.txNumber[i] = i;
  return sorted;
}

/**
 * `add_frauds`, labelling `tx` in place; `tx` must be generateHandbookTransactions' output (row order =
 * TRANSACTION_ID). Scenario-3 frauds also move to the ecom channel.
 */
export function applyExactHandbookFraudScenarios(
  tx: TransactionColumns,
  nCustomers: number,
  nTerminals: number,
  seed: number,
): void {
  const lastDay = lastDayOf(tx);
  // Scenario 1, on the amounts before scenario 3 multiplies some of them.
  labelLargeAmounts(tx);

  const rs = new NumpyRandomState(0);

  // Scenario 2: every day's pair of terminals, then one pass (all windows set the same label).
  const terminalBuffer = new Int32Array(nTerminals);
  const startsByTerminal = new Map<number, number[]>();
  for (let day = 0; day < lastDay; day++) {
    rs.seed(handbookSeed(seed, day));
    for (const t of rs.choiceWithoutReplacement(nTerminals, TERMINALS_COMPROMISED_PER_DAY, terminalBuffer)) {
      const list = startsByTerminal.get(t);
      if (list) list.push(day);
      else startsByTerminal.set(t, [day]);
    }
  }
  labelCompromisedTerminals(tx, startsByTerminal);

  // Scenario 3: each customer's rows in row order, so a compromise scans three customers only.
  const byCustomer = rowsByCustomer(tx, nCustomers);

  const py = new PythonRandom(0);
  const customerBuffer = new Int32Array(nCustomers);
  const ecom = CHANNEL_CODE.ecom;
  const candidates: number[] = [];
  for (let day = 0; day < lastDay; day++) {
    const daySeed = handbookSeed(seed, day);
    rs.seed(daySeed);
    const picked = rs.choiceWithoutReplacement(nCustomers, CUSTOMERS_COMPROMISED_PER_DAY, customerBuffer);
    compromisedCustomerRows(tx, byCustomer, picked, day, candidates);
    py.seed(daySeed);
    for (const i of py.sample(candidates, Math.floor(candidates.length / 3))) {
      tx.amount[i] = tx.amount[i]! * COMPROMISED_CUSTOMER_AMOUNT_FACTOR;
      tx.isFraud[i] = 1;
      tx.fraudScenario[i] = FRAUD_SCENARIO.compromisedCustomer;
      tx.channel[i] = ecom;
    }
  }
}

export interface HandbookDatasetOptions {
  readonly nCustomers: number;
  readonly nTerminals: number;
  readonly nbDays: number;
  readonly startTimeMs: number;
  readonly radius: number;
  /** Riskstream seed, in [0, maxHandbookSeed(nCustomers, nbDays)]. */
  readonly seed: number;
}

export interface HandbookDataset {
  readonly customers: CustomerProfiles;
  readonly terminals: TerminalProfiles;
  readonly availableTerminals: AvailableTerminals;
  readonly transactions: TransactionColumns;
}

/** The handbook's `generate_dataset` + `add_frauds`. */
export function generateHandbookDataset(options: HandbookDatasetOptions): HandbookDataset {
  const max = maxHandbookSeed(options.nCustomers, options.nbDays);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > max) {
    throw new RangeError(`handbook seed must be an integer in [0, ${max}], got ${options.seed}`);
  }
  const customers = generateHandbookCustomerProfiles(options.nCustomers, options.seed);
  const terminals = generateHandbookTerminalProfiles(options.nTerminals, options.seed);
  // The handbook's test, sqrt((cx - tx)^2 + (cy - ty)^2) < r in float64, ids ascending.
  const availableTerminals = terminalsWithinRadius(customers, terminals, options.radius);
  const transactions = generateHandbookTransactions(customers, availableTerminals, options);
  applyExactHandbookFraudScenarios(transactions, customers.count, terminals.count, options.seed);
  return { customers, terminals, availableTerminals, transactions };
}
