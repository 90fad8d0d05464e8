import { cardNumberFor, type SimulatedTransaction } from '@riskstream/training';
import type { ProducibleTransaction } from './transaction-producer.ts';

export interface SimulatedTraffic {
  /** What a client sends: the simulator's ground truth (fraud flag, scenario) stays out. */
  readonly transactions: Iterable<ProducibleTransaction>;
  /**
   * The fraud label of a transaction `transactions` yielded, for transactions.labels.v1, once; labelled
   * at the transaction's own event time (the feature store applies the label delay by event time).
   */
  readonly labelOf: (tx: ProducibleTransaction) => Record<string, unknown> | undefined;
}

/**
 * Simulated transactions as a producer sends them, with their labels on the side.
 *
 * `labels: false` when no label will be asked for (then none is kept in memory).
 * `run` (optional) makes a replay of a simulation its own traffic: every transaction id and terminal id
 * gets the prefix `r<run>-` and every customer a card number of its own for that run. The simulator's
 * ids, terminals and cards are the same in every replay of one seed, and ingest's duplicate check and the
 * feature store remember them for days: a second replay would be dropped as duplicates, or add up on the
 * first one's cards and terminals. The population (customers' habits, terminals' places, frauds) stays
 * the simulation's.
 */
export function simulatedTraffic(source: Iterable<SimulatedTransaction>, options: { readonly run?: number; readonly labels?: boolean } = {}): SimulatedTraffic {
  const { run, labels = true } = options;
  // Each yielded transaction's ground truth until its label is taken; nothing is kept without labels.
  const pending = new Map<string, SimulatedTransaction>();
  const tag = run === undefined ? '' : `r${run}-`;
  const own = (tx: SimulatedTransaction): SimulatedTransaction =>
    run === undefined
      ? tx
      : {
          ...tx,
          transaction_id: tag + tx.transaction_id,
          card_number: cardNumberFor(run, Number(tx.customer_id)),
          terminal_id: tx.terminal_id === null ? null : tag + tx.terminal_id,
        };
  function* transactions(): Iterable<ProducibleTransaction> {
    for (const simulated of source) {
      const tx = own(simulated);
      const { is_fraud: _f, fraud_scenario: _s, ...raw } = tx;
      if (labels) pending.set(tx.transaction_id, tx);
      yield raw;
    }
  }
  return {
    transactions: transactions(),
    labelOf(tx) {
      const sim = pending.get(tx.transaction_id);
      pending.delete(tx.transaction_id);
      if (!sim) return undefined;
      return { transaction_id: sim.transaction_id, terminal_id: sim.terminal_id, event_time: sim.event_time, is_fraud: sim.is_fraud, labelled_at: sim.event_time };
    },
  };
}
