/**
 * What `riskstream experiment status` prints, as the drift monitor serves it (GET /v1/experiments):
 * per arm the events, decisions, realised and estimated precision/recall at the arm's thresholds with a
 * 95 % Wilson interval on the realised ones, and value per event (realised where labelled, estimated
 * otherwise) with the 95 % interval of the bandit's posterior.
 */
import { blendedValuePerEvent, precisionOf, recallOf, type ArmSnapshot } from './arm-statistics.ts';
import type { ArmPosterior } from './thompson.ts';

const Z95 = 1.959963984540054;

export type Interval = readonly [number, number];

export interface ArmStatus {
  readonly arm: string;
  readonly weight: number;
  readonly stopped: boolean;
  readonly events: number;
  readonly labelled: number;
  readonly decisions: ArmSnapshot['decisions'];
  readonly precision: { readonly realised: number; readonly realisedCi: Interval; readonly estimated: number };
  readonly recall: { readonly realised: number; readonly realisedCi: Interval; readonly estimated: number };
  /** Totals in the value model's currency. */
  readonly value: { readonly realised: number; readonly estimated: number; readonly blended: number };
  readonly valuePerEvent: { readonly blended: number; readonly ci: Interval };
  readonly probabilityBest: number | null;
}

export interface ExperimentStatus {
  readonly name: string;
  readonly mode: 'split' | 'bandit';
  readonly currency: string;
  readonly arms: readonly ArmStatus[];
}

/** Wilson score interval of a proportion `k` of `n` (NaN when n is 0). */
export function wilson(k: number, n: number): Interval {
  if (!(n > 0)) return [Number.NaN, Number.NaN];
  const p = k / n;
  const denominator = 1 + (Z95 * Z95) / n;
  const centre = (p + (Z95 * Z95) / (2 * n)) / denominator;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + (Z95 * Z95) / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Mean value per event over labelled (realised) and estimate-only events, and the 95 % interval of the
 * bandit's posterior on it (thompson.ts: estimates discounted and corrected by the labelled residuals,
 * the variance over card groups), so `experiment promote` judges with the evidence the bandit uses.
 */
export function valuePerEvent(a: Pick<ArmSnapshot, 'labelled' | 'estimateOnly'>, posterior: Pick<ArmPosterior, 'mean' | 'sd'>): { blended: number; ci: Interval } {
  const blended = blendedValuePerEvent(a);
  const half = Z95 * posterior.sd;
  return { blended, ci: Number.isFinite(half) ? [posterior.mean - half, posterior.mean + half] : [Number.NaN, Number.NaN] };
}

export function armStatus(a: ArmSnapshot, posterior: ArmPosterior, weight: number, stopped: boolean, probabilityBest: number | undefined): ArmStatus {
  const { realised: r, estimated: e } = a;
  return {
    arm: a.arm,
    weight,
    stopped,
    events: a.events,
    labelled: a.labelled.n,
    decisions: a.decisions,
    precision: { realised: precisionOf(r), realisedCi: wilson(r.tp, r.tp + r.fp), estimated: precisionOf(e) },
    recall: { realised: recallOf(r), realisedCi: wilson(r.tp, r.tp + r.fn), estimated: recallOf(e) },
    value: { realised: a.labelled.sum, estimated: a.estimatedValue, blended: a.labelled.sum + a.estimateOnly.sum },
    valuePerEvent: valuePerEvent(a, posterior),
    probabilityBest: probabilityBest ?? null,
  };
}
