/**
 * Transaction generation, a port of the handbook's `generate_transactions_table`, and the columnar table
 * every later step (fraud scenarios, drift, featurisation, output) works on.
 *
 * Per customer and day: Poisson(mean tx/day) attempts; each draws a time of day int(N(43200, 20000))
 * seconds and is kept only when 0 < t < 86400; a kept attempt draws an amount N(mean, mean / 2),
 * replaced by U(0, 2 * mean) when negative, rounded to cents, and a terminal uniformly among the
 * customer's available ones (none available: the transaction is dropped, after its draws, as in the
 * handbook). Each customer draws from its own stream, as the handbook reseeds per customer id.
 *
 * Columns instead of one object per transaction: 1.8M rows fit in ~70 MB of typed arrays and sort,
 * scan and featurise without GC pressure.
 */

import { ValidationError } from '@riskstream/shared';
import type { CustomerProfiles } from './customers.ts';
import { createSimulationRandom, STREAM } from './random.ts';
import type { AvailableTerminals } from './terminals.ts';

export const SECONDS_PER_DAY = 86_400;

export const CHANNELS = ['pos', 'ecom', 'atm'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_CODE: Readonly<Record<Channel, number>> = { pos: 0, ecom: 1, atm: 2 };
/** Channel code of an event whose channel field is missing. */
export const CHANNEL_MISSING = 255;
/** Terminal id of an event whose terminal field is missing. */
export const TERMINAL_MISSING = -1;
// Cumulative shares of CHANNELS for genuine transactions.
const CHANNEL_CUMULATIVE = [0.7, 0.95, 1] as const;

export interface TransactionColumns {
  readonly length: number;
  /** Stable transaction number (the id is `tx-<seed>-<txNumber>`); equals the row index after simulate(). */
  readonly txNumber: Int32Array;
  /** Seconds since the start date at 00:00 UTC (the handbook's TX_TIME_SECONDS). */
  readonly timeSeconds: Int32Array;
  /** Days since the start date (the handbook's TX_TIME_DAYS). */
  readonly day: Int32Array;
  /** Epoch milliseconds (UTC). */
  readonly eventTimeMs: Float64Array;
  readonly customer: Int32Array;
  /** Terminal id, or TERMINAL_MISSING. */
  readonly terminal: Int32Array;
  /** Amount in currency units, always a whole number of cents. */
  readonly amount: Float64Array;
  /** Index into CHANNELS, or CHANNEL_MISSING. */
  readonly channel: Uint8Array;
  readonly isFraud: Uint8Array;
  /** 0 genuine, 1..3 the handbook's scenarios, 4+ injected drift patterns (see FRAUD_SCENARIO). */
  readonly fraudScenario: Uint8Array;
}

export function roundToCents(amount: number): number {
  return Math.round(amount * 100) / 100;
}

export function drawChannel(u: number): number {
  let k = 0;
  while (u >= CHANNEL_CUMULATIVE[k]!) k++;
  return k;
}

/** Growable columns, for generators that do not know their row count in advance. */
export class TransactionColumnsBuilder {
  #length = 0;
  #capacity: number;
  #txNumber: Int32Array;
  #timeSeconds: Int32Array;
  #customer: Int32Array;
  #terminal: Int32Array;
  #amount: Float64Array;
  #channel: Uint8Array;
  #isFraud: Uint8Array;
  #fraudScenario: Uint8Array;

  constructor(initialCapacity = 1024) {
    const n = Math.max(16, Math.ceil(initialCapacity));
    this.#capacity = n;
    this.#txNumber = new Int32Array(n);
    this.#timeSeconds = new Int32Array(n);
    this.#customer = new Int32Array(n);
    this.#terminal = new Int32Array(n);
    this.#amount = new Float64Array(n);
    this.#channel = new Uint8Array(n);
    this.#isFraud = new Uint8Array(n);
    this.#fraudScenario = new Uint8Array(n);
  }

  get length(): number {
    return this.#length;
  }

  push(
    txNumber: number,
    timeSeconds: number,
    customer: number,
    terminal: number,
    amount: number,
    channel: number,
    isFraud: number,
    fraudScenario: number,
  ): void {
    if (this.#length === this.#capacity) this.#grow();
    const i = this.#length++;
    this.#txNumber[i] = txNumber;
    this.#timeSeconds[i] = timeSeconds;
    this.#customer[i] = customer;
    this.#terminal[i] = terminal;
    this.#amount[i] = amount;
    this.#channel[i] = channel;
    this.#isFraud[i] = isFraud;
    this.#fraudScenario[i] = fraudScenario;
  }

  #grow(): void {
    const n = this.#capacity * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a as never);
      return b;
    };
    this.#txNumber = grow(this.#txNumber, (k) => new Int32Array(k));
    this.#timeSeconds = grow(this.#timeSeconds, (k) => new Int32Array(k));
    this.#customer = grow(this.#customer, (k) => new Int32Array(k));
    this.#terminal = grow(this.#terminal, (k) => new Int32Array(k));
    this.#amount = grow(this.#amount, (k) => new Float64Array(k));
    this.#channel = grow(this.#channel, (k) => new Uint8Array(k));
    this.#isFraud = grow(this.#isFraud, (k) => new Uint8Array(k));
    this.#fraudScenario = grow(this.#fraudScenario, (k) => new Uint8Array(k));
    this.#capacity = n;
  }

  /** The rows so far, in push order, with `day` and `eventTimeMs` derived from `startTimeMs`. */
  build(startTimeMs: number): TransactionColumns {
    const n = this.#length;
    const timeSeconds = this.#timeSeconds.slice(0, n);
    const day = new Int32Array(n);
    const eventTimeMs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      day[i] = Math.floor(timeSeconds[i]! / SECONDS_PER_DAY);
      eventTimeMs[i] = startTimeMs + timeSeconds[i]! * 1000;
    }
    return {
      length: n,
      txNumber: this.#txNumber.slice(0, n),
      timeSeconds,
      day,
      eventTimeMs,
      customer: this.#customer.slice(0, n),
      terminal: this.#terminal.slice(0, n),
      amount: this.#amount.slice(0, n),
      channel: this.#channel.slice(0, n),
      isFraud: this.#isFraud.slice(0, n),
      fraudScenario: this.#fraudScenario.slice(0, n),
    };
  }
}

