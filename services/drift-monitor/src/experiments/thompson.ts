/**
 * Thompson sampling over an experiment's arms on the value per event, with guardrails. Pure functions:
 * the same evidence, settings and random draws give the same weights.
 *
 * POSTERIOR of an arm's mean value per event: Normal(mean, variance / n_eff), the large-sample posterior
 * under a flat prior with the sample variance plugged in (values per event are sums over thousands of
 * events, so the mean's posterior is close to Normal even though single values are heavily skewed).
 * - A labelled event counts as one observation of its realised value.
 * - An estimate-only event counts as `estimateWeight` of an observation (0 < w <= 1) of its expected
 *   value, with the variance its realised value will have given the score (the spread of the estimates
 *   plus the summed p(1 - p)(fraud - legitimate value)^2). The discount is for model risk: the estimate
 *   is unbiased only while the arm's calibration holds.
 * - Once labels arrive they check that: the arm's mean residual (realised minus estimated value of its
 *   labelled events), shrunk towards 0 by `calibrationPriorEvents` pseudo-events, is added to each of
 *   its estimate-only events, and the residual's uncertainty widens the posterior. An arm whose scores
 *   overstate (or understate) its value is corrected as soon as some of its labels are in, instead of
 *   only as the labelled share grows.
 * - Cards, not events, are the independent units (card-groups.ts): the posterior's variance is the
 *   larger of the per-event one and the cluster-robust one over groups of cards.
 * - `priorEvents` pseudo-events at the mean and variance pooled over all arms keep a new arm's posterior
 *   wide but finite, centred on what the experiment has seen so far.
 *
 * WEIGHTS: the probability that each arm has the highest mean, from `draws` joint draws of the
 * posteriors (a seeded RNG, so a decision can be replayed). Then the guardrails, in this order:
 * 1. a stopped arm gets 0;
 * 2. every arm but the control (arm 0) gets at most `maxShare`;
 * 3. an arm with fewer than `minEvents` LABELLED events gets at least `floorShare`, so it keeps learning
 *    until its labels have checked what its estimates said;
 * the rest of the mass is shared in proportion to the Thompson probabilities.
 * AUTO-STOP: an arm (never the control) with at least `minEvents` labelled events whose mean is below
 * the control's by more than `stopMargin` at one-sided confidence `stopConfidence`, i.e. whose upper
 * confidence bound of (arm - control) is below -stopMargin, is stopped for good. Estimates move traffic
 * but never stop an arm on their own: a stop is final, and an arm's calibration can be far off out of
 * time (in the simulated proof, stopping on estimates stopped the better arm).
 */
import { probit } from 'simple-statistics';
import type { ArmEvidence, EstimateSums, ValueSums } from './arm-statistics.ts';
import { clusteredVariance } from './card-groups.ts';

/** The normal draws; training/src/random.ts's createRng satisfies it. */
export interface NormalSource {
  nextNormal(): number;
}

export interface BanditSettings {
  /** Largest share of any arm but the control, in (0, 1]. */
  readonly maxShare: number;
  /** Labelled events an arm needs before it may be stopped or lose its floor. */
  readonly minEvents: number;
  /** Share an arm keeps until it has minEvents labelled events, in [0, maxShare]. */
  readonly floorShare: number;
  /** Value per event (currency units) an arm may trail the control by before it is stopped. */
  readonly stopMargin: number;
  /** One-sided confidence of the stop rule, in (0.5, 1). */
  readonly stopConfidence: number;
  /** Weight of an estimate-only event relative to a labelled one, in (0, 1]. */
  readonly estimateWeight: number;
  /** Pseudo-events of the pooled prior. */
  readonly priorEvents: number;
  /** Labelled events at which half of an arm's observed estimate bias is applied to its estimates. */
  readonly calibrationPriorEvents: number;
  /** Monte Carlo draws for the probability of being best. */
  readonly draws: number;
}

export interface ArmPosterior {
  readonly mean: number;
  /** Standard deviation of the mean. */
  readonly sd: number;
  readonly effectiveEvents: number;
}

export interface StopDecision {
  readonly arm: string;
  readonly events: number;
  readonly labelledEvents: number;
  readonly meanValue: number;
  readonly controlMeanValue: number;
  /** Upper confidence bound of (arm - control) per event. */
  readonly upperBound: number;
  readonly margin: number;
  readonly confidence: number;
}

export interface BanditDecision {
  readonly weights: readonly number[];
  readonly probabilityBest: readonly number[];
  readonly posteriors: readonly ArmPosterior[];
  /** Arms stopped by this decision (not those stopped before). */
  readonly stops: readonly StopDecision[];
}

