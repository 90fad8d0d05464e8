/**
 * Model performance over sliding windows of fixed size, before and after labels arrive.
 *
 * ESTIMATED (confidence-based performance estimation, CBPE): the scores are calibrated probabilities,
 * so an event scored p is, in expectation, p of a fraud and 1 - p of a genuine transaction. Summing
 * those fractions per score bin gives expected positives and negatives, from which the expected AUC and
 * AP follow as for labelled data, and the expected precision at the review threshold is the mean score
 * of the flagged events. (Each event also pairs with itself in the AUC sums; that is 1 pair in n and is
 * ignored.) Valid while the calibration holds: the realised numbers, once labels arrive, check it.
 *
 * REALISED: the last N labelled events (label joined to its score) give the AUC, AP, precision at the
 * review threshold and the expected calibration error (10 equal-width bins, training's definition).
 *
 * Both keep the window's scores in a fixed ring (Float32) so that the oldest event can be taken out of
 * the bins exactly; per-bin sums of scores are rebuilt from the ring whenever it wraps, so floating-point
 * error cannot accumulate over millions of additions and subtractions.
 */
import { histogramAuc, histogramAveragePrecision, type ScoreBins } from './score-histogram.ts';

/** Training's ECE: 10 equal-width probability bins (training/src/report/evaluation.ts). */
const ECE_BINS = 10;

export interface EstimatedPerformance {
  readonly roc_auc: number;
  readonly average_precision: number;
  readonly precision_at_review: number;
  readonly events: number;
}

export interface RealisedPerformance {
  readonly roc_auc: number;
  readonly average_precision: number;
  readonly precision_at_review: number;
  readonly calibration_error: number;
  readonly labelled_events: number;
}

export class EstimatedPerformanceWindow {
  readonly capacity: number;
  readonly review: number;
  readonly #bins: ScoreBins;
  readonly #ring: Float32Array;
  readonly #count: Float64Array;
  readonly #sum: Float64Array;
  readonly #neg: Float64Array;
  #head = 0;
  #size = 0;
  #flagged = 0;
  #flaggedSum = 0;

  constructor(capacity: number, bins: ScoreBins, review: number) {
    this.capacity = capacity;
    this.review = review;
    this.#bins = bins;
    this.#ring = new Float32Array(capacity);
    this.#count = new Float64Array(bins.count);
    this.#sum = new Float64Array(bins.count);
    this.#neg = new Float64Array(bins.count);
  }

  get size(): number {
    return this.#size;
  }

  add(score: number): void {
    const b = this.#bins.binOf(score);
    if (b < 0) return;
    const s = Math.fround(score);
    if (this.#size === this.capacity) {
      const old = this.#ring[this.#head]!;
      const ob = this.#bins.binOf(old);
      this.#count[ob]!--;
      this.#sum[ob]! -= old;
      if (old >= this.review) {
        this.#flagged--;
        this.#flaggedSum -= old;
      }
    } else {
      this.#size++;
    }
    this.#ring[this.#head] = s;
    this.#count[b]!++;
    this.#sum[b]! += s;
    if (s >= this.review) {
      this.#flagged++;
      this.#flaggedSum += s;
    }
    if (++this.#head === this.capacity) {
      this.#head = 0;
      this.#resum();
    }
  }

  compute(): EstimatedPerformance {
    for (let b = 0; b < this.#count.length; b++) this.#neg[b] = Math.max(0, this.#count[b]! - this.#sum[b]!);
    return {
      roc_auc: histogramAuc(this.#sum, this.#neg),
      average_precision: histogramAveragePrecision(this.#sum, this.#neg),
      precision_at_review: this.#flagged > 0 ? this.#flaggedSum / this.#flagged : Number.NaN,
      events: this.#size,
    };
  }

  #resum(): void {
    this.#sum.fill(0);
    this.#flaggedSum = 0;
    for (let i = 0; i < this.#size; i++) {
      const s = this.#ring[i]!;
      this.#sum[this.#bins.binOf(s)]! += s;
      if (s >= this.review) this.#flaggedSum += s;
    }
  }
}

export class RealisedPerformanceWindow {
  readonly capacity: number;
  readonly review: number;
  readonly #bins: ScoreBins;
  readonly #scores: Float32Array;
  readonly #labels: Uint8Array;
  readonly #pos: Int32Array;
  readonly #neg: Int32Array;
  readonly #eceCount = new Int32Array(ECE_BINS);
  readonly #eceSum = new Float64Array(ECE_BINS);
  readonly #ecePos = new Int32Array(ECE_BINS);
  #head = 0;
  #size = 0;
  #flagged = 0;
  #flaggedFraud = 0;

  constructor(capacity: number, bins: ScoreBins, review: number) {
    this.capacity = capacity;
    this.review = review;
    this.#bins = bins;
    this.#scores = new Float32Array(capacity);
    this.#labels = new Uint8Array(capacity);
    this.#pos = new Int32Array(bins.count);
    this.#neg = new Int32Array(bins.count);
  }

  get size(): number {
    return this.#size;
  }

  add(score: number, isFraud: boolean): void {
    if (this.#bins.binOf(score) < 0) return;
    if (this.#size === this.capacity) this.#update(this.#scores[this.#head]!, this.#labels[this.#head]!, -1);
    else this.#size++;
    const s = Math.fround(score);
    const y = isFraud ? 1 : 0;
    this.#scores[this.#head] = s;
    this.#labels[this.#head] = y;
    this.#update(s, y, 1);
    if (++this.#head === this.capacity) {
      this.#head = 0;
      this.#resum();
    }
  }

  compute(): RealisedPerformance {
    let ece = 0;
    for (let b = 0; b < ECE_BINS; b++) {
      const c = this.#eceCount[b]!;
      if (c > 0) ece += (c / this.#size) * Math.abs(this.#ecePos[b]! / c - this.#eceSum[b]! / c);
    }
    return {
      roc_auc: histogramAuc(this.#pos, this.#neg),
      average_precision: histogramAveragePrecision(this.#pos, this.#neg),
      precision_at_review: this.#flagged > 0 ? this.#flaggedFraud / this.#flagged : Number.NaN,
      calibration_error: this.#size > 0 ? ece : Number.NaN,
      labelled_events: this.#size,
    };
  }

  #update(s: number, y: number, sign: 1 | -1): void {
    const b = this.#bins.binOf(s);
    if (y === 1) this.#pos[b]! += sign;
    else this.#neg[b]! += sign;
    const e = Math.min(ECE_BINS - 1, Math.max(0, Math.floor(s * ECE_BINS)));
    this.#eceCount[e]! += sign;
    this.#eceSum[e]! += sign * s;
    this.#ecePos[e]! += sign * y;
    if (s >= this.review) {
      this.#flagged += sign;
      this.#flaggedFraud += sign * y;
    }
  }

  #resum(): void {
    this.#eceSum.fill(0);
    for (let i = 0; i < this.#size; i++) {
      const s = this.#scores[i]!;
      this.#eceSum[Math.min(ECE_BINS - 1, Math.max(0, Math.floor(s * ECE_BINS)))]! += s;
    }
  }
}
