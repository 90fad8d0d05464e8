/**
 * Which event-time days a retrain reads, as half-open ranges, all derived from one cutoff:
 *
 *   trainStart          holdoutStart        matureEnd           cutoff
 *   |------ train -------|----- holdout -----|-- label delay ---|
 *
 * - cutoff: the moment the model is "trained at": the request's range_end (the end of the evidence), or
 *   now when the request has none or names the future. Labels count only if known by then
 *   (labelled_at <= cutoff), so the same request over the same store always builds the same training set,
 *   however late it is (re)processed.
 * - label delay: the last days before the cutoff, whose frauds are mostly not reported yet; counting their
 *   unlabelled rows as genuine would teach the model that recent fraud patterns are fine. Skipped.
 * - holdout: the most recent days with mature labels. Champion and challenger are both scored on exactly
 *   these rows; being the latest data, they are also the closest to what the model will see next.
 * - train: everything before the holdout, back to cutoff - windowDays.
 */
import { ValidationError } from '@riskstream/shared';
import type { ModelManifest } from '@riskstream/shared/model';
import type { TimeRange } from '../data/offline-store.ts';

export const DAY_MS = 86_400_000;

export interface WindowSettings {
  readonly windowDays: number;
  readonly holdoutDays: number;
  readonly labelDelayDays: number;
}

export interface TrainingWindow {
  /** Labels known at this instant count. */
  readonly cutoff: Date;
  readonly train: TimeRange;
  readonly holdout: TimeRange;
  /** train.from .. holdout.to: what is read from the store. */
  readonly read: TimeRange;
}

/** `rangeEnd` <= 0 or later than `now` falls back to now. */
export function trainingWindow(rangeEnd: number, now: number, s: WindowSettings): TrainingWindow {
  if (!(s.windowDays > s.holdoutDays + s.labelDelayDays) || !(s.holdoutDays > 0) || !(s.labelDelayDays >= 0)) {
    throw new ValidationError('TRAINING_WINDOW_INVALID', [{ path: 'windowDays', problem: `${s.windowDays} must exceed holdout ${s.holdoutDays} + label delay ${s.labelDelayDays}` }]);
  }
  const cutoff = Number.isFinite(rangeEnd) && rangeEnd > 0 && rangeEnd <= now ? rangeEnd : now;
  const matureEnd = cutoff - s.labelDelayDays * DAY_MS;
  const holdoutStart = matureEnd - s.holdoutDays * DAY_MS;
  const trainStart = cutoff - s.windowDays * DAY_MS;
  return {
    cutoff: new Date(cutoff),
    train: { from: new Date(trainStart), to: new Date(holdoutStart) },
    holdout: { from: new Date(holdoutStart), to: new Date(matureEnd) },
    read: { from: new Date(trainStart), to: new Date(matureEnd) },
  };
}

export function describeRange(r: TimeRange): string {
  return `[${r.from.toISOString()}, ${r.to.toISOString()})`;
}

/**
 * Where the event-time rows a model was fitted on end (exclusive, epoch ms), from its manifest: the
 * simulator's handbook protocol trains on 7 days from `trainStartDay` (a UTC day number), a retrain on
 * its window's train range. Undefined for sources without event time (a CSV holdout split).
 */
export function trainedUntilMs(manifest: Pick<ModelManifest, 'trainingConfig'>): number | undefined {
  const config = manifest.trainingConfig;
  const source = config !== null && typeof config === 'object' && !Array.isArray(config) ? (config as Record<string, unknown>)['source'] : undefined;
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return undefined;
  const s = source as Record<string, unknown>;
  if (typeof s['trainedUntilMs'] === 'number') return s['trainedUntilMs'];
  if (s['kind'] === 'simulator' && typeof s['trainStartDay'] === 'number') return (s['trainStartDay'] + HANDBOOK_TRAIN_DAYS) * DAY_MS;
  return undefined;
}

const HANDBOOK_TRAIN_DAYS = 7;

/**
 * The holdout must be data the champion has not been fitted on, or the gate compares a model on its own
 * training rows against one on unseen rows and refuses every challenger. The holdout starts no earlier
 * than the champion's training end; what is skipped joins the challenger's training range.
 */
export function holdoutAfter(window: TrainingWindow, championTrainedUntil: number | undefined): TrainingWindow {
  if (championTrainedUntil === undefined || championTrainedUntil <= window.holdout.from.getTime()) return window;
  const from = new Date(Math.min(championTrainedUntil, window.holdout.to.getTime()));
  return { ...window, train: { from: window.train.from, to: from }, holdout: { from, to: window.holdout.to } };
}
