/**
 * Hyperparameter search for the GBDT under a fixed budget, scored on a validation split.
 *
 * - 'random': `trials` configurations drawn from the space, each trained with early stopping on the
 *   validation split (up to baseOptions.rounds rounds).
 * - 'halving' (successive halving): all `trials` configurations start with a small round budget; after
 *   each rung only the best 1/eta survive and get eta times more rounds, up to the full budget. It spends
 *   most compute on promising configurations, so it can afford more trials for the same time.
 *
 * Scores are the best validation value reached (AUC or negated log loss), so they are optimistic for
 * the chosen configuration: report final quality on a separate test set. Fully deterministic for a
 * seed: configurations come from a seeded generator and trial i trains with GBDT seed `seed + i`.
 */

import { ConfigError } from '@riskstream/shared';
import type { Dataset } from './data/dataset.ts';
import { createRng } from './random.ts';
import type { Rng } from './random.ts';
import { trainGbdt } from './models/gbdt.ts';
import { resolveGbdtOptions } from './models/gbdt-options.ts';
import type { GbdtOptions } from './models/gbdt-options.ts';

export type ParamRange =
  | { readonly kind: 'log'; readonly min: number; readonly max: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'choice'; readonly values: readonly (number | string)[] };

export type SearchableParam =
  | 'learningRate'
  | 'growth'
  | 'maxDepth'
  | 'maxLeaves'
  | 'lambda'
  | 'subsample'
  | 'colsample'
  | 'minChildWeight'
  | 'minSamplesLeaf'
  | 'minSplitGain';

export type SearchSpace = Partial<Record<SearchableParam, ParamRange>>;

/** A space that covers the useful region for tabular fraud/credit data. */
export const DEFAULT_SEARCH_SPACE: Readonly<SearchSpace> = Object.freeze({
  learningRate: { kind: 'log', min: 0.01, max: 0.2 },
  growth: { kind: 'choice', values: ['leafwise', 'depthwise'] },
  maxDepth: { kind: 'choice', values: [3, 4, 5, 6] },
  maxLeaves: { kind: 'choice', values: [4, 8, 16, 32] },
  lambda: { kind: 'log', min: 0.1, max: 50 },
  subsample: { kind: 'uniform', min: 0.5, max: 1 },
  colsample: { kind: 'uniform', min: 0.4, max: 1 },
  minChildWeight: { kind: 'log', min: 0.5, max: 50 },
  minSamplesLeaf: { kind: 'choice', values: [1, 10, 20, 50, 100] },
});

export interface SearchOptions {
  strategy: 'random' | 'halving';
  /** Configurations to try. */
  trials: number;
  seed: number;
  metric?: 'auc' | 'logloss';
  /** Fixed options every trial starts from; `rounds` is the full round budget per trial. */
  baseOptions?: Partial<GbdtOptions>;
  space?: SearchSpace;
  /** Halving: survivors per rung are the best 1/eta; default 3. */
  eta?: number;
  /** Halving: round budget of the first rung; default max(10, rounds / eta^(rungs-1)). */
  minRounds?: number;
}

export interface Trial {
  readonly id: number;
  /** The sampled parameters (merged over baseOptions when training). */
  readonly params: Partial<GbdtOptions>;
  /** Higher is better: validation AUC, or minus validation log loss. */
  readonly score: number;
  /** Round budget this evaluation had, and the best round it reached. */
  readonly budget: number;
  readonly bestRound: number;
  readonly rung: number;
  readonly seconds: number;
}

export interface SearchResult {
  readonly best: Trial;
  /** Options to train the final model with (baseOptions + best params). */
  readonly bestOptions: Readonly<GbdtOptions>;
  /** Every evaluation, in order (a configuration appears once per rung it reached). */
  readonly trials: readonly Trial[];
}

export type SearchProgress = (trial: Trial, done: number, planned: number) => void;

function sampleParam(range: ParamRange, rng: Rng): number | string {
  switch (range.kind) {
    case 'log':
      return Math.exp(Math.log(range.min) + rng.next() * (Math.log(range.max) - Math.log(range.min)));
    case 'uniform':
      return range.min + rng.next() * (range.max - range.min);
    case 'choice':
      return range.values[rng.nextInt(range.values.length)]!;
  }
}