interface Moments {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

/** Weighted n, mean and per-event variance of an arm's observations (realised variance for estimates). */
function moments(labelled: ValueSums, estimateOnly: EstimateSums, w: number): Moments {
  const n = labelled.n + w * estimateOnly.n;
  if (n <= 0) return { n: 0, mean: 0, variance: 0 };
  const mean = (labelled.sum + w * estimateOnly.sum) / n;
  const ssL = labelled.sumSq - 2 * mean * labelled.sum + labelled.n * mean * mean;
  const ssE = estimateOnly.sumSq - 2 * mean * estimateOnly.sum + estimateOnly.n * mean * mean + estimateOnly.conditionalVariance;
  return { n, mean, variance: Math.max(0, (ssL + w * ssE) / n) };
}

function pooled(arms: readonly ArmEvidence[], w: number): Moments {
  const sum = (f: (a: ArmEvidence) => number): number => arms.reduce((s, a) => s + f(a), 0);
  const labelled = { n: sum((a) => a.labelled.n), sum: sum((a) => a.labelled.sum), sumSq: sum((a) => a.labelled.sumSq) };
  const estimateOnly = {
    n: sum((a) => a.estimateOnly.n),
    sum: sum((a) => a.estimateOnly.sum),
    sumSq: sum((a) => a.estimateOnly.sumSq),
    conditionalVariance: sum((a) => a.estimateOnly.conditionalVariance),
  };
  return moments(labelled, estimateOnly, w);
}

/** Bias of an arm's estimates from its labelled residuals (shrunk towards 0) and the variance of that bias. */
function estimateBias(residual: ValueSums, priorEvents: number): { readonly bias: number; readonly variance: number } {
  if (residual.n === 0) return { bias: 0, variance: 0 };
  const mean = residual.sum / residual.n;
  const spread = Math.max(0, residual.sumSq / residual.n - mean * mean);
  const n = residual.n + priorEvents;
  return { bias: residual.sum / n, variance: spread / n };
}

/** Estimate-only sums with every estimate moved by the bias. */
function shifted(e: EstimateSums, bias: number): EstimateSums {
  return { n: e.n, sum: e.sum + e.n * bias, sumSq: e.sumSq + 2 * bias * e.sum + e.n * bias * bias, conditionalVariance: e.conditionalVariance };
}

/** Each arm's posterior of its mean value per event (see the file comment). */
export function posteriors(arms: readonly ArmEvidence[], s: Pick<BanditSettings, 'estimateWeight' | 'priorEvents' | 'calibrationPriorEvents'>): ArmPosterior[] {
  const prior = pooled(arms, s.estimateWeight);
  // With no evidence at all every arm is the same unit-variance guess: equal chances.
  const priorVariance = prior.variance > 0 ? prior.variance : 1;
  return arms.map((a) => {
    const b = estimateBias(a.residual, s.calibrationPriorEvents);
    const m = moments(a.labelled, shifted(a.estimateOnly, b.bias), s.estimateWeight);
    const n = s.priorEvents + m.n;
    const mean = (s.priorEvents * prior.mean + m.n * m.mean) / n;
    // Spread of the prior and of the data around the combined mean, plus the bias correction's own error
    // carried by the estimate-only share of the mean.
    const ss = s.priorEvents * (priorVariance + (prior.mean - mean) ** 2) + m.n * (m.variance + (m.mean - mean) ** 2);
    const estimateShare = (s.estimateWeight * a.estimateOnly.n) / n;
    const clustered = a.groups ? clusteredVariance(a.groups, s.estimateWeight, b.bias, a.estimateOnly.conditionalVariance) * (m.n / n) ** 2 : Number.NaN;
    const variance = Number.isFinite(clustered) ? Math.max(ss / n / n, clustered) : ss / n / n;
    return { mean, sd: Math.sqrt(variance + estimateShare * estimateShare * b.variance), effectiveEvents: m.n };
  });
}

/** Share of `draws` joint posterior draws in which each arm is best; arms in `excluded` never are. */
export function probabilityBest(post: readonly ArmPosterior[], draws: number, rng: NormalSource, excluded: ReadonlySet<number> = new Set()): number[] {
  const wins = new Array<number>(post.length).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < post.length; i++) {
      const v = post[i]!.mean + post[i]!.sd * rng.nextNormal();
      if (!excluded.has(i) && v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    if (best >= 0) wins[best]!++;
  }
  return wins.map((w) => w / draws);
}

/**
 * Shares within [lower, upper] per arm summing to 1, the free mass in proportion to `p` (equally when
 * the free arms' p are all 0). Feasible when sum(lower) <= 1 <= sum(upper); arm 0 absorbs any rounding.
 */
export function constrainShares(p: readonly number[], lower: readonly number[], upper: readonly number[]): number[] {
  const fixed = new Array<number | undefined>(p.length).fill(undefined);
  for (let round = 0; round <= 2 * p.length; round++) {
    const free = p.map((_, i) => i).filter((i) => fixed[i] === undefined);
    const mass = 1 - fixed.reduce<number>((s, v) => s + (v ?? 0), 0);
    const total = free.reduce((s, i) => s + p[i]!, 0);
    const share = (i: number): number => (total > 0 ? (mass * p[i]!) / total : mass / free.length);
    const over = free.filter((i) => share(i) > upper[i]!);
    const under = over.length > 0 ? [] : free.filter((i) => share(i) < lower[i]!);
    if (free.length === 0 || (over.length === 0 && under.length === 0)) {
      const out = p.map((_, i) => fixed[i] ?? share(i));
      const residual = 1 - out.reduce((s, v) => s + v, 0);
      out[0] = out[0]! + residual;
      return out;
    }
    for (const i of over) fixed[i] = upper[i]!;
    for (const i of under) fixed[i] = lower[i]!;
  }
  throw new Error('unreachable: every round fixes at least one arm');
}

/** Arms (never the control) that trail the control by more than the margin with confidence. */
export function stopsFor(arms: readonly ArmEvidence[], post: readonly ArmPosterior[], stopped: ReadonlySet<string>, s: BanditSettings): StopDecision[] {
  const z = probit(s.stopConfidence);
  const control = post[0]!;
  const out: StopDecision[] = [];
  for (let i = 1; i < arms.length; i++) {
    const a = arms[i]!;
    if (stopped.has(a.arm) || a.labelled.n < s.minEvents) continue;
    const diff = post[i]!.mean - control.mean;
    const upperBound = diff + z * Math.hypot(post[i]!.sd, control.sd);
    if (upperBound < -s.stopMargin) {
      out.push({
        arm: a.arm,
        events: a.events,
        labelledEvents: a.labelled.n,
        meanValue: post[i]!.mean,
        controlMeanValue: control.mean,
        upperBound,
        margin: s.stopMargin,
        confidence: s.stopConfidence,
      });
    }
  }
  return out;
}

/** The bandit's weights for the arms (arm 0 the control) given their evidence and the arms stopped before. */
export function banditDecision(arms: readonly ArmEvidence[], stoppedBefore: ReadonlySet<string>, s: BanditSettings, rng: NormalSource): BanditDecision {
  const post = posteriors(arms, s);
  const stops = stopsFor(arms, post, stoppedBefore, s);
  const stopped = new Set([...stoppedBefore, ...stops.map((x) => x.arm)]);
  const excluded = new Set(arms.flatMap((a, i) => (i > 0 && stopped.has(a.arm) ? [i] : [])));
  const pBest = probabilityBest(post, s.draws, rng, excluded);
  const upper = arms.map((a, i) => (excluded.has(i) ? 0 : i === 0 ? 1 : s.maxShare));
  const lower = arms.map((a, i) => (excluded.has(i) || a.labelled.n >= s.minEvents ? 0 : Math.min(s.floorShare, upper[i]!)));
  return { weights: constrainShares(pBest, lower, upper), probabilityBest: pBest, posteriors: post, stops };
}

/** What is wrong with bandit settings for this many arms (empty when nothing is). */
export function banditSettingsProblems(s: BanditSettings, armCount: number): string[] {
  const problems: string[] = [];
  if (!(s.maxShare > 0 && s.maxShare <= 1)) problems.push('maxShare must be in (0, 1]');
  if (!(s.floorShare >= 0 && s.floorShare <= s.maxShare)) problems.push('floorShare must be in [0, maxShare]');
  if (!(s.floorShare * armCount <= 1)) problems.push(`floorShare × ${armCount} arms must be at most 1`);
  if (!Number.isSafeInteger(s.minEvents) || s.minEvents < 0) problems.push('minEvents must be an integer >= 0');
  if (!(s.stopMargin >= 0)) problems.push('stopMargin must be >= 0');
  if (!(s.stopConfidence > 0.5 && s.stopConfidence < 1)) problems.push('stopConfidence must be in (0.5, 1)');
  if (!(s.estimateWeight > 0 && s.estimateWeight <= 1)) problems.push('estimateWeight must be in (0, 1]');
  if (!(s.priorEvents > 0)) problems.push('priorEvents must be > 0');
  if (!(s.calibrationPriorEvents >= 0)) problems.push('calibrationPriorEvents must be >= 0');
  if (!Number.isSafeInteger(s.draws) || s.draws < 1) problems.push('draws must be an integer >= 1');
  return problems;
}
