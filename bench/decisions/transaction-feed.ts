/**
 * Request bodies for the load: simulated transactions (training's simulator: cards with their spending
 * habits, terminals near them, frauds) in event-time order, as a client submits them to POST
 * /v1/decisions (the transactions.raw.v1 shape, no labels). Every body gets a transaction_id of its own,
 * so no request is answered from the decisions process's answer store.
 *
 * Each server gets its own feed over the same simulation, so both see the same cards and terminals in
 * the same order and their feature stores grow alike. A feed that runs past the end starts over with
 * event times moved on by the simulated span, so the stores keep seeing time go forward.
 */
import { transactionAt, type SimulationResult } from '@riskstream/training';

const MS_PER_DAY = 86_400_000;

export class TransactionFeed {
  readonly #sim: SimulationResult;
  readonly #idPrefix: string;
  readonly #spanMs: number;
  #next = 0;

  constructor(sim: SimulationResult, idPrefix: string) {
    this.#sim = sim;
    this.#idPrefix = idPrefix;
    this.#spanMs = sim.options.nbDays * MS_PER_DAY;
  }

  /** Bodies handed out so far. */
  get count(): number {
    return this.#next;
  }

  next(): string {
    const n = this.#next++;
    const rows = this.#sim.transactions.length;
    const { is_fraud: _f, fraud_scenario: _s, ...raw } = transactionAt(this.#sim, n % rows);
    return JSON.stringify({ ...raw, transaction_id: `${this.#idPrefix}${n}`, event_time: raw.event_time + Math.floor(n / rows) * this.#spanMs });
  }
}
