/**
 * Probability calibration fitted on held-out margins.
 *
 * Platt scaling, p = sigmoid(a * margin + b), is what exported models carry: a and b fold into the tree
 * ensemble exactly (scale every leaf by a, add b to the base margin), so ONNX and TypeScript agree. It is
 * fitted with the Newton method of Lin, Lin & Weng (2007, "A note on Platt's probabilistic outputs for
 * support vector machines") including Platt's target smoothing: positives aim at (N+ + 1)/(N+ + 2) and
 * negatives at 1/(N- + 2), which keeps a and b finite on separable data.
 *
 * Isotonic regression (pool-adjacent-violators) is provided for reporting: it is the most flexible
 * monotone calibration and shows how much calibration error Platt leaves on the table (compare ECE).
 */

import { ValidationError } from '@riskstream/shared';
import type { Model, PlattCalibration } from '@riskstream/shared/model';
import { sigmoid } from '@riskstream/shared/model';

function checkLengths(margins: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): void {
  if (margins.length !== labels.length || (weights && weights.length !== margins.length)) {
    throw new ValidationError('CALIBRATION_INPUT_MISMATCH', [{ path: 'margins', problem: `length ${margins.length} vs labels ${labels.length}` }]);
  }
}

/** Fits Platt scaling p = sigmoid(a * margin + b) on validation margins and 0/1 labels. */
export function fitPlatt(margins: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): PlattCalibration {
  checkLengths(margins, labels, weights);
  const n = margins.length;
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    if (labels[i] === 1) nPos += w;
    else nNeg += w;
  }
  if (nPos === 0 || nNeg === 0) {
    throw new ValidationError('CALIBRATION_ONE_CLASS', [{ path: 'labels', problem: 'need both classes to fit calibration' }]);
  }
  const tPos = (nPos + 1) / (nPos + 2);
  const tNeg = 1 / (nNeg + 2);
  const target = (i: number): number => (labels[i] === 1 ? tPos : tNeg);

  // Objective and derivatives in our parameterisation z = a*m + b (Platt's A, B are -a, -b).
  const objective = (a: number, b: number): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const z = a * margins[i]! + b;
      const t = target(i);
      const w = weights ? weights[i]! : 1;
      // -[t log p + (1-t) log(1-p)] = softplus(z) - t z, stable for any z.
      f += w * ((z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t * z);
    }
    return f;
  };
  let a = 0;
  let b = Math.log((nPos + 1) / (nNeg + 1));
  let f = objective(a, b);
  const sigma = 1e-12; // Hessian ridge from Lin et al., keeps the 2x2 system solvable
  for (let iter = 0; iter < 100; iter++) {
    let g1 = 0;
    let g2 = 0;
    let h11 = sigma;
    let h22 = sigma;
    let h21 = 0;
    for (let i = 0; i < n; i++) {
      const m = margins[i]!;
      const p = sigmoid(a * m + b);
      const w = weights ? weights[i]! : 1;
      const d1 = w * (p - target(i));
      const d2 = w * p * (1 - p);
      g1 += d1 * m;
      g2 += d1;
      h11 += d2 * m * m;
      h22 += d2;
      h21 += d2 * m;
    }
    if (Math.abs(g1) < 1e-10 * (nPos + nNeg) && Math.abs(g2) < 1e-10 * (nPos + nNeg)) break;
    const det = h11 * h22 - h21 * h21;
    const da = -(h22 * g1 - h21 * g2) / det;
    const db = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * da + g2 * db;
    let step = 1;
    let accepted = false;
    while (step >= 1e-10) {
      const na = a + step * da;
      const nb = b + step * db;
      const nf = objective(na, nb);
      if (nf < f + 1e-4 * step * gd) {
        a = na;
        b = nb;
        f = nf;
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
  }
  return { kind: 'platt', a, b };
}

/** Calibrated probabilities sigmoid(a * margin + b). */
export function applyPlatt(cal: PlattCalibration, margins: ArrayLike<number>): Float64Array {
  const out = new Float64Array(margins.length);
  for (let i = 0; i < margins.length; i++) out[i] = sigmoid(cal.a * margins[i]! + cal.b);
  return out;
}

/** A copy of the model carrying the calibration (the original is not modified). */
export function withCalibration<M extends Model>(model: M, calibration: PlattCalibration): M {
  return { ...model, calibration };
}

/**
 * Isotonic calibration as a step function: block i covers scores up to `upper[i]` and predicts
 * `value[i]` (non-decreasing). Scores above the last block get the last value.
 */
export interface IsotonicCalibration {
  readonly kind: 'isotonic';
  readonly upper: Float64Array;
  readonly value: Float64Array;
}

/** Fits isotonic regression of labels on scores by pool-adjacent-violators (ties pooled first). */
export function fitIsotonic(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): IsotonicCalibration {
  checkLengths(scores, labels, weights);
  const n = scores.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((p, q) => scores[p]! - scores[q]!);
  // Stack of blocks: sum of weighted labels, total weight, max score.
  const sumY: number[] = [];
  const sumW: number[] = [];
  const upper: number[] = [];
  for (let k = 0; k < n; ) {
    const s = scores[order[k]!]!;
    let sy = 0;
    let sw = 0;
    // Equal scores must get equal outputs, so they start as one block.
    for (; k < n && scores[order[k]!] === s; k++) {
      const i = order[k]!;
      const w = weights ? weights[i]! : 1;
      sy += w * (labels[i] === 1 ? 1 : 0);
      sw += w;
    }
    sumY.push(sy);
    sumW.push(sw);
    upper.push(s);
    // Merge while the previous block's mean exceeds the new one's.
    while (sumY.length > 1) {
      const j = sumY.length - 1;
      if (sumY[j - 1]! / sumW[j - 1]! <= sumY[j]! / sumW[j]!) break;
      sumY[j - 1]! += sumY[j]!;
      sumW[j - 1]! += sumW[j]!;
      upper[j - 1] = upper[j]!;
      sumY.pop();
      sumW.pop();
      upper.pop();
    }
  }
  return {
    kind: 'isotonic',
    upper: Float64Array.from(upper),
    value: Float64Array.from(sumY, (sy, j) => (sumW[j]! > 0 ? sy / sumW[j]! : 0)),
  };
}

/** Isotonic probabilities for scores on the same scale the calibration was fitted on. */
export function applyIsotonic(cal: IsotonicCalibration, scores: ArrayLike<number>): Float64Array {
  const out = new Float64Array(scores.length);
  const last = cal.upper.length - 1;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s <= cal.upper[mid]!) hi = mid;
      else lo = mid + 1;
    }
    out[i] = cal.value[lo]!;
  }
  return out;
}
