/**
 * Target-leakage screen run before training: a feature that on its own ranks the label almost perfectly,
 * or that IS the label, almost always carries information from after the decision (a chargeback flag, a
 * field filled in by the fraud team, a join on the label table) rather than a real signal.
 *
 * Scope, deliberately narrow:
 * - single-feature ROC AUC of the raw value, flagged when max(auc, 1 - auc) >= maxSingleFeatureAuc, so a
 *   feature that predicts the label inverted is caught as well;
 * - identity: a feature equal to the label (or to 1 - label) in every row.
 * Leakage through timing (a feature computed with data from after the event, e.g. a terminal risk
 * window that ignores the label delay) needs event times and a point-in-time replay; that is out of scope
 * here, and the shared feature definitions guard against it by construction (TERMINAL_DELAY_DAYS).
 *
 * Missing values are ranked below every present value (as -Infinity), so a feature whose MISSINGNESS
 * predicts the label (a field only filled for frauds) is caught too. Sample weights are ignored: leakage
 * is a property of the raw relationship, not of how training re-weights rows.
 */

import { ConfigError, ValidationError } from '@riskstream/shared';
import type { Dataset } from '../data/dataset.ts';
import { rocAuc } from '../metrics/roc-auc.ts';

export interface LeakageOptions {
  /** Flag a feature whose single-feature max(auc, 1 - auc) reaches this; default 0.98. */
  maxSingleFeatureAuc?: number;
}

export interface FeatureLeakage {
  readonly name: string;
  /** ROC AUC of the raw value (missing ranked lowest); NaN when a class is absent. */
  readonly auc: number;
  /** max(auc, 1 - auc): how well the feature separates the classes in either direction. */
  readonly strength: number;
  readonly identicalToLabel: boolean;
  readonly identicalToInvertedLabel: boolean;
  readonly suspicious: boolean;
}

export interface LeakageReport {
  readonly threshold: number;
  readonly features: readonly FeatureLeakage[];
  /** One entry per suspicious feature. */
  readonly problems: readonly string[];
  /** E.g. a class is absent, so no AUC could be computed. */
  readonly warnings: readonly string[];
}

const DEFAULT_MAX_AUC = 0.98;

/** Screens every feature of `ds` for target leakage (see the header for what is and is not checked). */
export function checkLeakage(ds: Dataset, opts: LeakageOptions = {}): LeakageReport {
  const threshold = opts.maxSingleFeatureAuc ?? DEFAULT_MAX_AUC;
  if (!(threshold > 0.5 && threshold <= 1)) {
    throw new ConfigError([{ field: 'maxSingleFeatureAuc', problem: `must be in (0.5, 1], got ${threshold}` }]);
  }
  const { rows, cols, x, y } = ds;
  let positives = 0;
  for (let i = 0; i < rows; i++) if (y[i] === 1) positives++;
  const bothClasses = positives > 0 && positives < rows;

  const column = new Float64Array(rows);
  const features: FeatureLeakage[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!bothClasses) warnings.push('a class is absent: single-feature AUCs are undefined, only identity was checked');
  for (let j = 0; j < cols; j++) {
    const name = ds.featureNames[j]!;
    let same = rows > 0;
    let inverted = rows > 0;
    for (let i = 0, o = j; i < rows; i++, o += cols) {
      const v = x[o]!;
      const label = y[i]!;
      if (v !== label) same = false;
      if (v !== 1 - label) inverted = false;
      column[i] = Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v;
    }
    const auc = bothClasses ? rocAuc(column, y) : Number.NaN;
    const strength = Number.isNaN(auc) ? Number.NaN : Math.max(auc, 1 - auc);
    const suspicious = same || inverted || strength >= threshold;
    features.push({ name, auc, strength, identicalToLabel: same, identicalToInvertedLabel: inverted, suspicious });
    if (same) problems.push(`feature "${name}" is identical to the label`);
    else if (inverted) problems.push(`feature "${name}" is identical to the inverted label`);
    else if (strength >= threshold) problems.push(`feature "${name}" alone separates the classes with AUC ${strength.toFixed(4)} >= ${threshold}`);
  }
  return { threshold, features, problems, warnings };
}

/** Throws ValidationError('LEAKAGE_SUSPECTED') naming every suspicious feature. */
export function assertNoLeakage(report: LeakageReport): void {
  if (report.problems.length > 0) {
    throw new ValidationError('LEAKAGE_SUSPECTED', report.problems.map((problem) => ({ path: 'features', problem })));
  }
}
