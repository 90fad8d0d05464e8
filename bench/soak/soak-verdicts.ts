/**
 * The soak's verdicts, as pure functions of its samples (so a unit test can feed them a growing heap or
 * a growing lag): lag bounded, heap and RSS growth under 5 % after warm-up, p99 stable, nothing lost or
 * duplicated. Every threshold is in SOAK_LIMITS with its unit.
 */
import { linearRegression, median, quantile } from 'simple-statistics';

export const SOAK_LIMITS = Object.freeze({
  /** Largest allowed growth of a process's heap or RSS from the end of warm-up to the end (fraction). */
  maxMemoryGrowth: 0.05,
  /**
   * Lag may exceed the first half's maximum by this many seconds of input (rate x seconds) and a fitted
   * trend may add at most as much over the run: a transaction commit or a GC pause holds a few batches.
   */
  lagMarginSeconds: 5,
  /** ... and never by less than this many records (a low rate's margin would be one batch). */
  lagMarginMinRecords: 500,
  /** p99 of the last windows / p99 of the first post-warm-up windows (medians of `windowSamples`). */
  maxP99Ratio: 1.5,
  /** ... unless the difference is this small (ms): 10 ms more on a 15 ms p99 is not a drift. */
  p99SlackMs: 25,
  /** p90 / median of the post-warm-up windows' p99s: a tail that jumps between windows is not stable. */
  maxP99Spread: 3,
});

export type SoakLimits = typeof SOAK_LIMITS;

export interface MemorySeries {
  readonly process: string;
  /** Post-warm-up samples, in time order (bytes): the heap after a forced full collection, and RSS. */
  readonly heapBytes: readonly number[];
  readonly rssBytes: readonly number[];
}

/** How many samples of each series the first and last windows hold. */
export interface MemoryWindows {
  readonly heap: number;
  readonly rss: number;
}

export interface Verdict {
  readonly pass: boolean;
  readonly why: string;
}

export interface GrowthFigures {
  readonly startBytes: number;
  readonly endBytes: number;
  readonly growth: number;
}

/**
 * Growth of a sawtoothing series: the lowest value of the first `window` samples against the lowest of
 * the last `window`. A heap's floor is what survives collection, so comparing floors does not mistake
 * where a GC cycle happened to be at a sample for a leak; a leak raises the floor.
 */
export function floorGrowth(series: readonly number[], window: number): GrowthFigures {
  if (series.length === 0) return { startBytes: Number.NaN, endBytes: Number.NaN, growth: Number.NaN };
  const w = Math.max(1, Math.min(window, Math.floor(series.length / 2) || 1));
  const startBytes = Math.min(...series.slice(0, w));
  const endBytes = Math.min(...series.slice(-w));
  return { startBytes, endBytes, growth: endBytes / startBytes - 1 };
}

export function memoryVerdict(series: readonly MemorySeries[], windows: MemoryWindows, limits: SoakLimits = SOAK_LIMITS) {
  const perProcess = series.map((s) => ({ process: s.process, heap: floorGrowth(s.heapBytes, windows.heap), rss: floorGrowth(s.rssBytes, windows.rss) }));
  const over = perProcess.flatMap((p) =>
    (['heap', 'rss'] as const)
      .filter((k) => !(p[k].growth < limits.maxMemoryGrowth))
      .map((k) => (Number.isNaN(p[k].growth) ? `${p.process} ${k}: no samples after warm-up` : `${p.process} ${k} ${pct(p[k].growth)}`)),
  );
  const pass = perProcess.length > 0 && over.length === 0;
  const why = perProcess.length === 0 ? 'no memory samples' : pass ? `every process under ${pct(limits.maxMemoryGrowth)}` : `over ${pct(limits.maxMemoryGrowth)}: ${over.join(', ')}`;
  return { pass, why, perProcess };
}

export interface LagSample {
  /** Seconds since the end of warm-up. */
  readonly atSeconds: number;
  readonly lag: number;
}

export function lagVerdict(samples: readonly LagSample[], rate: number, limits: SoakLimits = SOAK_LIMITS) {
  const margin = Math.max(limits.lagMarginMinRecords, rate * limits.lagMarginSeconds);
  if (samples.length < 4) return { pass: false, why: `${samples.length} lag samples after warm-up (need 4)`, margin, firstHalfMax: NaN, secondHalfMax: NaN, trendRecordsPerMinute: NaN, trendOverRun: NaN };
  const half = Math.floor(samples.length / 2);
  const firstHalfMax = Math.max(...samples.slice(0, half).map((s) => s.lag));
  const secondHalfMax = Math.max(...samples.slice(half).map((s) => s.lag));
  const { m } = linearRegression(samples.map((s) => [s.atSeconds, s.lag]));
  const span = samples.at(-1)!.atSeconds - samples[0]!.atSeconds;
  const trendOverRun = m * span;
  const bounded = secondHalfMax <= firstHalfMax + margin;
  const flat = trendOverRun <= margin;
  const why = [
    bounded ? `second half max ${secondHalfMax} <= first half max ${firstHalfMax} + ${margin}` : `second half max ${secondHalfMax} > first half max ${firstHalfMax} + ${margin}`,
    flat ? `trend +${Math.round(trendOverRun)} over the run <= ${margin}` : `growing: trend +${Math.round(trendOverRun)} records over the run > ${margin}`,
  ].join('; ');
  return { pass: bounded && flat, why, margin, firstHalfMax, secondHalfMax, trendRecordsPerMinute: Math.round(m * 60), trendOverRun: Math.round(trendOverRun) };
}

export function p99Verdict(windowP99Ms: readonly number[], window: number, limits: SoakLimits = SOAK_LIMITS) {
  const values = windowP99Ms.filter((v) => Number.isFinite(v));
  if (values.length < 2) return { pass: false, why: `${values.length} latency windows after warm-up (need 2)`, firstMs: NaN, lastMs: NaN, ratio: NaN, spread: NaN };
  const w = Math.max(1, Math.min(window, Math.floor(values.length / 2)));
  const firstMs = median(values.slice(0, w));
  const lastMs = median(values.slice(-w));
  const ratio = lastMs / firstMs;
  const spread = quantile(values, 0.9) / median(values);
  const steady = ratio <= limits.maxP99Ratio || lastMs - firstMs <= limits.p99SlackMs;
  const narrow = spread <= limits.maxP99Spread;
  const why = [
    steady ? `last ${lastMs} ms vs first ${firstMs} ms (x${round2(ratio)})` : `p99 grew from ${firstMs} to ${lastMs} ms (x${round2(ratio)} > ${limits.maxP99Ratio})`,
    narrow ? `spread p90/median x${round2(spread)}` : `spread p90/median x${round2(spread)} > ${limits.maxP99Spread}`,
  ].join('; ');
  return { pass: steady && narrow, why, firstMs, lastMs, ratio: round2(ratio), spread: round2(spread) };
}

export function deliveryVerdict(sent: number, distinctScored: number, duplicates: number): Verdict & { lost: number; duplicates: number } {
  const lost = sent - distinctScored;
  return { pass: lost === 0 && duplicates === 0, why: `${sent} sent, ${lost} lost, ${duplicates} duplicates`, lost, duplicates };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
