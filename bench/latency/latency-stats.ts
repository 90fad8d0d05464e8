/**
 * From send times and arrivals to the figures the bench reports: latency percentiles, what went missing
 * or came twice, the achieved send rate, and a backlog's sustained output rate.
 */
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { max, mean, min, quantileSorted } from 'simple-statistics';
import type { ArrivalReader } from './arrival-reader.ts';

export type IdOf = (value: Buffer) => Promise<string> | string;

/** Decodes between yields to the event loop, so the reader's next arrival stamp is not held up. */
const DECODE_SLICE = 500;

/** Transaction id -> arrival times, decoded from a reader's arrivals as they come. */
export class ReceiptIndex {
  readonly receipts = new Map<string, number[]>();
  private readonly reader: ArrivalReader;
  private readonly idOf: IdOf;
  private next: number;

  /** Indexes the arrivals from the `from`th on (by default, from the next one). */
  constructor(reader: ArrivalReader, idOf: IdOf, from = reader.arrivals.length) {
    this.reader = reader;
    this.idOf = idOf;
    this.next = from;
  }

  async catchUp(): Promise<void> {
    const arrivals = this.reader.arrivals;
    for (; this.next < arrivals.length; this.next++) {
      if (this.next % DECODE_SLICE === 0) await yieldToIo();
      const a = arrivals[this.next]!;
      const id = await this.idOf(a.value);
      const times = this.receipts.get(id);
      if (times) times.push(a.receivedAt);
      else this.receipts.set(id, [a.receivedAt]);
    }
  }

  /** How many of `ids` have arrived at least once. */
  countOf(ids: ReadonlyMap<string, number>): number {
    let n = 0;
    for (const id of ids.keys()) if (this.receipts.has(id)) n++;
    return n;
  }
}

export interface Percentiles {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface LatencyRepeat extends Percentiles {
  readonly sent: number;
  readonly sentPerSecond: number;
  readonly received: number;
  readonly missing: number;
  readonly duplicates: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function percentiles(sortedMs: readonly number[]): Percentiles {
  if (sortedMs.length === 0) return { p50Ms: Number.NaN, p95Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN };
  const q = (p: number) => round1(quantileSorted(sortedMs as number[], p));
  return { p50Ms: q(0.5), p95Ms: q(0.95), p99Ms: q(0.99), maxMs: round1(max(sortedMs as number[])) };
}

/** Latency of each sent id that arrived (its first arrival), sorted. */
export function latenciesOf(sentAt: ReadonlyMap<string, number>, receipts: ReadonlyMap<string, readonly number[]>): number[] {
  const out: number[] = [];
  for (const [id, sent] of sentAt) {
    const times = receipts.get(id);
    if (times) out.push(times[0]! - sent);
  }
  return out.sort((a, b) => a - b);
}

/** Sent records per second between the first and the last send. */
function sendRate(sentAt: ReadonlyMap<string, number>): number {
  const times = [...sentAt.values()];
  const span = (max(times) - min(times)) / 1000;
  return span > 0 ? Math.round(((times.length - 1) / span) * 10) / 10 : Number.NaN;
}

export function latencyRepeat(sentAt: ReadonlyMap<string, number>, receipts: ReadonlyMap<string, readonly number[]>, latencies: readonly number[]): LatencyRepeat {
  let duplicates = 0;
  for (const id of sentAt.keys()) duplicates += Math.max(0, (receipts.get(id)?.length ?? 0) - 1);
  return {
    sent: sentAt.size,
    sentPerSecond: sendRate(sentAt),
    received: latencies.length,
    missing: sentAt.size - latencies.length,
    duplicates,
    ...percentiles(latencies),
  };
}

export interface LatencySummary extends LatencyRepeat {
  /** Min and max of each percentile across the repeats: the machine is shared and noisy. */
  readonly spread: Record<keyof Percentiles, readonly [number, number]>;
}

/** The repeats pooled (percentiles over every latency of every repeat), with the repeats' spread. */
export function summariseRepeats(repeats: readonly LatencyRepeat[], pooledSortedMs: readonly number[]): LatencySummary {
  const sum = (k: 'sent' | 'received' | 'missing' | 'duplicates') => repeats.reduce((s, r) => s + r[k], 0);
  const range = (k: keyof Percentiles): readonly [number, number] => [min(repeats.map((r) => r[k])), max(repeats.map((r) => r[k]))];
  return {
    sent: sum('sent'),
    sentPerSecond: round1(mean(repeats.map((r) => r.sentPerSecond))),
    received: sum('received'),
    missing: sum('missing'),
    duplicates: sum('duplicates'),
    ...percentiles(pooledSortedMs),
    spread: { p50Ms: range('p50Ms'), p95Ms: range('p95Ms'), p99Ms: range('p99Ms'), maxMs: range('maxMs') },
  };
}

/**
 * Sustained records per second of a drained backlog: between the 10th and the 90th percentile of the
 * arrival times, as pipeline-bench's rateOf does with broker timestamps (the first tenth is start-up and
 * JIT warm-up, the last the drain's tail). Arrival times, not broker timestamps, because Kafka Streams
 * gives an output record its input record's timestamp, which would measure the producer instead.
 */
export function sustainedRate(arrivalTimes: readonly number[]): number {
  const sorted = [...arrivalTimes].sort((a, b) => a - b);
  const lo = Math.floor(sorted.length * 0.1);
  const hi = Math.floor(sorted.length * 0.9);
  return Math.round((hi - lo) / Math.max(0.001, (sorted[hi]! - sorted[lo]!) / 1000));
}
