/**
 * The promotion gate: decides whether a challenger may replace the champion.
 *
 * Both models are scored on the SAME holdout rows, so the comparison is paired: each bootstrap resample
 * draws row indices once and evaluates both score vectors on them, and the confidence interval is for the
 * difference `metric(challenger) - metric(champion)`. Pairing removes the row-sampling noise the two
 * models share, which makes the interval far tighter than comparing two separate intervals.
 *
 * Rule (all must hold):
 *   - the ONNX artifact loads in onnxruntime and passes its probe (the caller's `onnxLoads`);
 *   - challenger scores are all finite probabilities in [0,1];
 *   - point estimate: delta >= margin (the improvement is worth a deployment);
 *   - evidence: the lower bound of the paired bootstrap CI of delta is > 0 (the improvement is not noise).
 *     The lower bound is compared with 0, not with `margin`: requiring the whole interval above the margin
 *     would demand holdouts far larger than a fraud holdout has positives for; the margin already guards
 *     the size of the effect through the point estimate.
 * Without a champion the challenger is compared with the no-skill baseline using the same rule with
 * margin 0, so a first model is promoted only if it is demonstrably better than chance. The baseline is a
 * constant score vector: its AUC is exactly 0.5 and its average precision exactly the positive rate.
 *
 * With metric `value` (value-gate.ts) the gate compares the total business value of each model's decisions
 * on the holdout, at each model's own thresholds, in currency units (margin too); the no-skill baseline is
 * approving every transaction, whose value is 0 by the value model's definition.
 *
 * Resampling is stratified by label (positives and negatives resampled separately): fraud holdouts have
 * few positives, and a plain resample can draw very few or none, making the metric undefined. Stratifying
 * also keeps the positive rate, and so the no-skill AP baseline, fixed across resamples.
 */
import { ValidationError } from '@riskstream/shared';
import { averagePrecision } from '../metrics/average-precision.ts';
import { pairedBootstrap } from '../metrics/bootstrap.ts';
import { rocAuc } from '../metrics/roc-auc.ts';
import { rowValues, totalValue, valueInputIssues, type ValueGateInput } from './value-gate.ts';

export const GATE_METRICS = ['roc_auc', 'average_precision', 'value'] as const;
export type GateMetric = (typeof GATE_METRICS)[number];
export type MetricFn = (scores: ArrayLike<number>, labels: ArrayLike<number>) => number;

export interface GateBootstrapOptions {
  iterations: number;
  seed: number;
  /** Two-sided confidence level of the percentile interval, e.g. 0.95. */
  confidence: number;
}

export interface GateInput {
  challengerScores: ArrayLike<number>;
  /** Absent (or undefined) when there is no champion yet. */
  championScores?: ArrayLike<number> | undefined;
  /** 0/1 labels of the holdout rows both models were scored on. */
  labels: ArrayLike<number>;
  metric: GateMetric;
  /** Minimum improvement of the point estimate over the champion, in metric units (e.g. 0.002 AUC; currency for value). */
  margin: number;
  bootstrap: GateBootstrapOptions;
  /** Result of the ONNX load + probe check (see onnx-session `onnxLoads`). */
  onnxLoads: boolean;
  /** Overrides the metric implementation (defaults: metrics/roc-auc.ts, metrics/average-precision.ts). */
  metricFn?: MetricFn;
  /** Required when metric is `value`: amounts, both models' thresholds and the value settings. */
  value?: ValueGateInput | undefined;
}

export interface GateResult {
  promote: boolean;
  /** Why: the failed checks when refused, the supporting evidence when promoted. */
  reasons: string[];
  metric: GateMetric;
  challenger: number;
  /** Champion metric, or the no-skill baseline when there is no champion. */
  champion: number;
  hasChampion: boolean;
  /** challenger - champion (point estimate on the full holdout). */
  delta: number;
  /** Paired bootstrap percentile interval of delta. */
  ci: [number, number];
  /** Two-sided bootstrap p-value for "no difference" (metrics/bootstrap.ts). */
  pValue: number;
  /** Resamples where a metric was undefined and which were therefore skipped. */
  skippedResamples: number;
  /** Metric `value`: the currency of challenger, champion, delta and ci. */
  currency?: string;
}

const BUILTIN_METRICS: Record<GateMetric, MetricFn> = {
  roc_auc: (s, l) => rocAuc(s, l),
  average_precision: (s, l) => averagePrecision(s, l),
  // Over per-row values (comparedVectors), not scores.
  value: (v) => totalValue(v),
};

/**
 * What the bootstrap compares: the scores themselves, or for `value` each row's decision value (the
 * reference without a champion: approving everything, 0 per row).
 */
function comparedVectors(input: GateInput, reference: ArrayLike<number>): { challenger: ArrayLike<number>; reference: ArrayLike<number> } {
  if (input.metric !== 'value') return { challenger: input.challengerScores, reference };
  const v = input.value!;
  const challenger = rowValues(v, input.challengerScores, input.labels, v.challengerThresholds);
  const ref = input.championScores && v.championThresholds ? rowValues(v, input.championScores, input.labels, v.championThresholds) : new Float64Array(input.labels.length);
  return { challenger, reference: ref };
}

