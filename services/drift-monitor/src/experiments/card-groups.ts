/**
 * An arm's value sums split over a fixed number of card groups (a hash of the card token), for a variance
 * of its mean value per event that respects cards: a card's events are not independent (a compromised
 * card brings a run of frauds, a big spender a run of large amounts), and routing is sticky per card,
 * so an arm's mean moves with the particular cards it got. Treating events as independent makes the
 * bandit overconfident: with a few thousand cards, the value per event of one model can differ more
 * between two sets of cards than between two models on the same cards.
 *
 * Every card falls in exactly one group, so the groups are independent clusters of cards and the
 * between-group spread of the group totals gives the cluster-robust (ratio-estimator) variance of the
 * mean, in constant memory. It is noisy with few groups of few events; the bandit takes the larger of it
 * and the per-event variance.
 */
import { stableHash32 } from './stable-hash.ts';

export const CARD_GROUPS = 64;

/** The card's group in [0, CARD_GROUPS). */
export function cardGroup(cardToken: string): number {
  return stableHash32(cardToken) % CARD_GROUPS;
}

/** Per group: labelled events and their realised value, estimate-only events and their estimated value. */
export interface CardGroupSnapshot {
  readonly labelledN: Float64Array;
  readonly labelledSum: Float64Array;
  readonly estimateN: Float64Array;
  readonly estimateSum: Float64Array;
}

export class CardGroupSums {
  readonly #labelledN = new Float64Array(CARD_GROUPS);
  readonly #labelledSum = new Float64Array(CARD_GROUPS);
  readonly #estimateN = new Float64Array(CARD_GROUPS);
  readonly #estimateSum = new Float64Array(CARD_GROUPS);

  addEstimate(group: number, estimate: number): void {
    this.#estimateN[group]!++;
    this.#estimateSum[group]! += estimate;
  }

  /** The event's realised value replaces its estimate in its group. */
  settle(group: number, estimate: number, realised: number): void {
    this.#estimateN[group]!--;
    this.#estimateSum[group]! -= estimate;
    if (this.#estimateN[group] === 0) this.#estimateSum[group] = 0;
    this.#labelledN[group]!++;
    this.#labelledSum[group]! += realised;
  }

  snapshot(): CardGroupSnapshot {
    return {
      labelledN: this.#labelledN.slice(),
      labelledSum: this.#labelledSum.slice(),
      estimateN: this.#estimateN.slice(),
      estimateSum: this.#estimateSum.slice(),
    };
  }
}

/**
 * Cluster-robust variance of the arm's weighted mean value per event: estimate-only events weigh
 * `estimateWeight` and are moved by `bias`; `conditionalVariance` (the summed outcome variance of the
 * estimate-only events) adds what their labels will still reveal. NaN with fewer than two non-empty groups.
 */
export function clusteredVariance(g: CardGroupSnapshot, estimateWeight: number, bias: number, conditionalVariance: number): number {
  let n = 0;
  let y = 0;
  let groups = 0;
  const ng = new Float64Array(CARD_GROUPS);
  const yg = new Float64Array(CARD_GROUPS);
  for (let k = 0; k < CARD_GROUPS; k++) {
    ng[k] = g.labelledN[k]! + estimateWeight * g.estimateN[k]!;
    yg[k] = g.labelledSum[k]! + estimateWeight * (g.estimateSum[k]! + g.estimateN[k]! * bias);
    if (ng[k]! > 0) groups++;
    n += ng[k]!;
    y += yg[k]!;
  }
  if (groups < 2) return Number.NaN;
  const mean = y / n;
  let ss = 0;
  for (let k = 0; k < CARD_GROUPS; k++) ss += (yg[k]! - mean * ng[k]!) ** 2;
  return ((groups / (groups - 1)) * ss + estimateWeight * estimateWeight * conditionalVariance) / (n * n);
}