/** Rows `order[k]` of `cols`, in that order. */
export function takeTransactions(cols: TransactionColumns, order: ArrayLike<number>): TransactionColumns {
  const n = order.length;
  const pick = <T extends Int32Array | Float64Array | Uint8Array>(src: T, dst: T): T => {
    for (let k = 0; k < n; k++) dst[k] = src[order[k]!]!;
    return dst;
  };
  return {
    length: n,
    txNumber: pick(cols.txNumber, new Int32Array(n)),
    timeSeconds: pick(cols.timeSeconds, new Int32Array(n)),
    day: pick(cols.day, new Int32Array(n)),
    eventTimeMs: pick(cols.eventTimeMs, new Float64Array(n)),
    customer: pick(cols.customer, new Int32Array(n)),
    terminal: pick(cols.terminal, new Int32Array(n)),
    amount: pick(cols.amount, new Float64Array(n)),
    channel: pick(cols.channel, new Uint8Array(n)),
    isFraud: pick(cols.isFraud, new Uint8Array(n)),
    fraudScenario: pick(cols.fraudScenario, new Uint8Array(n)),
  };
}

/**
 * Row order by (timeSeconds, txNumber); txNumbers must be unique. Sorting one Float64Array of composite
 * keys uses the engine's native numeric sort, several times faster than an index sort with a comparator
 * at 1.75M rows; the row is recovered from the txNumber in the key.
 */
export function eventTimeOrder(cols: TransactionColumns): Int32Array {
  const n = cols.length;
  let maxNumber = 0;
  let maxTime = 0;
  for (let i = 0; i < n; i++) {
    if (cols.txNumber[i]! > maxNumber) maxNumber = cols.txNumber[i]!;
    if (cols.timeSeconds[i]! > maxTime) maxTime = cols.timeSeconds[i]!;
  }
  const radix = maxNumber + 1;
  if ((maxTime + 1) * radix > Number.MAX_SAFE_INTEGER) {
    throw new ValidationError('TRANSACTIONS_TOO_MANY', [
      { path: 'transactions', problem: `cannot order ${n} rows over ${maxTime} s with exact integer keys` },
    ]);
  }
  const rowOf = new Int32Array(radix).fill(-1);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const tx = cols.txNumber[i]!;
    if (tx < 0 || rowOf[tx] !== -1) {
      throw new ValidationError('TX_NUMBER_NOT_UNIQUE', [{ path: `txNumber[${i}]`, problem: `${tx} is negative or repeated` }]);
    }
    rowOf[tx] = i;
    keys[i] = cols.timeSeconds[i]! * radix + tx;
  }
  keys.sort();
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = rowOf[keys[k]! % radix]!;
  return order;
}

export interface GenerateTransactionsOptions {
  readonly nbDays: number;
  readonly startTimeMs: number;
  readonly seed: number;
}

/** All customers' transactions, sorted by event time, `txNumber` = row index. */
export function generateTransactions(
  customers: CustomerProfiles,
  available: AvailableTerminals,
  options: GenerateTransactionsOptions,
): TransactionColumns {
  let expected = 0;
  for (let c = 0; c < customers.count; c++) expected += customers.meanTxPerDay[c]! * options.nbDays;
  const builder = new TransactionColumnsBuilder(expected * 1.05 + 1024);
  for (let c = 0; c < customers.count; c++) {
    const rnd = createSimulationRandom(options.seed, STREAM.customerTransactions, c);
    const channelRnd = createSimulationRandom(options.seed, STREAM.transactionChannel, c);
    const lambda = customers.meanTxPerDay[c]!;
    const mean = customers.meanAmount[c]!;
    const std = customers.stdAmount[c]!;
    const first = available.offsets[c]!;
    const nAvailable = available.offsets[c + 1]! - first;
    for (let day = 0; day < options.nbDays; day++) {
      const nbTx = rnd.poisson(lambda);
      for (let k = 0; k < nbTx; k++) {
        const timeOfDay = Math.trunc(rnd.normal(SECONDS_PER_DAY / 2, 20_000));
        if (!(timeOfDay > 0 && timeOfDay < SECONDS_PER_DAY)) continue;
        let amount = rnd.normal(mean, std);
        if (amount < 0) amount = rnd.uniform(0, mean * 2);
        amount = roundToCents(amount);
        if (nAvailable === 0) continue;
        const terminal = available.terminals[first + rnd.int(nAvailable)]!;
        const channel = drawChannel(channelRnd.uniform(0, 1));
        builder.push(builder.length, day * SECONDS_PER_DAY + timeOfDay, c, terminal, amount, channel, 0, 0);
      }
    }
  }
  const generated = builder.build(options.startTimeMs);
  const sorted = takeTransactions(generated, eventTimeOrder(generated));
  for (let i = 0; i < sorted.length; i++) sorted.txNumber[i] = i;
  return sorted;
}
