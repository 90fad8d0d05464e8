/**
 * Timers for challengers in their shadow period. The wait happens here, outside the consumer handler:
 * a handler blocked for hours would hold up every later request on the partition, including an urgent
 * ROLLBACK. The deadline itself lives in the run journal, so these timers are only a cache of it: on
 * start the worker re-arms one per pending run (a deadline that passed while it was down fires at once),
 * and shutdown simply drops them.
 */
import type { Logger } from '@riskstream/shared';

/** setTimeout's limit (~24.8 days); longer waits are chained. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class ShadowTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #fire: (eventId: string) => Promise<void>;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #onChange: (pending: number) => void;
  #closed = false;

  constructor(o: { fire: (eventId: string) => Promise<void>; logger: Logger; now?: () => number; onChange?: (pending: number) => void }) {
    this.#fire = o.fire;
    this.#log = o.logger;
    this.#now = o.now ?? Date.now;
    this.#onChange = o.onChange ?? (() => undefined);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** (Re)arms the timer of one run; `at` is epoch ms. */
  schedule(eventId: string, at: number): void {
    if (this.#closed) return;
    this.cancel(eventId);
    const delay = Math.max(0, at - this.#now());
    const timer = setTimeout(() => {
      this.#timers.delete(eventId);
      if (at - this.#now() > 0) {
        this.schedule(eventId, at);
        return;
      }
      this.#onChange(this.#timers.size);
      const run = this.#fire(eventId).catch((err: unknown) => this.#log.error({ err, eventId }, 'shadow finalization failed'));
      this.#inFlight.add(run);
      void run.finally(() => this.#inFlight.delete(run));
    }, Math.min(delay, MAX_TIMEOUT_MS));
    this.#timers.set(eventId, timer);
    this.#onChange(this.#timers.size);
  }

  cancel(eventId: string): void {
    const t = this.#timers.get(eventId);
    if (t) clearTimeout(t);
    if (this.#timers.delete(eventId)) this.#onChange(this.#timers.size);
  }

  /** Drops every timer (the journal keeps the deadlines) and waits for finalizations already running. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#onChange(0);
    await Promise.all([...this.#inFlight]);
  }
}
