/**
 * The usual way to fit the GBDT when only a training set is at hand: carve a stratified validation split
 * from it, boost with early stopping on that split, and optionally refit on all rows with the number of
 * rounds found (scaled up for the extra data, since more rows support more rounds at the same rate).
 */

import { ConfigError } from '@riskstream/shared';
import type { Dataset } from '../data/dataset.ts';
import { splitDataset } from '../split.ts';
import { trainGbdt } from './gbdt.ts';
import type { GbdtProgress, GbdtResult } from './gbdt.ts';
import type { GbdtOptions } from './gbdt-options.ts';

export interface HoldoutFitOptions {
  /** Share of the training rows held out for early stopping. */
  validFraction: number;
  seed: number;
  /** Keep groups (dataset.group) on one side of the inner split. */
  grouped?: boolean;
  /**
   * Refit on all rows with round(bestRounds * refitRoundsFactor) rounds; 0 (default) keeps the model
   * trained on the carved-down set.
   */
  refitRoundsFactor?: number;
}

export interface HoldoutFitResult {
  /** The returned model (the refit one when refitting). */
  readonly result: GbdtResult;
  /** The early-stopped fit on the carved-down training set. */
  readonly earlyStopped: GbdtResult;
  readonly validation: Dataset;
  readonly trainSeconds: number;
}

export function trainGbdtWithHoldout(
  train: Dataset,
  options: Partial<GbdtOptions>,
  holdout: HoldoutFitOptions,
  onProgress?: GbdtProgress,
  onRefitProgress?: (round: number, rounds: number) => void,
): HoldoutFitResult {
  const started = performance.now();
  const factor = holdout.refitRoundsFactor ?? 0;
  if (!(factor >= 0 && Number.isFinite(factor))) {
    throw new ConfigError([{ field: 'refitRoundsFactor', problem: `must be a finite number >= 0, got ${factor}` }]);
  }
  const split = splitDataset(train, { testFraction: holdout.validFraction, seed: holdout.seed, grouped: holdout.grouped ?? false });
  const earlyStopped = trainGbdt(split.train, options, split.test, onProgress);
  let result = earlyStopped;
  if (factor > 0) {
    const rounds = Math.max(1, Math.round((earlyStopped.bestRound + 1) * factor));
    result = trainGbdt(train, { ...options, rounds, earlyStoppingRounds: 0 }, undefined, onRefitProgress && ((round) => onRefitProgress(round, rounds)));
  }
  return { result, earlyStopped, validation: split.test, trainSeconds: (performance.now() - started) / 1000 };
}
