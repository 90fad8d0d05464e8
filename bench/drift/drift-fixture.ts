/**
 * The simulated world both drift benches use: the handbook simulator, features computed offline exactly
 * as the streaming service computes them, a small calibrated GBDT trained on one week, and that week's
 * reference profile built by training's own code (what a registered manifest holds). Later days are the
 * "live" traffic.
 *
 * Why the training week starts on day 40 and live traffic on day 54: the 30-day customer windows and the
 * terminal windows (30 days, read 7 days late) need 37 days of history to be full, as they are in
 * production; live traffic starts after the 7-day label delay, as a model trained on that week would be
 * deployed. 183 days then leave ~1.24M live events, enough for the 1,000,000-event false-alarm run.
 */
import { dayIndex, FEATURE_NAMES } from '@riskstream/shared/features';
import { predictBatch, treeMargin, type ReferenceProfile, type TreeEnsembleModel } from '@riskstream/shared/model';
import { featurizeOffline, fitPlatt, simulate, takeRows, trainGbdt, withCalibration, type Dataset, type SimulationResult } from '@riskstream/training';
import { buildReferenceProfile } from '../../training/src/build/reference-profile.ts';

export const TRAIN_START_DAY = 40;
export const TRAIN_DAYS = 7;
export const LIVE_START_DAY = TRAIN_START_DAY + TRAIN_DAYS + 7;

export interface DriftWorld {
  readonly sim: SimulationResult;
  readonly dataset: Dataset;
  readonly model: TreeEnsembleModel;
  readonly profile: ReferenceProfile;
  /** Calibrated score per dataset row. */
  readonly scores: Float64Array;
  /** First row (event-time order) of live traffic. */
  readonly liveStart: number;
  readonly thresholds: { review: number; decline: number };
}

/** Rows whose simulated day (since the start date) is in [from, to). */
export function rowsOfDays(sim: SimulationResult, from: number, to: number): Uint32Array {
  const first = dayIndex(sim.startTimeMs);
  const out: number[] = [];
  const tx = sim.transactions;
  for (let i = 0; i < tx.length; i++) {
    const d = dayIndex(tx.eventTimeMs[i]!) - first;
    if (d >= from && d < to) out.push(i);
  }
  return Uint32Array.from(out);
}

export function buildWorld(options: { days?: number; seed?: number; rounds?: number } = {}): DriftWorld {
  const sim = simulate({ nbDays: options.days ?? 183, seed: options.seed ?? 7 });
  const dataset = featurizeOffline(sim.transactions);
  const trainIdx = rowsOfDays(sim, TRAIN_START_DAY, TRAIN_START_DAY + TRAIN_DAYS);
  const train = takeRows(dataset, trainIdx);
  const fit = trainGbdt(train, { rounds: options.rounds ?? 60, earlyStoppingRounds: 0, seed: 1, maxLeaves: 16, learningRate: 0.1 });
  const margins = Float64Array.from({ length: train.rows }, (_, i) => treeMargin(fit.model, train.x, i * train.cols));
  const model = withCalibration(fit.model, fitPlatt(margins, train.y));
  const scores = predictBatch(model, dataset.x, dataset.rows);
  const trainScores = Float64Array.from(trainIdx, (i) => scores[i]!);
  const profile = buildReferenceProfile(train, trainScores);
  const liveStart = rowsOfDays(sim, 0, LIVE_START_DAY).length;
  return { sim, dataset, model, profile, scores, liveStart, thresholds: { review: 0.3, decline: 0.8 } };
}

export { FEATURE_NAMES };
