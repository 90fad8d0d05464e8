/**
 * What each arm of a live experiment has earned so far, as streaming sums: nothing per event is kept
 * except the events still waiting for their label (see PendingLabels), so an experiment of any length
 * costs memory bounded by that table.
 *
 * Every scored event counts at once with its ESTIMATED value: the value model's expected value at the
 * event's decision, amount and calibrated score. When its label arrives the event moves from the
 * estimate-only sums to the labelled sums with its REALISED value, so the blended value per event is
 * "realised where known, estimated otherwise", and the estimate-only share shrinks as labels arrive.
 * For each estimate-only event the sums also keep the variance of its realised value given the score,
 * p(1 - p)(fraud value - legitimate value)^2, so the bandit knows how uncertain the estimate is before
 * any label arrives (a score of 0.5 on a large amount is a coin toss over a large sum).
 *
 * The labelled events also keep their residuals (realised minus estimated value): how far the arm's
 * calibration is off in value terms, which the bandit uses to correct the estimates still waiting.
 *
 * Precision and recall are at the arm's own thresholds, i.e. of its decisions (REVIEW and DECLINE flag):
 * realised over the labelled events; estimated over every event from the calibrated scores (an event
 * scored p is p of a fraud), the drift monitor's CBPE convention, so the two side by side check the
 * calibration of each arm.
 */
import type { Decision, ValueModel } from '@riskstream/shared';
import { cardGroup, CardGroupSums, type CardGroupSnapshot } from './card-groups.ts';

/** The value model's part the statistics need (shared/src/value/value-model.ts). */
export type ArmValueModel = Pick<ValueModel, 'realised' | 'expected'>;

/** The fields of a scored record an arm's statistics read. */
export interface ArmScoredEvent {
  readonly transaction_id: string;
  readonly card_token: string;
  readonly amount: number;
  readonly score: number;
  readonly decision: Decision;
}

/** Count, sum and sum of squares of per-event values. */
export interface ValueSums {
  readonly n: number;
  readonly sum: number;
  readonly sumSq: number;
}

/** The estimate-only events' sums, plus the summed variance of their realised values given the scores. */
export interface EstimateSums extends ValueSums {
  readonly conditionalVariance: number;
}

/** Confusion counts; expected (fractional) counts for the estimated side. */
export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

export interface ArmSnapshot {
  readonly arm: string;
  readonly events: number;
  readonly decisions: Readonly<Record<Decision, number>>;
  readonly labelled: ValueSums;
  readonly estimateOnly: EstimateSums;
  /** Realised minus estimated value of the labelled events. */
  readonly residual: ValueSums;
  /** Estimate-only events that will not get their label here (evicted from the pending table, or outside the label sample). */
  readonly expired: number;
  readonly realised: Confusion;
  readonly estimated: Confusion;
  /** Sum of the expected value of every event (label or not). */
  readonly estimatedValue: number;
  /** The value sums per group of cards (card-groups.ts). */
  readonly groups: CardGroupSnapshot;
}

/** What the bandit reads: the value sums of one arm (without card groups, events count as independent). */
export type ArmEvidence = Pick<ArmSnapshot, 'arm' | 'events' | 'labelled' | 'estimateOnly' | 'residual'> & Partial<Pick<ArmSnapshot, 'groups'>>;

/** One event waiting for its label: what settling it needs. */
export interface PendingEvent {
  readonly arm: number;
  readonly group: number;
  readonly decision: Decision;
  readonly amount: number;
  readonly estimate: number;
  readonly conditionalVariance: number;
}

const flags = (d: Decision): boolean => d !== 'APPROVE';

export class ArmStatistics {
  readonly arm: string;
  readonly #model: ArmValueModel;
  #events = 0;
  readonly #decisions: Record<Decision, number> = { APPROVE: 0, REVIEW: 0, DECLINE: 0 };
  #labelled = { n: 0, sum: 0, sumSq: 0 };
  #residual = { n: 0, sum: 0, sumSq: 0 };
  #estimateOnly = { n: 0, sum: 0, sumSq: 0, conditionalVariance: 0 };
  #expired = 0;
  #realised = { tp: 0, fp: 0, fn: 0 };
  #estimated = { tp: 0, fp: 0, fn: 0 };
  #estimatedValue = 0;
  readonly #groups = new CardGroupSums();

