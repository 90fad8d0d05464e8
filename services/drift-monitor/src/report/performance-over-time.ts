/**
 * Model performance of past scored events per time bucket, for `riskstream drift report`: each bucket
 * is fed through the monitor's own performance windows (sized to hold the whole bucket), so the
 * numbers are those the live monitor would export over the same events:
 *
 *   estimated  confidence-based (CBPE) from the calibrated scores alone: valid before labels arrive
 *   realised   from the events whose label is known (joined by transaction id)
 *
 * A bucket with fewer than `minEvents` scored (estimated) or labelled (realised) events keeps its counts
 * but no numbers (NaN), as the monitor exports nothing below DRIFT_MIN_PERFORMANCE_EVENTS.
 */
import { EstimatedPerformanceWindow, RealisedPerformanceWindow, type EstimatedPerformance, type RealisedPerformance } from '../performance-window.ts';
import { ScoreBins } from '../score-histogram.ts';

/** Label of a scored event: 1 fraud, 0 genuine, -1 not (yet) known. */
export type KnownLabel = -1 | 0 | 1;

export interface ScoredEvents {
  readonly eventTimeMs: ArrayLike<number>;
  readonly scores: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
}

export interface PerformanceSettings {
  /** The model's review threshold (precision at review). */
  readonly review: number;
  /** DRIFT_SCORE_BINS. */
  readonly scoreBins: number;
  /** DRIFT_MIN_PERFORMANCE_EVENTS. */
  readonly minEvents: number;
}

export interface PerformanceBucket {
  readonly startMs: number;
  readonly endMs: number;
  readonly estimated: EstimatedPerformance;
  readonly realised: RealisedPerformance;
  /** Share of fraud among the labelled events; NaN without labels. */
  readonly fraudRate: number;
  /** Mean score: the fraud rate the calibrated model expects. */
  readonly meanScore: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Buckets of a UTC day for windows of two days or more, of an hour below that, of a minute below two hours. */
export function bucketLengthMs(spanMs: number): number {
  return spanMs >= 2 * DAY_MS ? DAY_MS : spanMs >= 2 * HOUR_MS ? HOUR_MS : 60_000;
}

/** Buckets [startMs + k * bucketMs, ...) up to endMs (the last one cut at endMs), aligned to startMs. */
export function performanceOverTime(events: ScoredEvents, startMs: number, endMs: number, bucketMs: number, s: PerformanceSettings): PerformanceBucket[] {
  if (!(bucketMs > 0) || !(endMs > startMs)) throw new RangeError(`need bucketMs > 0 and endMs > startMs, got ${bucketMs}, ${startMs}..${endMs}`);
  const n = Math.ceil((endMs - startMs) / bucketMs);
  const of = (t: number): number => Math.floor((t - startMs) / bucketMs);
  const scored = new Int32Array(n);
  const labelled = new Int32Array(n);
  for (let i = 0; i < events.scores.length; i++) {
    const b = of(events.eventTimeMs[i]!);
    if (b < 0 || b >= n) continue;
    scored[b]!++;
    if (events.labels[i]! >= 0) labelled[b]!++;
  }
  const bins = new ScoreBins(s.scoreBins);
  const buckets = Array.from({ length: n }, (_, b) => ({
    estimated: new EstimatedPerformanceWindow(Math.max(1, scored[b]!), bins, s.review),
    realised: new RealisedPerformanceWindow(Math.max(1, labelled[b]!), bins, s.review),
    scoreSum: 0,
    frauds: 0,
  }));
  for (let i = 0; i < events.scores.length; i++) {
    const b = of(events.eventTimeMs[i]!);
    if (b < 0 || b >= n) continue;
    const bucket = buckets[b]!;
    const score = events.scores[i]!;
    bucket.estimated.add(score);
    bucket.scoreSum += score;
    const label = events.labels[i]!;
    if (label >= 0) {
      bucket.realised.add(score, label === 1);
      bucket.frauds += label;
    }
  }
  return buckets.map((bucket, b) => ({
    startMs: startMs + b * bucketMs,
    endMs: Math.min(endMs, startMs + (b + 1) * bucketMs),
    estimated: gateEstimated(bucket.estimated.compute(), scored[b]!, s.minEvents),
    realised: gateRealised(bucket.realised.compute(), labelled[b]!, s.minEvents),
    fraudRate: labelled[b]! > 0 ? bucket.frauds / labelled[b]! : Number.NaN,
    meanScore: scored[b]! > 0 ? bucket.scoreSum / scored[b]! : Number.NaN,
  }));
}

function gateEstimated(p: EstimatedPerformance, events: number, min: number): EstimatedPerformance {
  if (events >= min) return p;
  return { roc_auc: Number.NaN, average_precision: Number.NaN, precision_at_review: Number.NaN, events };
}

function gateRealised(p: RealisedPerformance, labelled: number, min: number): RealisedPerformance {
  if (labelled >= min) return p;
  return { roc_auc: Number.NaN, average_precision: Number.NaN, precision_at_review: Number.NaN, calibration_error: Number.NaN, labelled_events: labelled };
}
