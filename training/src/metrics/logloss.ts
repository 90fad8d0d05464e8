/**
 * Binary cross-entropy (natural log), the loss the GBDT and logistic regression minimise. Probabilities
 * are clipped to [1e-15, 1 - 1e-15] (as scikit-learn does) so one confident mistake gives a large but
 * finite loss. The margin form is exact for any margin (softplus, no clipping).
 */

const EPS = 1e-15;

/** Mean (weighted) log loss of probabilities. */
export function logloss(prob: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let sum = 0;
  let tot = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, prob[i]!));
    const w = weights ? weights[i]! : 1;
    sum -= w * (labels[i] === 1 ? Math.log(p) : Math.log(1 - p));
    tot += w;
  }
  return tot > 0 ? sum / tot : Number.NaN;
}

/** log(1 + e^m) without overflow. */
export function softplus(m: number): number {
  return m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
}

/** Mean (weighted) log loss of margins (log-odds): softplus(m) - y*m. */
export function loglossFromMargins(margin: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let sum = 0;
  let tot = 0;
  for (let i = 0; i < margin.length; i++) {
    const m = margin[i]!;
    const w = weights ? weights[i]! : 1;
    sum += w * (softplus(m) - (labels[i] === 1 ? m : 0));
    tot += w;
  }
  return tot > 0 ? sum / tot : Number.NaN;
}
