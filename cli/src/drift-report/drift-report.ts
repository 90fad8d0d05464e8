/**
 * `riskstream drift report` without the argument parsing: a model version's reference profile against
 * a window of the offline store, judged by the drift monitor's own code (feature selection, settings
 * from the same DRIFT_* variables, statistics, multiple-testing correction, verdicts, performance
 * windows), ready for the HTML page.
 */
import type { ModelManifest, ModelSource } from '@riskstream/shared/model';
import {
  bucketLengthMs,
  calendarDependence,
  driftSettings,
  parseFeatureSelection,
  performanceOverTime,
  selectFeatures,
  windowDrift,
  type DriftMonitorConfig,
  type PerformanceBucket,
  type WindowDrift,
} from '@riskstream/drift-monitor';
import { loadScoringModel } from '@riskstream/scoring';
import { BatchScorer } from '../batch-scoring/batch-scorer.ts';
import { fetchModel, type ModelRef } from '../batch-scoring/model-ref.ts';
import type { ProgressFn } from '../progress-bar.ts';
import { readOfflineWindow, type ScoreSource } from './offline-window.ts';

export interface DriftReportRequest {
  readonly source: ModelSource;
  readonly model: ModelRef;
  readonly root: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** The drift monitor's configuration (DRIFT_* variables, defaults otherwise). */
  readonly monitor: DriftMonitorConfig;
  readonly progress: ProgressFn;
}

export interface ExcludedFeature {
  readonly name: string;
  readonly reason: string;
}

export interface DriftReportData {
  readonly model: Pick<ModelManifest, 'name' | 'version' | 'createdAt' | 'thresholds' | 'kind'>;
  /** How the model was asked for, e.g. fraud@champion. */
  readonly requested: string;
  readonly root: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly rows: number;
  readonly drift: WindowDrift;
  /** Profile features the monitor leaves out, with why. */
  readonly excluded: readonly ExcludedFeature[];
  /** Names in DRIFT_FEATURES that the profile does not have. */
  readonly unknownFeatures: readonly string[];
  /** Monitored features absent from the store's files of the window. */
  readonly absentFeatures: readonly string[];
  readonly scoreSource: ScoreSource;
  readonly labelledEvents: number;
  readonly performance: {
    readonly bucketMs: number;
    readonly buckets: readonly PerformanceBucket[];
    /** The whole window as one bucket. */
    readonly overall: PerformanceBucket;
    readonly minEvents: number;
  };
}

export async function buildDriftReport(req: DriftReportRequest): Promise<DriftReportData> {
  const fetched = await fetchModel(req.source, req.model);
  const manifest = fetched.manifest;
  const profile = manifest.referenceProfile;
  const { monitored, unknown } = selectFeatures(profile, parseFeatureSelection(req.monitor.features));
  const window = await readOfflineWindow({
    root: req.root,
    fromMs: req.fromMs,
    toMs: req.toMs,
    monitored,
    model: { name: manifest.name, version: manifest.version },
    loadScorer: async () => new BatchScorer(await loadScoringModel(fetched)),
    progress: req.progress,
  });
  const drift = windowDrift(profile, monitored, driftSettings(req.monitor), {
    features: window.features,
    scores: window.scored.scores,
    startMs: req.fromMs,
    endMs: req.toMs,
  });
  const perf = { review: manifest.thresholds.review, scoreBins: req.monitor.scoreBins, minEvents: req.monitor.minPerformanceEvents };
  const bucketMs = bucketLengthMs(req.toMs - req.fromMs);
  const monitoredSet = new Set(monitored);
  return {
    model: { name: manifest.name, version: manifest.version, createdAt: manifest.createdAt, thresholds: manifest.thresholds, kind: manifest.kind },
    requested: `${req.model.name}@${req.model.selector}`,
    root: req.root,
    fromMs: req.fromMs,
    toMs: req.toMs,
    rows: window.rows,
    drift,
    excluded: Object.keys(profile.features)
      .filter((n) => !monitoredSet.has(n))
      .map((name) => ({ name, reason: calendarDependence(name) ?? 'not listed in DRIFT_FEATURES' })),
    unknownFeatures: unknown,
    absentFeatures: window.absentFeatures,
    scoreSource: window.scoreSource,
    labelledEvents: window.labelledEvents,
    performance: {
      bucketMs,
      buckets: performanceOverTime(window.scored, req.fromMs, req.toMs, bucketMs, perf),
      overall: performanceOverTime(window.scored, req.fromMs, req.toMs, req.toMs - req.fromMs, perf)[0]!,
      minEvents: perf.minEvents,
    },
  };
}
