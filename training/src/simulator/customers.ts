/**
 * Customer profiles, as in the handbook: a location on the 100 x 100 grid, a mean amount U(5, 100) with
 * standard deviation mean / 2, and a mean number of transactions per day U(0, 4). Draws happen in the
 * handbook's order (x, y, mean amount, mean tx/day) per customer from one stream.
 *
 * Added for our schema: a card number and a card currency per customer. The currency comes from its own
 * stream so that the handbook's draws are unchanged by it.
 */

import { cardNumberFor } from './card-number.ts';
import { createSimulationRandom, STREAM } from './random.ts';

export const GRID_SIZE = 100;

export const CURRENCIES = ['EUR', 'GBP', 'USD', 'CHF', 'SEK'] as const;
export type Currency = (typeof CURRENCIES)[number];
// Cumulative shares of CURRENCIES: most cards are euro cards, a few foreign ones.
const CURRENCY_CUMULATIVE = [0.85, 0.91, 0.96, 0.98, 1] as const;

export interface CustomerProfiles {
  readonly count: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly meanAmount: Float64Array;
  readonly stdAmount: Float64Array;
  readonly meanTxPerDay: Float64Array;
  /** Index into CURRENCIES. */
  readonly currency: Uint8Array;
  readonly cardNumber: readonly string[];
}

export function generateCustomerProfiles(count: number, seed: number): CustomerProfiles {
  const rnd = createSimulationRandom(seed, STREAM.customers);
  const cur = createSimulationRandom(seed, STREAM.currency);
  const x = new Float64Array(count);
  const y = new Float64Array(count);
  const meanAmount = new Float64Array(count);
  const stdAmount = new Float64Array(count);
  const meanTxPerDay = new Float64Array(count);
  const currency = new Uint8Array(count);
  const cardNumber: string[] = new Array<string>(count);
  for (let c = 0; c < count; c++) {
    x[c] = rnd.uniform(0, GRID_SIZE);
    y[c] = rnd.uniform(0, GRID_SIZE);
    const mean = rnd.uniform(5, 100);
    meanAmount[c] = mean;
    stdAmount[c] = mean / 2;
    meanTxPerDay[c] = rnd.uniform(0, 4);
    const u = cur.uniform(0, 1);
    let k = 0;
    while (u >= CURRENCY_CUMULATIVE[k]!) k++;
    currency[c] = k;
    cardNumber[c] = cardNumberFor(seed, c);
  }
  return { count, x, y, meanAmount, stdAmount, meanTxPerDay, currency, cardNumber };
}