/** Draws one configuration; depth/leaf limits are made consistent with the sampled growth. */
export function sampleConfiguration(space: SearchSpace, rng: Rng): Partial<GbdtOptions> {
  const out: Record<string, number | string> = {};
  // Fixed key order so that a seed always maps to the same configuration.
  for (const key of Object.keys(space).sort() as SearchableParam[]) {
    const range = space[key];
    if (range) out[key] = sampleParam(range, rng);
  }
  const params = out as Partial<GbdtOptions>;
  if (params.growth === 'depthwise') params.maxLeaves = 0;
  else if (params.growth === 'leafwise' && params.maxLeaves !== undefined) params.maxDepth = 0;
  if (params.minSamplesLeaf !== undefined) params.minSamplesLeaf = Math.round(params.minSamplesLeaf);
  return params;
}

export function searchGbdt(train: Dataset, valid: Dataset, options: SearchOptions, onProgress?: SearchProgress): SearchResult {
  const metric = options.metric ?? 'auc';
  const base = resolveGbdtOptions({ ...options.baseOptions, earlyStoppingMetric: metric });
  const space = options.space ?? DEFAULT_SEARCH_SPACE;
  const eta = options.eta ?? 3;
  if (!(Number.isInteger(options.trials) && options.trials >= 1)) {
    throw new ConfigError([{ field: 'trials', problem: `must be an integer >= 1, got ${options.trials}` }]);
  }
  if (options.strategy === 'halving' && !(eta >= 2)) throw new ConfigError([{ field: 'eta', problem: `must be >= 2, got ${eta}` }]);
  if (base.earlyStoppingRounds === 0) throw new ConfigError([{ field: 'baseOptions.earlyStoppingRounds', problem: 'search needs early stopping (> 0)' }]);

  const rng = createRng(options.seed);
  const configs = Array.from({ length: options.trials }, () => sampleConfiguration(space, rng));
  // Validate every configuration up front so a bad space fails before any training.
  for (const c of configs) resolveGbdtOptions({ ...base, ...c });

  const trials: Trial[] = [];
  let planned = options.trials;
  const evaluate = (id: number, budget: number, rung: number): Trial => {
    const started = performance.now();
    const result = trainGbdt(train, { ...base, ...configs[id], rounds: budget, seed: options.seed + id }, valid);
    const h = result.history[result.bestRound]!;
    const score = metric === 'auc' ? h.validAuc! : -h.validLogloss!;
    const trial: Trial = {
      id,
      params: configs[id]!,
      score,
      budget,
      bestRound: result.bestRound,
      rung,
      seconds: (performance.now() - started) / 1000,
    };
    trials.push(trial);
    onProgress?.(trial, trials.length, planned);
    return trial;
  };
  const better = (a: Trial, b: Trial): number => b.score - a.score || a.id - b.id;

  let finalists: Trial[];
  if (options.strategy === 'random') {
    finalists = configs.map((_, id) => evaluate(id, base.rounds, 0));
  } else {
    const rungs = Math.max(1, Math.floor(Math.log(options.trials) / Math.log(eta) + 1e-9) + 1);
    const first = Math.max(1, options.minRounds ?? Math.max(10, Math.round(base.rounds / eta ** (rungs - 1))));
    let alive = configs.map((_, id) => id);
    planned = 0;
    for (let r = 0, n = alive.length; r < rungs; r++, n = Math.max(1, Math.floor(n / eta))) planned += n;
    finalists = [];
    for (let rung = 0; rung < rungs; rung++) {
      const budget = rung === rungs - 1 ? base.rounds : Math.min(base.rounds, Math.round(first * eta ** rung));
      finalists = alive.map((id) => evaluate(id, budget, rung)).sort(better);
      alive = finalists.slice(0, Math.max(1, Math.floor(alive.length / eta))).map((t) => t.id);
    }
  }
  const best = [...finalists].sort(better)[0]!;
  return { best, bestOptions: resolveGbdtOptions({ ...base, ...best.params }), trials };
}
