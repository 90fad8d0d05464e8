/**
 * A simulated transaction as one plain object, in the shape of transactions.raw.v1 plus the simulator's
 * labels (which a producer sends to the label topic, never with the transaction).
 */

import { CURRENCIES } from './customers.ts';
import type { Currency } from './customers.ts';
import type { SimulationResult } from './simulate.ts';
import { CHANNEL_MISSING, CHANNELS, TERMINAL_MISSING } from './transactions.ts';
import type { Channel } from './transactions.ts';

export interface SimulatedTransaction {
  transaction_id: string;
  card_number: string;
  customer_id: string;
  terminal_id: string | null;
  amount: number;
  currency: Currency;
  channel: Channel | null;
  /** Epoch milliseconds, UTC. */
  event_time: number;
  is_fraud: boolean;
  fraud_scenario: number;
}

export function transactionId(seed: number, txNumber: number): string {
  return `tx-${seed}-${txNumber}`;
}

/** Row `i` of the result's transactions as an object. */
export function transactionAt(result: SimulationResult, i: number): SimulatedTransaction {
  const tx = result.transactions;
  const customer = tx.customer[i]!;
  const terminal = tx.terminal[i]!;
  const channel = tx.channel[i]!;
  return {
    transaction_id: transactionId(result.options.seed, tx.txNumber[i]!),
    card_number: result.customers.cardNumber[customer]!,
    customer_id: String(customer),
    terminal_id: terminal === TERMINAL_MISSING ? null : String(terminal),
    amount: tx.amount[i]!,
    currency: CURRENCIES[result.customers.currency[customer]!]!,
    channel: channel === CHANNEL_MISSING ? null : CHANNELS[channel]!,
    event_time: tx.eventTimeMs[i]!,
    is_fraud: tx.isFraud[i] === 1,
    fraud_scenario: tx.fraudScenario[i]!,
  };
}

/** Every transaction in event-time order (the table's order), one fresh object each. */
export function* transactionsInOrder(result: SimulationResult): Generator<SimulatedTransaction, void, undefined> {
  for (let i = 0; i < result.transactions.length; i++) yield transactionAt(result, i);
}
