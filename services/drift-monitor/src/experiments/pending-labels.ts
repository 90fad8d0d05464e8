/**
 * The experiment's events still waiting for their label, keyed by transaction id, oldest first, bounded:
 * past `capacity` the oldest entry is evicted and its event keeps its estimated value for good (the
 * caller counts it as expired). A Map keeps insertion order, so the oldest entry is its first key and
 * eviction is O(1). An entry is the transaction id plus a small object (roughly 150-200 bytes in V8), so
 * the capacity is the memory budget: it should cover one label delay's traffic (chargebacks take days),
 * of the sampled transactions only when that is too much (the controller's labelSample); labels later
 * than that are counted as unmatched, as in the drift monitor's LabelJoin.
 * A label settles its entry once: a redelivered label finds nothing and is not counted twice.
 */
import type { PendingEvent } from './arm-statistics.ts';

export class PendingLabels {
  readonly capacity: number;
  readonly #entries = new Map<string, PendingEvent>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Holds the event; returns the evicted oldest entry when the table was full. */
  put(transactionId: string, event: PendingEvent): PendingEvent | undefined {
    // A redelivered score replaces its entry in place; the caller does not count it twice either.
    if (this.#entries.has(transactionId)) {
      this.#entries.set(transactionId, event);
      return undefined;
    }
    this.#entries.set(transactionId, event);
    if (this.#entries.size <= this.capacity) return undefined;
    const oldest = this.#entries.keys().next().value!;
    const evicted = this.#entries.get(oldest)!;
    this.#entries.delete(oldest);
    return evicted;
  }

  has(transactionId: string): boolean {
    return this.#entries.has(transactionId);
  }

  /** The entry, removed; undefined when it was never held, already settled or evicted. */
  take(transactionId: string): PendingEvent | undefined {
    const e = this.#entries.get(transactionId);
    if (e !== undefined) this.#entries.delete(transactionId);
    return e;
  }
}
