/**
 * Fits the candidate model with one of the learners, the same way for each: carve a validation split
 * from the training rows, fit on the rest (the GBDT early-stops on the split), then refit on every
 * training row. The model fitted without the validation rows is returned too: calibration and
 * thresholds are fitted on its validation scores, which are out of sample.
 */
import { ConfigError } from '@riskstream/shared';
import type { JsonValue, Model } from '@riskstream/shared/model';
import type { Dataset } from '../data/dataset.ts';
import { trainGbdt } from '../models/gbdt.ts';
import { trainGbdtWithHoldout } from '../models/gbdt-holdout.ts';
import { DEFAULT_GBDT_OPTIONS, type GbdtOptions } from '../models/gbdt-options.ts';
import { trainLogisticRegression } from '../models/logistic-regression.ts';
import { trainRandomForest } from '../models/random-forest.ts';
import type { RandomForestOptions } from '../models/random-forest-options.ts';
import { splitDataset } from '../split.ts';

export const ALGORITHMS = ['gbdt', 'rf', 'lr'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const ALGORITHM_NAMES: Readonly<Record<Algorithm, string>> = {
  gbdt: 'gradient-boosted trees',
  rf: 'random forest',
  lr: 'logistic regression',
};

export interface CandidateSettings {
  readonly algorithm: Algorithm;
  readonly seed: number;
  readonly gbdt?: Partial<GbdtOptions>;
  readonly rf?: Partial<RandomForestOptions>;
  readonly validFraction: number;
  readonly grouped: boolean;
  /** Refit on every training row (GBDT: round(bestRounds * factor) rounds); 0 keeps the first fit. */
  readonly refitRoundsFactor: number;
}

export interface LearningCurvePoint {
  readonly round: number;
  readonly train: number;
  readonly valid: number;
}

export interface CandidateFit {
  /** The model that will serve (refit on every training row unless the factor is 0). Uncalibrated. */
  readonly model: Model;
  /** Fitted without the validation rows: calibration and thresholds come from its scores on them. */
  readonly heldOutModel: Model;
  readonly valid: Dataset;
  /** Importance per feature, in model.featureNames order (gain; |standardised weight| for lr). */
  readonly importance: Float64Array;
  readonly learningCurve: readonly LearningCurvePoint[];
  /** The learner's resolved options and fit facts, recorded in the manifest. */
  readonly config: Readonly<Record<string, JsonValue>>;
}

export type CandidateProgress = (stage: string, done: number, total: number) => void;

export function isAlgorithm(value: string): value is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(value);
}

export function fitCandidate(train: Dataset, s: CandidateSettings, progress: CandidateProgress = () => undefined): CandidateFit {
  if (!isAlgorithm(s.algorithm)) throw new ConfigError([{ field: 'algorithm', problem: `must be one of ${ALGORITHMS.join(', ')}, got ${JSON.stringify(s.algorithm)}` }]);
  if (s.algorithm === 'gbdt') return fitGbdt(train, s, progress);
  const split = splitDataset(train, { testFraction: s.validFraction, seed: s.seed, grouped: s.grouped });
  const fit = s.algorithm === 'rf' ? fitForest : fitLinear;
  const heldOut = fit(split.train, s, (d, t) => progress('fit', d, t));
  const final = s.refitRoundsFactor > 0 ? fit(train, s, (d, t) => progress('refit', d, t)) : heldOut;
  return { model: final.model, heldOutModel: heldOut.model, valid: split.test, importance: final.importance, learningCurve: [], config: final.config };
}

/**
 * One fit on every given training row, for comparisons on `valid` (feature selection): the GBDT
 * early-stops on `valid` itself instead of carving a split from `train`, so the model sees as many rows as
 * it can, the way the final model will.
 */
export function fitOnSplit(train: Dataset, valid: Dataset, s: CandidateSettings): Model {
  if (s.algorithm === 'gbdt') return trainGbdt(train, { ...s.gbdt, seed: s.seed }, valid).model;
  return (s.algorithm === 'rf' ? fitForest : fitLinear)(train, s, () => undefined).model;
}

interface SimpleFit {
  readonly model: Model;
  readonly importance: Float64Array;
  readonly config: Readonly<Record<string, JsonValue>>;
}

function fitForest(train: Dataset, s: CandidateSettings, progress: (done: number, total: number) => void): SimpleFit {
  const r = trainRandomForest(train, { ...s.rf, seed: s.seed }, (i, total) => progress(i + 1, total));
  return { model: r.model, importance: r.importance.gain, config: { algorithm: 'rf', rf: { ...r.options } as unknown as JsonValue } };
}

function fitLinear(train: Dataset, _s: CandidateSettings, progress: (done: number, total: number) => void): SimpleFit {
  progress(0, 1);
  const r = trainLogisticRegression(train);
  progress(1, 1);
  const importance = Float64Array.from(r.model.weights, (w) => Math.abs(w));
  return { model: r.model, importance, config: { algorithm: 'lr' } };
}

function fitGbdt(train: Dataset, s: CandidateSettings, progress: CandidateProgress): CandidateFit {
  const rounds = s.gbdt?.rounds ?? DEFAULT_GBDT_OPTIONS.rounds;
  const learningCurve: LearningCurvePoint[] = [];
  const fit = trainGbdtWithHoldout(
    train,
    { ...s.gbdt, seed: s.seed },
    { validFraction: s.validFraction, seed: s.seed, grouped: s.grouped, refitRoundsFactor: s.refitRoundsFactor },
    (round, m) => {
      learningCurve.push({ round: m.round, train: m.trainLogloss, valid: m.validLogloss ?? Number.NaN });
      progress('boosting', round + 1, rounds);
    },
    (round, refitRounds) => progress('refit', round + 1, refitRounds),
  );
  return {
    model: fit.result.model,
    heldOutModel: fit.earlyStopped.model,
    valid: fit.validation,
    importance: fit.result.importance.gain,
    learningCurve,
    config: {
      algorithm: 'gbdt',
      gbdt: { ...fit.result.options } as unknown as JsonValue,
      bestRound: fit.earlyStopped.bestRound,
      refitRounds: fit.result === fit.earlyStopped ? 0 : fit.result.model.trees.length,
    },
  };
}
