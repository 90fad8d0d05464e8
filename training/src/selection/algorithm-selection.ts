/**
 * Algorithm selection by successive halving over learners (`riskstream train --algorithm auto`): every
 * candidate learner is fitted on a stratified sample of the training rows and scored by average
 * precision on a validation split carved from that sample; the better 1/eta go on to a sample eta times
 * larger, until one is left. The caller then trains the winner on every row. Cheap learners lose little
 * by being judged on a sample, and the expensive ones are only fitted on everything once.
 *
 * Deterministic for a seed; every learner of a rung sees the same rows and the same validation split.
 */
import { ConfigError } from '@riskstream/shared';
import { takeRows, type Dataset } from '../data/dataset.ts';
import { averagePrecision } from '../metrics/average-precision.ts';
import { rocAuc } from '../metrics/roc-auc.ts';
import { modelMargins } from '../models/margins.ts';
import { ALGORITHMS, fitCandidate, type Algorithm, type CandidateSettings } from '../pipeline/fit-candidate.ts';
import { stratifiedHoldout } from '../split.ts';

export interface AlgorithmSelectionOptions {
  readonly candidates?: readonly Algorithm[];
  /** Survivors per rung are the best ceil(n / eta); default 2. */
  readonly eta?: number;
  /** Share of the training rows in the first rung's sample; default 0.25. */
  readonly minFraction?: number;
  /** The learners' settings (seed, options, validation share, grouping); refits are skipped here. */
  readonly settings: Omit<CandidateSettings, 'algorithm'>;
  readonly progress?: (done: number, total: number) => void;
}

export interface AlgorithmTrial {
  readonly algorithm: Algorithm;
  readonly rung: number;
  readonly fraction: number;
  readonly rows: number;
  readonly validAp: number;
  readonly validAuc: number;
  readonly seconds: number;
  /** Went on to the next rung (or won the last one). */
  readonly advanced: boolean;
}

export interface AlgorithmSelection {
  readonly winner: Algorithm;
  readonly trials: readonly AlgorithmTrial[];
}

export function selectAlgorithm(train: Dataset, o: AlgorithmSelectionOptions): AlgorithmSelection {
  const candidates = [...(o.candidates ?? ALGORITHMS)];
  const eta = o.eta ?? 2;
  const minFraction = o.minFraction ?? 0.25;
  checkOptions(candidates, eta, minFraction);
  const fractions = rungFractions(candidates.length, eta, minFraction);
  const total = fractions.reduce((sum, _f, r) => sum + survivorsAt(candidates.length, eta, r), 0);
  const trials: AlgorithmTrial[] = [];
  let alive: Algorithm[] = candidates;
  let done = 0;
  for (const [rung, fraction] of fractions.entries()) {
    const sample = stratifiedSample(train, fraction, o.settings.seed);
    const scored = alive.map((algorithm) => {
      const t = scoreOnSample(sample, algorithm, o.settings);
      o.progress?.(++done, total);
      return { algorithm, rung, fraction, rows: sample.rows, ...t };
    });
    const keep = rung === fractions.length - 1 ? 1 : survivorsAt(candidates.length, eta, rung + 1);
    const ranked = [...scored].sort((a, b) => b.validAp - a.validAp || candidates.indexOf(a.algorithm) - candidates.indexOf(b.algorithm));
    alive = ranked.slice(0, keep).map((t) => t.algorithm);
    trials.push(...scored.map((t) => ({ ...t, advanced: alive.includes(t.algorithm) })));
  }
  return { winner: alive[0]!, trials };
}

/** Sample shares per rung: minFraction, x eta, ... while more than one learner is left (capped at 1). */
function rungFractions(count: number, eta: number, minFraction: number): number[] {
  const fractions: number[] = [];
  for (let n = count, f = minFraction; n > 1; n = Math.ceil(n / eta), f *= eta) fractions.push(Math.min(1, f));
  return fractions;
}

function survivorsAt(count: number, eta: number, rung: number): number {
  let n = count;
  for (let r = 0; r < rung; r++) n = Math.ceil(n / eta);
  return n;
}

function scoreOnSample(sample: Dataset, algorithm: Algorithm, settings: AlgorithmSelectionOptions['settings']): { validAp: number; validAuc: number; seconds: number } {
  const started = performance.now();
  const fit = fitCandidate(sample, { ...settings, algorithm, refitRoundsFactor: 0 });
  // Margins rank the validation rows as the calibrated probabilities would.
  const margins = modelMargins(fit.heldOutModel, fit.valid.x, fit.valid.rows);
  return { validAp: averagePrecision(margins, fit.valid.y), validAuc: rocAuc(margins, fit.valid.y), seconds: (performance.now() - started) / 1000 };
}

/** A class-stratified share of the rows (groups kept whole when the dataset has them). */
function stratifiedSample(ds: Dataset, fraction: number, seed: number): Dataset {
  if (fraction >= 1) return ds;
  const split = stratifiedHoldout(ds.y, { testFraction: fraction, seed: seed + 7, ...(ds.group ? { group: ds.group } : {}) });
  return takeRows(ds, split.test);
}

function checkOptions(candidates: readonly Algorithm[], eta: number, minFraction: number): void {
  const issues = [];
  if (candidates.length < 2) issues.push({ field: 'candidates', problem: `needs at least 2 learners, got ${candidates.length}` });
  if (new Set(candidates).size !== candidates.length) issues.push({ field: 'candidates', problem: 'lists a learner twice' });
  if (!(Number.isFinite(eta) && eta >= 2)) issues.push({ field: 'eta', problem: `must be >= 2, got ${eta}` });
  if (!(minFraction > 0 && minFraction <= 1)) issues.push({ field: 'minFraction', problem: `must be in (0, 1], got ${minFraction}` });
  if (issues.length > 0) throw new ConfigError(issues);
}
