/**
 * Writes a simulation as CSV, one row per transaction in event-time order, with the handbook's time
 * columns next to ours. Rows are joined into ~1 MB chunks and written with backpressure, so memory stays
 * flat and the 1.75M-row default run takes a few seconds.
 */

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { CURRENCIES } from './customers.ts';
import type { SimulationResult } from './simulate.ts';
import { transactionId } from './transaction-record.ts';
import { CHANNEL_MISSING, CHANNELS, TERMINAL_MISSING } from './transactions.ts';

export const CSV_COLUMNS = [
  'transaction_id',
  'tx_datetime',
  'event_time',
  'customer_id',
  'terminal_id',
  'card_number',
  'amount',
  'currency',
  'channel',
  'tx_time_seconds',
  'tx_time_days',
  'is_fraud',
  'fraud_scenario',
] as const;

const CHUNK_CHARS = 1 << 20;

/** Missing optional fields are empty cells. Returns the number of rows written. */
export async function writeCsv(result: SimulationResult, path: string): Promise<number> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  const tx = result.transactions;
  const seed = result.options.seed;
  let chunk = CSV_COLUMNS.join(',') + '\n';
  for (let i = 0; i < tx.length; i++) {
    const customer = tx.customer[i]!;
    const terminal = tx.terminal[i]!;
    const channel = tx.channel[i]!;
    const t = tx.eventTimeMs[i]!;
    chunk +=
      transactionId(seed, tx.txNumber[i]!) + ',' +
      new Date(t).toISOString() + ',' +
      t + ',' +
      customer + ',' +
      (terminal === TERMINAL_MISSING ? '' : terminal) + ',' +
      result.customers.cardNumber[customer]! + ',' +
      tx.amount[i]!.toFixed(2) + ',' +
      CURRENCIES[result.customers.currency[customer]!]! + ',' +
      (channel === CHANNEL_MISSING ? '' : CHANNELS[channel]!) + ',' +
      tx.timeSeconds[i]! + ',' +
      tx.day[i]! + ',' +
      tx.isFraud[i]! + ',' +
      tx.fraudScenario[i]! + '\n';
    if (chunk.length >= CHUNK_CHARS) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await finished(out);
  return tx.length;
}
