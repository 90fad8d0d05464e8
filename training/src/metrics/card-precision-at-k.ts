/**
 * Card precision@k, the daily-alert metric of the Fraud Detection Handbook (Le Borgne et al.): an
 * investigator can check k cards per day, so each day the k cards with the highest maximum score that day
 * are checked, and the day's precision is the share of those k cards that had at least one fraudulent
 * transaction that day. The result is the mean over the days present in the input.
 *
 * Conventions: the denominator is k even on days with fewer than k cards (as in the handbook; the missing
 * slots are wasted capacity). Ties in max score are broken by ascending card id, for determinism.
 * `excludeDetected: true` reproduces the handbook's sequential variant in which a card found compromised
 * on one day is removed from the following days (it would have been blocked).
 */

import { ConfigError, ValidationError } from '@riskstream/shared';

export interface CardPrecisionOptions {
  k: number;
  excludeDetected?: boolean;
}

export interface CardPrecisionDay {
  readonly day: number;
  readonly precision: number;
  /** Compromised cards among the checked k. */
  readonly detected: number;
  /** Distinct cards active that day (after exclusions). */
  readonly cards: number;
}

export interface CardPrecisionResult {
  readonly mean: number;
  readonly perDay: readonly CardPrecisionDay[];
}

export function cardPrecisionAtK(
  day: ArrayLike<number>,
  card: ArrayLike<number>,
  score: ArrayLike<number>,
  label: ArrayLike<number>,
  options: CardPrecisionOptions,
): CardPrecisionResult {
  const n = day.length;
  if (card.length !== n || score.length !== n || label.length !== n) {
    throw new ValidationError('METRIC_INPUT_MISMATCH', [{ path: 'day', problem: `lengths differ: day ${n}, card ${card.length}, score ${score.length}, label ${label.length}` }]);
  }
  const k = options.k;
  if (!(Number.isInteger(k) && k >= 1)) throw new ConfigError([{ field: 'k', problem: `must be an integer >= 1, got ${k}` }]);
  // day -> card -> [max score, any fraud]
  const byDay = new Map<number, Map<number, { max: number; fraud: boolean }>>();
  for (let i = 0; i < n; i++) {
    const s = score[i]!;
    if (Number.isNaN(s)) throw new ValidationError('METRIC_SCORE_NAN', [{ path: `score[${i}]`, problem: 'is NaN' }]);
    const d = day[i]!;
    let cards = byDay.get(d);
    if (!cards) {
      cards = new Map();
      byDay.set(d, cards);
    }
    const c = card[i]!;
    const entry = cards.get(c);
    if (!entry) cards.set(c, { max: s, fraud: label[i] === 1 });
    else {
      if (s > entry.max) entry.max = s;
      if (label[i] === 1) entry.fraud = true;
    }
  }
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const detectedBefore = new Set<number>();
  const perDay: CardPrecisionDay[] = [];
  for (const d of days) {
    const cards = [...byDay.get(d)!].filter(([c]) => !(options.excludeDetected && detectedBefore.has(c)));
    cards.sort((p, q) => q[1].max - p[1].max || p[0] - q[0]);
    let detected = 0;
    for (let j = 0; j < Math.min(k, cards.length); j++) {
      const [c, e] = cards[j]!;
      if (e.fraud) {
        detected++;
        detectedBefore.add(c);
      }
    }
    perDay.push({ day: d, precision: detected / k, detected, cards: cards.length });
  }
  const mean = perDay.length > 0 ? perDay.reduce((s, p) => s + p.precision, 0) / perDay.length : Number.NaN;
  return { mean, perDay };
}
