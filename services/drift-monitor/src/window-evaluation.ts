/**
 * Turns one window's bin counts into the per-variable statistics and the verdicts:
 *
 *   numeric      PSI, JS distance, binned KS and its p-value (present values; missing share apart)
 *   categorical  PSI, JS distance, chi-square and its p-value (missing values are a category)
 *
 * A variable is DRIFTED when its test still rejects after the multiple-testing correction AND its PSI is
 * at least the floor AND the window holds at least `minEvents` events. The test alone is not enough:
 * with thousands of events per window it rejects differences too small to matter (and the reference,
 * one training week, never matches later traffic exactly); the PSI floor is the effect size that must
 * also be there. The DATASET verdict is raised when at least max(1, ceil(share * m)) of the m tested
 * variables drifted.
 *
 * All results live in preallocated typed arrays: evaluating a window allocates nothing.
 */
import { CATEGORICAL, type BinLayout } from './bin-layout.ts';
import { chiSquarePValue, chiSquareStatistic } from './chi-square.ts';
import { jensenShannonDistance, psi } from './distribution-distance.ts';
import { binnedKsStatistic, ksPValue } from './kolmogorov-smirnov.ts';
import { correct, type Correction } from './multiple-testing.ts';

export interface VerdictSettings {
  readonly alpha: number;
  readonly correction: Correction;
  readonly psiFloor: number;
  readonly minEvents: number;
  /** Share of tested variables that must drift for the dataset verdict; 0 = any one. */
  readonly datasetDriftShare: number;
}

export class WindowEvaluation {
  readonly layout: BinLayout;
  readonly psi: Float64Array;
  readonly js: Float64Array;
  /** NaN for categoricals. */
  readonly ks: Float64Array;
  /** NaN for numerics. */
  readonly chi2: Float64Array;
  readonly pValue: Float64Array;
  readonly missingRatio: Float64Array;
  readonly reject: Uint8Array;
  readonly drifted: Uint8Array;
  readonly #tested: Float64Array;
  readonly #order: Uint32Array;
  /** Whether any evaluation ran yet. */
  evaluated = false;
  events = 0;
  driftedCount = 0;
  testedCount = 0;
  driftedRatio = 0;
  datasetDrifted = false;
  startMs = Number.NaN;
  endMs = Number.NaN;

  constructor(layout: BinLayout) {
    const F = layout.names.length;
    this.layout = layout;
    this.psi = new Float64Array(F);
    this.js = new Float64Array(F);
    this.ks = new Float64Array(F);
    this.chi2 = new Float64Array(F);
    this.pValue = new Float64Array(F);
    this.missingRatio = new Float64Array(F);
    this.reject = new Uint8Array(F);
    this.drifted = new Uint8Array(F);
    this.#tested = new Float64Array(F);
    this.#order = new Uint32Array(F);
  }

  /**
   * Evaluates `counts` (a window over `layout`) holding `events` events. `corrected` = false tests each
   * variable at alpha alone (the score: one test, no family).
   */
  evaluate(counts: Int32Array, events: number, startMs: number, endMs: number, s: VerdictSettings, corrected = true): this {
    const L = this.layout;
    const F = L.names.length;
    const ref = L.reference;
    for (let j = 0; j < F; j++) {
      const off = L.slotOffset[j]!;
      const end = L.slotOffset[j + 1]!;
      const distEnd = off + L.distributionSlots[j]!;
      let total = 0;
      for (let i = off; i < end; i++) total += counts[i]!;
      const missing = counts[off + L.missingSlot[j]!]!;
      this.missingRatio[j] = total > 0 ? missing / total : Number.NaN;
      this.psi[j] = psi(counts, ref, off, distEnd);
      this.js[j] = jensenShannonDistance(counts, ref, off, distEnd);
      let present: number;
      if (L.kinds[j] === CATEGORICAL) {
        present = total;
        const c = chiSquareStatistic(counts, ref, off, distEnd);
        this.ks[j] = Number.NaN;
        this.chi2[j] = c.statistic;
        this.pValue[j] = chiSquarePValue(c.statistic, c.df);
      } else {
        present = total - missing;
        const d = binnedKsStatistic(counts, ref, off, distEnd);
        this.ks[j] = d;
        this.chi2[j] = Number.NaN;
        this.pValue[j] = ksPValue(d, present);
      }
      // Too few values for a verdict: not part of the family either (it would only dilute it).
      this.#tested[j] = present >= s.minEvents && events >= s.minEvents ? this.pValue[j]! : Number.NaN;
    }
    if (corrected) correct(s.correction, this.#tested, s.alpha, this.reject, this.#order);
    else for (let j = 0; j < F; j++) this.reject[j] = this.#tested[j]! <= s.alpha ? 1 : 0;
    let drifted = 0;
    let tested = 0;
    for (let j = 0; j < F; j++) {
      if (!Number.isNaN(this.#tested[j]!)) tested++;
      this.drifted[j] = this.reject[j] === 1 && this.psi[j]! >= s.psiFloor ? 1 : 0;
      drifted += this.drifted[j]!;
    }
    this.events = events;
    this.startMs = startMs;
    this.endMs = endMs;
    this.driftedCount = drifted;
    this.testedCount = tested;
    this.driftedRatio = tested > 0 ? drifted / tested : 0;
    this.datasetDrifted = tested > 0 && drifted >= Math.max(1, Math.ceil(s.datasetDriftShare * tested));
    this.evaluated = true;
    return this;
  }
}
