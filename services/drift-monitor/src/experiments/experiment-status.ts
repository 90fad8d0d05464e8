/**
 * What `riskstream experiment status` prints, as the drift monitor serves it (GET /v1/experiments):
 * per arm the events, decisions, realised and estimated precision/recall at the arm's thresholds with a
 * 95 % Wilson interval on the realised ones, and value per event (realised where labelled, estimated
 * otherwise) with a 95 % normal interval.
 */
import type { ArmSnapshot } from './arm-statistics.ts';

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

/** Mean value per event over labelled (realised) and estimate-only events, and its 95 % interval. */
export function valuePerEvent(a: Pick<ArmSnapshot, 'labelled' | 'estimateOnly'>): { blended: number; ci: Interval } {
  const n = a.labelled.n + a.estimateOnly.n;
  if (n === 0) return { blended: Number.NaN, ci: [Number.NaN, Number.NaN] };
  const mean = (a.labelled.sum + a.estimateOnly.sum) / n;
  // Spread of the per-event values, plus the uncertainty an estimate carries about its realised value.
  const variance = Math.max(0, (a.labelled.sumSq + a.estimateOnly.sumSq) / n - mean * mean) + a.estimateOnly.conditionalVariance / n;
  const half = Z95 * Math.sqrt(variance / n);
  return { blended: mean, ci: [mean - half, mean + half] };
}

const ratio = (num: number, den: number): number => (den > 0 ? num / den : Number.NaN);

export function armStatus(a: ArmSnapshot, weight: number, stopped: boolean, probabilityBest: number | undefined): ArmStatus {
  const { realised: r, estimated: e } = a;
  return {
    arm: a.arm,
    weight,
    stopped,
    events: a.events,
    labelled: a.labelled.n,
    decisions: a.decisions,
    precision: { realised: ratio(r.tp, r.tp + r.fp), realisedCi: wilson(r.tp, r.tp + r.fp), estimated: ratio(e.tp, e.tp + e.fp) },
    recall: { realised: ratio(r.tp, r.tp + r.fn), realisedCi: wilson(r.tp, r.tp + r.fn), estimated: ratio(e.tp, e.tp + e.fn) },
    value: { realised: a.labelled.sum, estimated: a.estimatedValue, blended: a.labelled.sum + a.estimateOnly.sum },
    valuePerEvent: valuePerEvent(a),
    probabilityBest: probabilityBest ?? null,
  };
}
