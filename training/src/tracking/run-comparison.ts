/**
 * What `riskstream runs compare` shows, before any formatting: the union of the runs' parameter and
 * metric keys, one row per key with one value per run, whether the values differ, and for metrics which
 * runs hold the best value.
 */
import type { JsonValue } from '@riskstream/shared/model';
import type { TrackedRun } from './tracked-run.ts';

export interface ComparisonRow<V> {
  readonly key: string;
  /** One per run, in the order the runs were given; undefined where a run has no such key. */
  readonly values: readonly (V | undefined)[];
  readonly differs: boolean;
  /** Indexes of the runs holding the best value (metrics only; empty unless two values differ). */
  readonly best: readonly number[];
}

export interface RunComparison {
  readonly runs: readonly string[];
  readonly params: readonly ComparisonRow<JsonValue>[];
  readonly metrics: readonly ComparisonRow<number>[];
}

/** The machine-readable comparison: `null` where a run has no value. */
export interface RunComparisonJson {
  readonly runs: readonly string[];
  readonly params: Record<string, (JsonValue | null)[]>;
  readonly metrics: Record<string, (number | null)[]>;
  readonly differing: { readonly params: string[]; readonly metrics: string[] };
}

/** Losses, calibration errors and times: smaller is better. Every other metric is a score. */
const LOWER_IS_BETTER = /(^|_)(logloss|ece|brier|seconds|diff)$/;

export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.test(metric);
}

export function compareRuns(runs: readonly TrackedRun[]): RunComparison {
  return {
    runs: runs.map((r) => r.id),
    params: rows(runs.map((r) => r.params)).map((row) => ({ ...row, best: [] })),
    metrics: rows(runs.map((r) => r.metrics)).map((row) => ({ ...row, best: bestOf(row.key, row.values) })),
  };
}

export function comparisonJson(c: RunComparison): RunComparisonJson {
  const values = <V>(rows: readonly ComparisonRow<V>[]) => Object.fromEntries(rows.map((r) => [r.key, r.values.map((v) => v ?? null)]));
  const differing = <V>(rows: readonly ComparisonRow<V>[]) => rows.filter((r) => r.differs).map((r) => r.key);
  return {
    runs: c.runs,
    params: values(c.params),
    metrics: values(c.metrics),
    differing: { params: differing(c.params), metrics: differing(c.metrics) },
  };
}

function rows<V>(maps: readonly Readonly<Record<string, V>>[]): { key: string; values: (V | undefined)[]; differs: boolean }[] {
  const keys = [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
  return keys.map((key) => {
    const values = maps.map((m) => (Object.hasOwn(m, key) ? m[key] : undefined));
    return { key, values, differs: new Set(values.map((v) => JSON.stringify(v) ?? 'undefined')).size > 1 };
  });
}

function bestOf(metric: string, values: readonly (number | undefined)[]): number[] {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (new Set(finite).size < 2) return [];
  const best = lowerIsBetter(metric) ? Math.min(...finite) : Math.max(...finite);
  return values.flatMap((v, i) => (v === best ? [i] : []));
}
