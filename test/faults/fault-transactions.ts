/**
 * The simulated transactions a fault scenario streams: unique ids `<run>-<seq>`, each card's events in
 * increasing seq and event time (so a card's input order is its seq order), a share of deliberately
 * invalid records (negative amount: ingest dead-letters them) and a share of cards that enter through
 * POST /v1/decisions instead of Kafka. A card enters one way only: the two entries have no order between
 * them, so the per-card order check is only meaningful within one.
 */
import { luhnCheckDigit } from '@riskstream/training';

export type Entry = 'kafka' | 'decisions';

export interface FaultTransaction {
  readonly id: string;
  readonly seq: number;
  readonly cardNumber: string;
  readonly terminalId: string;
  readonly amount: number;
  readonly eventTime: number;
  readonly valid: boolean;
  readonly entry: Entry;
  /** The body sent (raw JSON on Kafka, the request body on the API). */
  readonly value: Readonly<Record<string, unknown>>;
}

export interface TransactionMix {
  readonly events: number;
  readonly cards: number;
  readonly terminals: number;
  /** Share of the events that are invalid (Kafka entry only: the API answers 400 and records nothing). */
  readonly invalidShare: number;
  /** Share of the cards whose events go through POST /v1/decisions. */
  readonly decisionsShare: number;
}

export const DEFAULT_MIX: Omit<TransactionMix, 'events'> = Object.freeze({ cards: 2000, terminals: 997, invalidShare: 0.03, decisionsShare: 0.1 });

/** 2026-01-05T00:00Z; events are 0.8 s apart, so 100,000 of them span 22 h: at most two UTC days. */
const START_MS = Date.UTC(2026, 0, 5);
const SPACING_MS = 800;

export function faultTransactions(run: string, mix: TransactionMix): FaultTransaction[] {
  const cards = Array.from({ length: mix.cards }, (_, i) => {
    const payload = `4${String(200000000000000 + i * 7919).slice(-14)}`;
    return `${payload}${luhnCheckDigit(payload)}`;
  });
  const decisionsCards = Math.round(mix.cards * mix.decisionsShare);
  const invalidEvery = mix.invalidShare > 0 ? Math.round(1 / mix.invalidShare) : 0;
  const out: FaultTransaction[] = [];
  for (let i = 0; i < mix.events; i++) {
    // A stride coprime with the card count spreads each card's events over the whole stream.
    const card = (i * 7) % mix.cards;
    const entry: Entry = card < decisionsCards ? 'decisions' : 'kafka';
    const valid = !(entry === 'kafka' && invalidEvery > 0 && i % invalidEvery === invalidEvery - 1);
    const amount = valid ? 1 + ((i * 37) % 500) + (i % 100) / 100 : -1;
    const id = `${run}-${i}`;
    const terminalId = `t-${i % mix.terminals}`;
    const eventTime = START_MS + i * SPACING_MS;
    out.push({
      id,
      seq: i,
      cardNumber: cards[card]!,
      terminalId,
      amount,
      eventTime,
      valid,
      entry,
      value: { transaction_id: id, card_number: cards[card]!, customer_id: `c-${card}`, terminal_id: terminalId, amount, currency: 'EUR', channel: 'pos', event_time: eventTime },
    });
  }
  return out;
}

export function seqOf(id: string): number {
  return Number(id.slice(id.lastIndexOf('-') + 1));
}
