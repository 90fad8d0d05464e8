import type { SimulatedTransaction } from '@riskstream/training';
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
 * Simulated transactions as a producer sends them, with their labels on the side. `terminalTag`
 * prefixes every terminal id: the simulator numbers terminals 0..n-1 whatever the seed, so two runs
 * into one feature store would otherwise add up on the same terminals.
 */
export function simulatedTraffic(source: Iterable<SimulatedTransaction>, terminalTag = ''): SimulatedTraffic {
  const pending = new Map<string, SimulatedTransaction>();
  function* transactions(): Iterable<ProducibleTransaction> {
    for (const tx of source) {
      const { is_fraud: _f, fraud_scenario: _s, ...raw } = tx;
      const terminal_id = raw.terminal_id === null || terminalTag === '' ? raw.terminal_id : `${terminalTag}${raw.terminal_id}`;
      pending.set(tx.transaction_id, { ...tx, terminal_id });
      yield { ...raw, terminal_id };
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
