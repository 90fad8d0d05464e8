/**
 * Pre-training data checks: one report with per-feature statistics, the class balance, duplicate ids and
 * declared-range violations, split into `problems` (training must not run) and `warnings` (it may, but a
 * human should look).
 *
 * Fatal: no rows, a class absent (or fewer positives than `minPositives`), a label other than 0/1, a
 * feature that is missing in every row, duplicate ids, ids that do not match the rows, a feature matrix
 * of the wrong size. Everything else (constant features, heavy missingness, +-Infinity, out-of-range
 * values) is a warning: trees cope with all of them, but each usually means an upstream bug.
 *
 * Cost: one strided pass over each column of the row-major matrix (typed-array reads only) plus a Set
 * that stops growing at DISTINCT_CAP values, so the distinct count of a continuous feature is cheap.
 */

import { ConfigError, ValidationError } from '@riskstream/shared';
import type { Dataset } from '../data/dataset.ts';

/** Distinct values are counted up to this many; `distinctCapped` says the real count is higher. */
export const DISTINCT_CAP = 1000;

/** How many duplicated ids a report lists. */
const DUPLICATE_EXAMPLES = 5;

export interface FeatureRange {
  min?: number;
  max?: number;
}

export interface DataCheckOptions {
  /** Row ids (e.g. transaction ids), one per row; duplicates are fatal. */
  ids?: ArrayLike<string | number>;
  /** Declared valid ranges (inclusive) per feature; values outside are counted and warned about. */
  ranges?: Readonly<Record<string, FeatureRange>>;
  /** A feature missing in a larger share of rows than this is warned about; default 0.5. */
  maxMissingRate?: number;
  /** Fewer positive rows than this is fatal; default 1. */
  minPositives?: number;
}

export interface FeatureCheck {
  readonly name: string;
  /** NaN values. */
  readonly missing: number;
  readonly missingRate: number;
  /** +-Infinity values. */
  readonly nonFinite: number;
  /** Over finite values; NaN when there are none. */
  readonly min: number;
  readonly max: number;
  /** Distinct non-missing values, counted up to DISTINCT_CAP. */
  readonly distinct: number;
  readonly distinctCapped: boolean;
  /** At most one distinct non-missing value (an all-missing feature is not "constant"; it is fatal). */
  readonly constant: boolean;
  /** Values below `min` / above `max` of the declared range, when one is declared. */
  readonly outOfRange?: { readonly below: number; readonly above: number };
}

