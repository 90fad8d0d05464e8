/**
 * The statistics core of the monitor, free of Kafka and HTTP so the benches drive it directly: the
 * champion's reference profile, the monitored features' windows, the score's windows and their
 * evaluations. `addFeatures` / `addScore` are the per-event hot path (bin increments only);
 * `evaluateCount` recomputes the sliding-window statistics (per micro-batch, not per event); a tumbling
 * window is evaluated once, when it closes.
 */
import type { ReferenceProfile } from '@riskstream/shared/model';
import { buildBinLayout, scoreLayout, type BinLayout } from './bin-layout.ts';
import { HistogramWindows, type ClosedWindow } from './histogram-windows.ts';
import { WindowEvaluation, type VerdictSettings } from './window-evaluation.ts';

export interface DriftSettings extends VerdictSettings {
  readonly countWindow: number;
  readonly timeWindowMs: number;
  readonly allowedLatenessMs: number;
}

export type DriftStream = 'features' | 'score';

export interface DriftCoreOptions {
  /** Called after a tumbling window of `stream` closed and was evaluated. */
  readonly onTimeWindow?: (stream: DriftStream, evaluation: WindowEvaluation) => void;
}

export class DriftCore {
  readonly settings: DriftSettings;
  readonly featureLayout: BinLayout;
  readonly scoreLayout: BinLayout;
  readonly features: HistogramWindows;
  readonly score: HistogramWindows;
  readonly countFeatures: WindowEvaluation;
  readonly countScore: WindowEvaluation;
  readonly timeFeatures: WindowEvaluation;
  readonly timeScore: WindowEvaluation;
  /** Reused for addScore: one value per event without an array per event. */
  readonly #scoreValue = new Float64Array(1);

  constructor(profile: ReferenceProfile, featureNames: readonly string[], settings: DriftSettings, options: DriftCoreOptions = {}) {
    this.settings = settings;
    this.featureLayout = buildBinLayout(featureNames.map((name) => ({ name, profile: profile.features[name]! })));
    this.scoreLayout = scoreLayout(profile.score);
    this.countFeatures = new WindowEvaluation(this.featureLayout);
    this.timeFeatures = new WindowEvaluation(this.featureLayout);
    this.countScore = new WindowEvaluation(this.scoreLayout);
    this.timeScore = new WindowEvaluation(this.scoreLayout);
    const windows = { countWindow: settings.countWindow, timeWindowMs: settings.timeWindowMs, allowedLatenessMs: settings.allowedLatenessMs };
    this.features = new HistogramWindows(this.featureLayout, {
      ...windows,
      onClose: (w) => options.onTimeWindow?.('features', this.#evaluateClosed(w, this.timeFeatures, true)),
    });
    this.score = new HistogramWindows(this.scoreLayout, {
      ...windows,
      onClose: (w) => options.onTimeWindow?.('score', this.#evaluateClosed(w, this.timeScore, false)),
    });
  }

  get featureNames(): readonly string[] {
    return this.featureLayout.names;
  }

  /** One enriched event: values[j] is monitored feature j (NaN = missing). */
  addFeatures(values: ArrayLike<number>, eventTimeMs: number): void {
    this.features.add(values, eventTimeMs);
  }

  /** One scored event of the champion. */
  addScore(score: number, eventTimeMs: number): void {
    this.#scoreValue[0] = score;
    this.score.add(this.#scoreValue, eventTimeMs);
  }

  /** Recomputes the sliding count windows' statistics and verdicts. */
  evaluateCount(): void {
    const f = this.features.countWindowTimeRange();
    this.countFeatures.evaluate(this.features.countCounts, this.features.size, f.start, f.end, this.settings, true);
    const s = this.score.countWindowTimeRange();
    this.countScore.evaluate(this.score.countCounts, this.score.size, s.start, s.end, this.settings, false);
  }

  #evaluateClosed(w: ClosedWindow, into: WindowEvaluation, corrected: boolean): WindowEvaluation {
    return into.evaluate(w.counts, w.events, w.startMs, w.endMs, this.settings, corrected);
  }
}
