/**
 * Drift of one closed window of past events against the reference profile, for `riskstream drift
 * report`: the same bin layout, the same statistics and the same verdict rule as the live monitor
 * (WindowEvaluation, including the multiple-testing correction across the monitored features and the
 * uncorrected single test of the score), plus the per-bin shares a report draws. The window is counted
 * exactly as HistogramWindows counts a live event (slotOf per variable), so a report over a day and the
 * monitor's tumbling window over the same events give the same numbers.
 */
import type { ReferenceProfile } from '@riskstream/shared/model';
import { CATEGORICAL, buildBinLayout, scoreLayout, slotOf, type BinLayout } from '../bin-layout.ts';
import { WindowEvaluation, type VerdictSettings } from '../window-evaluation.ts';

export interface BinShare {
  /** Human-readable bin: "(a, b]" for numerics, the category value, "missing" or "other". */
  readonly label: string;
  /** Reference share (numerics: of present values). */
  readonly reference: number;
  /** Window share, on the same base as the reference; NaN when the window has no value here. */
  readonly window: number;
  readonly count: number;
}

export interface VariableDrift {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** The distribution the tests compare (numerics: present values only; categoricals: every slot). */
  readonly bins: readonly BinShare[];
  readonly referenceMissing: number;
  readonly windowMissing: number;
  readonly psi: number;
  readonly js: number;
  /** Binned KS statistic (numerics), NaN for categoricals. */
  readonly ks: number;
  /** Chi-square statistic (categoricals), NaN for numerics. */
  readonly chi2: number;
  readonly pValue: number;
  /** Whether the variable had enough values to enter the test family. */
  readonly tested: boolean;
  /** Its test rejected after the correction. */
  readonly rejected: boolean;
  /** Rejected AND PSI at least the floor: the monitor's per-feature verdict. */
  readonly drifted: boolean;
}

export interface DatasetVerdict {
  readonly drifted: boolean;
  readonly driftedCount: number;
  readonly testedCount: number;
  /** Features that must drift for the verdict: max(1, ceil(share * tested)). */
  readonly needed: number;
}

export interface WindowDrift {
  readonly events: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly settings: VerdictSettings;
  readonly features: readonly VariableDrift[];
  readonly dataset: DatasetVerdict;
  /** The model score against the reference score distribution (one test at alpha, no family). */
  readonly score: VariableDrift;
  readonly scoredEvents: number;
}

export interface WindowValues {
  /** Column per monitored feature, same order as `featureNames`; NaN = missing. All of one length. */
  readonly features: readonly ArrayLike<number>[];
  /** The model's scores of the window's events (may be fewer than the feature rows). */
  readonly scores: ArrayLike<number>;
  readonly startMs: number;
  readonly endMs: number;
}

export function windowDrift(profile: ReferenceProfile, featureNames: readonly string[], settings: VerdictSettings, values: WindowValues): WindowDrift {
  const missing = featureNames.filter((n) => profile.features[n] === undefined);
  if (missing.length > 0) throw new RangeError(`features without a reference profile: ${missing.join(', ')}`);
  if (values.features.length !== featureNames.length) throw new RangeError(`${values.features.length} feature columns for ${featureNames.length} features`);
  const events = values.features[0]?.length ?? 0;
  if (values.features.some((c) => c.length !== events)) throw new RangeError('feature columns differ in length');

  const layout = buildBinLayout(featureNames.map((name) => ({ name, profile: profile.features[name]! })));
  const featureCounts = countColumns(layout, values.features);
  const features = new WindowEvaluation(layout).evaluate(featureCounts, events, values.startMs, values.endMs, settings, true);

  const sLayout = scoreLayout(profile.score);
  const scoreCounts = countColumns(sLayout, [values.scores]);
  const score = new WindowEvaluation(sLayout).evaluate(scoreCounts, values.scores.length, values.startMs, values.endMs, settings, false);

  return {
    events,
    startMs: values.startMs,
    endMs: values.endMs,
    settings,
    features: featureNames.map((_, j) => variableDrift(features, featureCounts, j, settings.minEvents)),
    dataset: {
      drifted: features.datasetDrifted,
      driftedCount: features.driftedCount,
      testedCount: features.testedCount,
      needed: Math.max(1, Math.ceil(settings.datasetDriftShare * features.testedCount)),
    },
    score: variableDrift(score, scoreCounts, 0, settings.minEvents),
    scoredEvents: values.scores.length,
  };
}

/** Bin counts of the columns over `layout`, slot by slot as the live windows count them. */
export function countColumns(layout: BinLayout, columns: readonly ArrayLike<number>[]): Int32Array {
  const counts = new Int32Array(layout.totalSlots);
  columns.forEach((column, j) => {
    const off = layout.slotOffset[j]!;
    for (let i = 0; i < column.length; i++) counts[off + slotOf(layout, j, column[i]!)]!++;
  });
  return counts;
}

function variableDrift(e: WindowEvaluation, counts: Int32Array, j: number, minEvents: number): VariableDrift {
  const L = e.layout;
  const categorical = L.kinds[j] === CATEGORICAL;
  return {
    name: L.names[j]!,
    kind: categorical ? 'categorical' : 'numeric',
    bins: binShares(L, counts, j),
    referenceMissing: L.referenceMissing[j]!,
    windowMissing: e.missingRatio[j]!,
    psi: e.psi[j]!,
    js: e.js[j]!,
    ks: e.ks[j]!,
    chi2: e.chi2[j]!,
    pValue: e.pValue[j]!,
    tested: tested(e, counts, j, minEvents),
    rejected: e.reject[j] === 1,
    drifted: e.drifted[j] === 1,
  };
}

/** Mirrors WindowEvaluation's rule for entering the family (enough values and enough events). */
function tested(e: WindowEvaluation, counts: Int32Array, j: number, minEvents: number): boolean {
  const L = e.layout;
  const off = L.slotOffset[j]!;
  let total = 0;
  for (let i = off; i < L.slotOffset[j + 1]!; i++) total += counts[i]!;
  const present = L.kinds[j] === CATEGORICAL ? total : total - counts[off + L.missingSlot[j]!]!;
  return !Number.isNaN(e.pValue[j]!) && present >= minEvents && e.events >= minEvents;
}

function binShares(L: BinLayout, counts: Int32Array, j: number): BinShare[] {
  const off = L.slotOffset[j]!;
  const n = L.distributionSlots[j]!;
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[off + i]!;
  const out: BinShare[] = [];
  for (let i = 0; i < n; i++) {
    const count = counts[off + i]!;
    out.push({ label: binLabel(L, j, i), reference: L.reference[off + i]!, window: total > 0 ? count / total : Number.NaN, count });
  }
  return out;
}

function binLabel(L: BinLayout, j: number, i: number): string {
  if (L.kinds[j] === CATEGORICAL) {
    const cats = L.categories[j]!;
    return i < cats.length ? String(cats[i]) : i === cats.length ? 'missing' : 'other';
  }
  const edges = L.edges[j]!;
  return `(${formatEdge(edges[i]!)}, ${formatEdge(edges[i + 1]!)}]`;
}

function formatEdge(v: number): string {
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : String(Number(v.toPrecision(3)));
}