export interface DataCheckReport {
  readonly rows: number;
  readonly cols: number;
  readonly features: readonly FeatureCheck[];
  /** Label counts; `invalid` counts labels other than 0 and 1. `rate` = positives / rows. */
  readonly classBalance: { readonly positives: number; readonly negatives: number; readonly rate: number; readonly invalid: number };
  readonly duplicateIds: { readonly count: number; readonly examples: readonly (string | number)[] };
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

function checkOptions(opts: DataCheckOptions): { maxMissingRate: number; minPositives: number } {
  const maxMissingRate = opts.maxMissingRate ?? 0.5;
  const minPositives = opts.minPositives ?? 1;
  const issues: { field: string; problem: string }[] = [];
  if (!(maxMissingRate >= 0 && maxMissingRate <= 1)) issues.push({ field: 'maxMissingRate', problem: `must be in [0, 1], got ${maxMissingRate}` });
  if (!(Number.isInteger(minPositives) && minPositives >= 1)) issues.push({ field: 'minPositives', problem: `must be an integer >= 1, got ${minPositives}` });
  for (const [name, r] of Object.entries(opts.ranges ?? {})) {
    if (r.min !== undefined && r.max !== undefined && !(r.min <= r.max)) issues.push({ field: `ranges.${name}`, problem: `min ${r.min} > max ${r.max}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { maxMissingRate, minPositives };
}

function checkFeature(ds: Dataset, j: number, range: FeatureRange | undefined): FeatureCheck {
  const { rows, cols, x } = ds;
  let missing = 0;
  let nonFinite = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let below = 0;
  let above = 0;
  const lo = range?.min ?? Number.NEGATIVE_INFINITY;
  const hi = range?.max ?? Number.POSITIVE_INFINITY;
  const distinct = new Set<number>();
  let capped = false;
  for (let o = j, i = 0; i < rows; i++, o += cols) {
    const v = x[o]!;
    if (Number.isNaN(v)) {
      missing++;
      continue;
    }
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) nonFinite++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (v < lo) below++;
    else if (v > hi) above++;
    if (!capped) {
      if (distinct.size < DISTINCT_CAP) distinct.add(v);
      else if (!distinct.has(v)) capped = true;
    }
  }
  const hasFinite = rows - missing - nonFinite > 0;
  return {
    name: ds.featureNames[j]!,
    missing,
    missingRate: rows > 0 ? missing / rows : 0,
    nonFinite,
    min: hasFinite ? min : Number.NaN,
    max: hasFinite ? max : Number.NaN,
    distinct: distinct.size,
    distinctCapped: capped,
    constant: distinct.size === 1,
    ...(range ? { outOfRange: { below, above } } : {}),
  };
}

function duplicateIds(ids: ArrayLike<string | number>): { count: number; examples: (string | number)[] } {
  const seen = new Set<string | number>();
  const examples = new Set<string | number>();
  let count = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (seen.has(id)) {
      count++;
      if (examples.size < DUPLICATE_EXAMPLES) examples.add(id);
    } else seen.add(id);
  }
  return { count, examples: [...examples] };
}

/** Checks a dataset before training; see the header for what is fatal. Throws only on bad options. */
export function checkData(ds: Dataset, opts: DataCheckOptions = {}): DataCheckReport {
  const { maxMissingRate, minPositives } = checkOptions(opts);
  const problems: string[] = [];
  const warnings: string[] = [];
  const { rows, cols } = ds;

  if (ds.x.length !== rows * cols) {
    // Every later statistic would read past (or short of) the matrix; report only this.
    problems.push(`x has ${ds.x.length} values, expected rows*cols = ${rows}*${cols}`);
    return {
      rows,
      cols,
      features: [],
      classBalance: { positives: 0, negatives: 0, rate: 0, invalid: 0 },
      duplicateIds: { count: 0, examples: [] },
      problems,
      warnings,
    };
  }
  if (rows === 0) problems.push('dataset has no rows');

  let positives = 0;
  let invalid = 0;
  for (let i = 0; i < rows; i++) {
    const label = ds.y[i]!;
    if (label === 1) positives++;
    else if (label !== 0) invalid++;
  }
  const negatives = rows - positives - invalid;
  if (invalid > 0) problems.push(`${invalid} label(s) are not 0 or 1`);
  if (rows > 0 && positives === 0) problems.push('no positive labels');
  else if (positives > 0 && positives < minPositives) problems.push(`only ${positives} positive labels, need at least ${minPositives}`);
  if (rows > 0 && negatives === 0) problems.push('no negative labels');

  const ranges = opts.ranges ?? {};
  for (const name of Object.keys(ranges)) {
    if (!ds.featureNames.includes(name)) warnings.push(`range declared for unknown feature "${name}"`);
  }
  const features: FeatureCheck[] = [];
  for (let j = 0; j < cols; j++) {
    const f = checkFeature(ds, j, ranges[ds.featureNames[j]!]);
    features.push(f);
    if (rows > 0 && f.missing === rows) problems.push(`feature "${f.name}" is missing in every row`);
    else if (f.missingRate > maxMissingRate) warnings.push(`feature "${f.name}" is missing in ${(f.missingRate * 100).toFixed(1)}% of rows`);
    if (f.constant) warnings.push(`feature "${f.name}" is constant`);
    if (f.nonFinite > 0) warnings.push(`feature "${f.name}" has ${f.nonFinite} infinite value(s)`);
    if (f.outOfRange && f.outOfRange.below + f.outOfRange.above > 0) {
      const r = ranges[f.name]!;
      warnings.push(`feature "${f.name}" has ${f.outOfRange.below} value(s) below ${r.min ?? '-inf'} and ${f.outOfRange.above} above ${r.max ?? '+inf'}`);
    }
  }

  let dup = { count: 0, examples: [] as (string | number)[] };
  if (opts.ids) {
    if (opts.ids.length !== rows) problems.push(`ids has ${opts.ids.length} values, dataset has ${rows} rows`);
    dup = duplicateIds(opts.ids);
    if (dup.count > 0) problems.push(`${dup.count} duplicate id(s), e.g. ${dup.examples.map((e) => JSON.stringify(e)).join(', ')}`);
  }

  return {
    rows,
    cols,
    features,
    classBalance: { positives, negatives, rate: rows > 0 ? positives / rows : 0, invalid },
    duplicateIds: dup,
    problems,
    warnings,
  };
}

/** Throws ValidationError('DATA_CHECK_FAILED') listing every problem of the report; warnings pass. */
export function assertDataOk(report: DataCheckReport): void {
  if (report.problems.length > 0) {
    throw new ValidationError('DATA_CHECK_FAILED', report.problems.map((problem) => ({ path: 'dataset', problem })));
  }
}