  constructor(arm: string, model: ArmValueModel) {
    this.arm = arm;
    this.#model = model;
  }

  get events(): number {
    return this.#events;
  }

  /** Counts a scored event; returns what settling its label will need. */
  addScored(e: ArmScoredEvent, armIndex: number): PendingEvent {
    this.#events++;
    this.#decisions[e.decision]++;
    const p = Math.min(1, Math.max(0, e.score));
    const estimate = this.#model.expected(e.decision, e.amount, p);
    const spread = this.#model.realised(e.decision, e.amount, true) - this.#model.realised(e.decision, e.amount, false);
    const conditionalVariance = p * (1 - p) * spread * spread;
    this.#estimatedValue += estimate;
    const est = this.#estimateOnly;
    est.n++;
    est.sum += estimate;
    est.sumSq += estimate * estimate;
    est.conditionalVariance += conditionalVariance;
    if (flags(e.decision)) {
      this.#estimated.tp += p;
      this.#estimated.fp += 1 - p;
    } else {
      this.#estimated.fn += p;
    }
    const group = cardGroup(e.card_token);
    this.#groups.addEstimate(group, estimate);
    return { arm: armIndex, group, decision: e.decision, amount: e.amount, estimate, conditionalVariance };
  }

  /** The event's label arrived: its realised value replaces its estimate. */
  settle(pending: PendingEvent, isFraud: boolean): void {
    const est = this.#estimateOnly;
    est.n--;
    est.sum -= pending.estimate;
    est.sumSq -= pending.estimate * pending.estimate;
    est.conditionalVariance -= pending.conditionalVariance;
    if (est.n === 0) this.#estimateOnly = { n: 0, sum: 0, sumSq: 0, conditionalVariance: 0 }; // no drift from rounding
    const value = this.#model.realised(pending.decision, pending.amount, isFraud);
    this.#labelled.n++;
    this.#labelled.sum += value;
    this.#labelled.sumSq += value * value;
    this.#groups.settle(pending.group, pending.estimate, value);
    const residual = value - pending.estimate;
    this.#residual.n++;
    this.#residual.sum += residual;
    this.#residual.sumSq += residual * residual;
    if (isFraud && flags(pending.decision)) this.#realised.tp++;
    else if (!isFraud && flags(pending.decision)) this.#realised.fp++;
    else if (isFraud) this.#realised.fn++;
  }

  /** The event will not get its label here: its estimate stays. */
  expire(): void {
    this.#expired++;
  }

  snapshot(): ArmSnapshot {
    return {
      arm: this.arm,
      events: this.#events,
      decisions: { ...this.#decisions },
      labelled: { ...this.#labelled },
      residual: { ...this.#residual },
      estimateOnly: { ...this.#estimateOnly },
      expired: this.#expired,
      realised: { ...this.#realised },
      estimated: { ...this.#estimated },
      estimatedValue: this.#estimatedValue,
      groups: this.#groups.snapshot(),
    };
  }
}

/** Precision of a confusion; NaN when nothing was flagged. */
export function precisionOf(c: Confusion): number {
  return c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : Number.NaN;
}

/** Recall of a confusion; NaN when there was no fraud. */
export function recallOf(c: Confusion): number {
  return c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : Number.NaN;
}

/** Realised where labelled, estimated otherwise: the arm's value per event; NaN before any event. */
export function blendedValuePerEvent(s: Pick<ArmSnapshot, 'labelled' | 'estimateOnly'>): number {
  const n = s.labelled.n + s.estimateOnly.n;
  return n > 0 ? (s.labelled.sum + s.estimateOnly.sum) / n : Number.NaN;
}