export function evaluateGate(input: GateInput): GateResult {
  const { challengerScores, championScores, labels, metric, margin, bootstrap } = input;
  const metricFn = input.metricFn ?? BUILTIN_METRICS[metric];
  checkInputs(input);

  const n = labels.length;
  const reasons: string[] = [];
  const currency = metric === 'value' ? input.value!.settings.currency : undefined;
  const fmt = (v: number): string => (!Number.isFinite(v) ? String(v) : currency ? `${v.toFixed(2)} ${currency}` : v.toFixed(4));

  if (!input.onnxLoads) reasons.push('ONNX model does not load in onnxruntime or fails its probe batch');
  const badChallenger = firstInvalidScore(challengerScores);
  if (badChallenger >= 0) reasons.push(`challenger score at row ${badChallenger} is ${challengerScores[badChallenger]}, not a probability`);
  const hasChampion = championScores !== undefined;
  const badChampion = hasChampion ? firstInvalidScore(championScores) : -1;
  if (badChampion >= 0) reasons.push(`champion score at row ${badChampion} is ${championScores![badChampion]}; the comparison is impossible`);
  if (reasons.length > 0) {
    return { promote: false, reasons, metric, challenger: NaN, champion: NaN, hasChampion, delta: NaN, ci: [NaN, NaN], pValue: NaN, skippedResamples: 0, ...(currency ? { currency } : {}) };
  }

  const compared = comparedVectors(input, championScores ?? new Float64Array(n).fill(0.5));
  const interval = pairedBootstrap(metricFn, compared.challenger, compared.reference, labels, {
    resamples: bootstrap.iterations,
    confidence: bootstrap.confidence,
    seed: bootstrap.seed,
    stratified: true,
  });
  const challenger = metricFn(compared.challenger, labels);
  const champion = metricFn(compared.reference, labels);
  const delta = challenger - champion;
  const ci: [number, number] = [interval.lower, interval.upper];
  const skipped = bootstrap.iterations - interval.resamples;
  const requiredMargin = hasChampion ? margin : 0;

  const pct = `${Math.round(bootstrap.confidence * 100)}%`;
  const against = hasChampion ? 'champion' : metric === 'value' ? 'approve-everything baseline' : 'no-skill baseline';

  if (!Number.isFinite(challenger)) reasons.push(`challenger ${metric} is undefined on this holdout`);
  if (!(delta >= requiredMargin)) {
    reasons.push(`${metric} ${fmt(challenger)} vs ${against} ${fmt(champion)}: delta ${fmt(delta)} is below the margin ${currency ? fmt(requiredMargin) : requiredMargin}`);
  }
  if (!(ci[0] > 0)) reasons.push(`${pct} paired bootstrap CI of delta [${fmt(ci[0])}, ${fmt(ci[1])}] does not exclude 0`);
  if (skipped > bootstrap.iterations / 10) reasons.push(`${skipped} of ${bootstrap.iterations} resamples had an undefined metric`);
  const promote = reasons.length === 0;
  if (promote) {
    reasons.push(
      `${metric} ${fmt(challenger)} vs ${against} ${fmt(champion)}: delta ${fmt(delta)} >= margin ${currency ? fmt(requiredMargin) : requiredMargin}`,
      `${pct} paired bootstrap CI of delta [${fmt(ci[0])}, ${fmt(ci[1])}] is above 0 (${bootstrap.iterations} resamples, ${n} rows)`,
      'ONNX model loads and scores finite probabilities',
    );
  }
  return { promote, reasons, metric, challenger, champion, hasChampion, delta, ci, pValue: interval.pValue, skippedResamples: skipped, ...(currency ? { currency } : {}) };
}

function checkInputs(input: GateInput): void {
  const issues: { path: string; problem: string }[] = [];
  const n = input.labels.length;
  if (input.challengerScores.length !== n) issues.push({ path: 'challengerScores', problem: `length ${input.challengerScores.length} != labels ${n}` });
  if (input.championScores && input.championScores.length !== n) issues.push({ path: 'championScores', problem: `length ${input.championScores.length} != labels ${n}` });
  for (let i = 0; i < n; i++) {
    const y = input.labels[i];
    if (y !== 0 && y !== 1) {
      issues.push({ path: `labels[${i}]`, problem: `is ${y}, expected 0 or 1` });
      break;
    }
  }
  const positives = countPositives(input.labels);
  if (positives === 0 || positives === n) issues.push({ path: 'labels', problem: 'need both classes on the holdout' });
  const b = input.bootstrap;
  if (!Number.isSafeInteger(b.iterations) || b.iterations < 100) issues.push({ path: 'bootstrap.iterations', problem: 'must be an integer >= 100' });
  if (!(b.confidence > 0 && b.confidence < 1)) issues.push({ path: 'bootstrap.confidence', problem: 'must be in (0,1)' });
  if (!(input.margin >= 0)) issues.push({ path: 'margin', problem: 'must be >= 0' });
  if (!GATE_METRICS.includes(input.metric)) issues.push({ path: 'metric', problem: `must be one of ${GATE_METRICS.join(', ')}` });
  if (input.metric === 'value') issues.push(...valueInputIssues(input.value, n, input.championScores !== undefined));
  if (issues.length > 0) throw new ValidationError('GATE_INPUT_INVALID', issues);
}

function firstInvalidScore(scores: ArrayLike<number>): number {
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!(s >= 0 && s <= 1)) return i;
  }
  return -1;
}

function countPositives(labels: ArrayLike<number>): number {
  let p = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) p++;
  return p;
}
