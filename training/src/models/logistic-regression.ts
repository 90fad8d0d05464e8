/**
 * L2-regularised logistic regression on standardised features, fitted by Newton's method with a
 * backtracking line search, producing the shared LinearModel.
 *
 * Standardisation uses the mean and standard deviation of the non-missing training values; a missing
 * value becomes 0 after standardisation (i.e. the mean), exactly as linearMargin does at inference.
 * Objective: sum_i w_i * logloss_i + (l2 / 2) * |weights|^2, intercept unpenalised — l2 = 1 matches
 * scikit-learn's default C = 1. Newton needs the (d+1)^2 Hessian, which is cheap for the tens to a few
 * hundred features this project has and converges in ~10 iterations to machine precision; thousands of
 * features would call for L-BFGS instead.
 */

import { ConfigError, ValidationError } from '@riskstream/shared';
import type { ConfigIssue } from '@riskstream/shared';
import type { LinearModel } from '@riskstream/shared/model';
import type { Dataset } from '../data/dataset.ts';
import { rowWeights } from './class-weights.ts';
import type { ClassWeight } from './class-weights.ts';
import { softplus } from '../metrics/logloss.ts';

export interface LogisticRegressionOptions {
  /** L2 penalty on the standardised weights (1/C in scikit-learn terms). */
  l2: number;
  classWeight: ClassWeight;
  maxIterations: number;
  /** Stop when the largest absolute gradient entry falls below this (relative to total weight). */
  tolerance: number;
}

export const DEFAULT_LOGISTIC_REGRESSION_OPTIONS: Readonly<LogisticRegressionOptions> = Object.freeze({
  l2: 1,
  classWeight: 'none',
  maxIterations: 100,
  tolerance: 1e-10,
});

export interface LogisticRegressionResult {
  readonly model: LinearModel;
  readonly iterations: number;
  readonly converged: boolean;
  /** Final objective divided by the total weight. */
  readonly objective: number;
  readonly trainSeconds: number;
}

function resolve(partial: Partial<LogisticRegressionOptions>): LogisticRegressionOptions {
  const o = { ...DEFAULT_LOGISTIC_REGRESSION_OPTIONS, ...partial };
  const issues: ConfigIssue[] = [];
  if (!(o.l2 >= 0 && Number.isFinite(o.l2))) issues.push({ field: 'l2', problem: `must be a finite number >= 0, got ${o.l2}` });
  if (!(Number.isInteger(o.maxIterations) && o.maxIterations >= 1)) {
    issues.push({ field: 'maxIterations', problem: `must be an integer >= 1, got ${o.maxIterations}` });
  }
  if (!(o.tolerance > 0)) issues.push({ field: 'tolerance', problem: `must be > 0, got ${o.tolerance}` });
  if (!(o.classWeight === 'none' || o.classWeight === 'balanced' || (typeof o.classWeight === 'number' && o.classWeight > 0))) {
    issues.push({ field: 'classWeight', problem: `must be 'none', 'balanced' or a positive number` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return o;
}

/** Solves A x = b for symmetric positive definite A (row-major, size k) by Cholesky; A is overwritten. */
function choleskySolve(a: Float64Array, b: Float64Array, k: number): Float64Array {
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j]!;
    for (let s = 0; s < j; s++) d -= a[j * k + s]! * a[j * k + s]!;
    // The Hessian is PD when l2 > 0; a tiny floor keeps l2 = 0 with collinear columns from failing.
    d = Math.sqrt(Math.max(d, 1e-12));
    a[j * k + j] = d;
    for (let i = j + 1; i < k; i++) {
      let v = a[i * k + j]!;
      for (let s = 0; s < j; s++) v -= a[i * k + s]! * a[j * k + s]!;
      a[i * k + j] = v / d;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < k; i++) {
    let v = x[i]!;
    for (let s = 0; s < i; s++) v -= a[i * k + s]! * x[s]!;
    x[i] = v / a[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let v = x[i]!;
    for (let s = i + 1; s < k; s++) v -= a[s * k + i]! * x[s]!;
    x[i] = v / a[i * k + i]!;
  }
  return x;
}

export function trainLogisticRegression(train: Dataset, options: Partial<LogisticRegressionOptions> = {}): LogisticRegressionResult {
  const started = performance.now();
  const o = resolve(options);
  if (train.rows === 0) throw new ValidationError('DATASET_EMPTY', [{ path: 'train', problem: 'has no rows' }]);
  const n = train.rows;
  const d = train.cols;
  const k = d + 1; // parameter 0 is the intercept
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    let s2 = 0;
    let c = 0;
    for (let i = 0, p = j; i < n; i++, p += d) {
      const v = train.x[p]!;
      if (v === v) {
        s += v;
        c++;
      }
    }
    const mu = c > 0 ? s / c : 0;
    for (let i = 0, p = j; i < n; i++, p += d) {
      const v = train.x[p]!;
      if (v === v) s2 += (v - mu) * (v - mu);
    }
    const sd = c > 0 ? Math.sqrt(s2 / c) : 0;
    mean[j] = mu;
    // A constant column gets scale 1 so it standardises to 0 instead of dividing by zero.
    scale[j] = sd > 0 ? sd : 1;
  }
  // Design matrix with a leading 1 for the intercept.
  const z = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    z[i * k] = 1;
    for (let j = 0; j < d; j++) {
      const v = train.x[i * d + j]!;
      z[i * k + 1 + j] = v === v ? (v - mean[j]!) / scale[j]! : 0;
    }
  }
  const w = rowWeights(train, o.classWeight);
  let wTot = 0;
  for (let i = 0; i < n; i++) wTot += w[i]!;
  const y = train.y;
  const beta = new Float64Array(k);
  const margin = new Float64Array(n);

  const objectiveAt = (b: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let j = 0; j < k; j++) m += z[i * k + j]! * b[j]!;
      margin[i] = m;
      f += w[i]! * (softplus(m) - (y[i] === 1 ? m : 0));
    }
    for (let j = 1; j < k; j++) f += 0.5 * o.l2 * b[j]! * b[j]!;
    return f;
  };

  let f = objectiveAt(beta);
  let iterations = 0;
  let converged = false;
  const grad = new Float64Array(k);
  const hess = new Float64Array(k * k);
  for (; iterations < o.maxIterations; iterations++) {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      const m = margin[i]!;
      const p = m >= 0 ? 1 / (1 + Math.exp(-m)) : Math.exp(m) / (1 + Math.exp(m));
      const gi = w[i]! * (p - y[i]!);
      const hi = w[i]! * p * (1 - p);
      const row = i * k;
      for (let a = 0; a < k; a++) {
        const za = z[row + a]!;
        grad[a]! += gi * za;
        const hz = hi * za;
        // Lower triangle only; mirrored below.
        for (let b = 0; b <= a; b++) hess[a * k + b]! += hz * z[row + b]!;
      }
    }
    for (let j = 1; j < k; j++) {
      grad[j]! += o.l2 * beta[j]!;
      hess[j * k + j]! += o.l2;
    }
    for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) hess[a * k + b] = hess[b * k + a]!;
    let gmax = 0;
    for (let j = 0; j < k; j++) gmax = Math.max(gmax, Math.abs(grad[j]!));
    if (gmax / Math.max(wTot, 1e-300) < o.tolerance) {
      converged = true;
      break;
    }
    const step = choleskySolve(hess, grad, k);
    // Backtracking (Armijo) line search on the full Newton step.
    let decrease = 0;
    for (let j = 0; j < k; j++) decrease += grad[j]! * step[j]!;
    let t = 1;
    const trial = new Float64Array(k);
    let fNew = f;
    for (let ls = 0; ls < 30; ls++) {
      for (let j = 0; j < k; j++) trial[j] = beta[j]! - t * step[j]!;
      fNew = objectiveAt(trial);
      if (fNew <= f - 1e-4 * t * decrease) break;
      t *= 0.5;
    }
    if (!(fNew < f)) {
      // No further decrease is representable: we are at the optimum to machine precision.
      objectiveAt(beta);
      converged = true;
      break;
    }
    beta.set(trial);
    f = fNew;
  }
  const model: LinearModel = {
    kind: 'linear',
    featureNames: [...train.featureNames],
    weights: beta.slice(1),
    intercept: beta[0]!,
    mean,
    scale,
  };
  return { model, iterations, converged, objective: f / wTot, trainSeconds: (performance.now() - started) / 1000 };
}
