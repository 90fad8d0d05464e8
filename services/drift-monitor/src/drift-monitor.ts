/**
 * The monitor's state and its outputs, without Kafka: the app feeds it decoded records per micro-batch
 * and it keeps the statistics core of the followed champion, the performance windows of the champion
 * and of the one before it, the label join and the consumed offsets; it recomputes the statistics at
 * most every K events / T ms, writes the Prometheus gauges and answers GET /v1/drift.
 *
 * A champion change starts a fresh core (the reference profile changed, so every window restarts) and a
 * fresh performance window; the previous champion's performance window is kept, fed by its in-flight
 * scores and late labels, as the baseline of drift_performance_delta_vs_previous. A rollback to that
 * previous champion takes its window back.
 */
import type { EnrichedTransaction, Logger, ScoredTransaction, TransactionLabel } from '@riskstream/shared';
import type { ManifestMetrics, ModelManifest } from '@riskstream/shared/model';
import type { Champion } from './champion-tracker.ts';
import { DriftCore, type DriftSettings, type DriftStream } from './drift-core.ts';
import type { DriftMetrics } from './drift-metrics.ts';
import { selectFeatures, type FeatureSelection } from './feature-selection.ts';
import { LabelJoin } from './label-join.ts';
import { PartitionMix } from './partition-mix.ts';
import {
  EstimatedPerformanceWindow,
  RealisedPerformanceWindow,
  type EstimatedPerformance,
  type RealisedPerformance,
} from './performance-window.ts';
import { ScoreBins } from './score-histogram.ts';
import type { WindowEvaluation } from './window-evaluation.ts';

export interface DriftMonitorOptions {
  readonly modelName: string;
  readonly settings: DriftSettings;
  readonly features: FeatureSelection;
  readonly recomputeEveryEvents: number;
  readonly recomputeIntervalMs: number;
  readonly performanceWindow: number;
  readonly minPerformanceEvents: number;
  readonly scoreBins: number;
  readonly labelJoinCapacity: number;
  readonly metrics: DriftMetrics;
  readonly logger: Logger;
  /** Wall clock (ms), for the recompute interval. */
  readonly now?: () => number;
  /**
   * Input partitions a representative count window mixes (see partition-mix.ts); 1 turns the check off.
   * Default 1.
   */
  readonly expectedPartitions?: number;
}

/** topic name -> partition -> next offset to read. */
export type Offsets = Record<string, Record<string, number>>;

interface VersionPerformance {
  readonly version: number;
  readonly manifest: ModelManifest;
  readonly estimated: EstimatedPerformanceWindow;
  readonly realised: RealisedPerformanceWindow;
  lastEstimated: EstimatedPerformance | null;
  lastRealised: RealisedPerformance | null;
}

interface TimeSnapshot {
  readonly offsets: Offsets;
}

const PERFORMANCE_METRICS = ['estimated_roc_auc', 'estimated_average_precision', 'realised_roc_auc', 'realised_average_precision'] as const;

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** A holdout metric of the manifest: `holdout.<key>` when training nested it, else the headline `<key>`. */
export function manifestMetric(metrics: ManifestMetrics, key: string): number | undefined {
  const holdout = metrics['holdout'];
  const nested = typeof holdout === 'object' ? holdout[key] : undefined;
  if (typeof nested === 'number') return nested;
  const top = metrics[key];
  return typeof top === 'number' ? top : undefined;
}

export class DriftMonitor {
  readonly #o: DriftMonitorOptions;
  readonly #m: DriftMetrics;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #bins: ScoreBins;
  readonly #labels: LabelJoin;
  readonly #offsets = new Map<string, Map<number, number>>();
  #champion: Champion | undefined;
  #core: DriftCore | undefined;
  #values = new Float64Array(0);
  #mix: PartitionMix;
  /** Whether the last count-window evaluation came from a representative window (partition-mix.ts). */
  #representative = true;
  #current: VersionPerformance | undefined;
  #previous: VersionPerformance | undefined;
  #timeSnapshot: TimeSnapshot | null = null;
  #pending = 0;
  #lastRecompute = 0;
  #lateSeen = { features: 0, score: 0 };
  /** Versions seen on scored events that the monitor does not follow (since the last check). */
  unknownVersionSeen = false;

  constructor(options: DriftMonitorOptions) {
    this.#o = options;
    this.#m = options.metrics;
    this.#log = options.logger.child({ component: 'drift-monitor' });
    this.#now = options.now ?? Date.now;
    this.#bins = new ScoreBins(options.scoreBins);
    this.#labels = new LabelJoin(options.labelJoinCapacity);
    this.#mix = new PartitionMix(options.settings.countWindow);
  }

  get champion(): Champion | undefined {
    return this.#champion;
  }

  get core(): DriftCore | undefined {
    return this.#core;
  }

  /** Starts comparing against `next`'s reference profile. */
  setChampion(next: Champion): void {
    const { monitored, unknown } = selectFeatures(next.manifest.referenceProfile, this.#o.features);
    if (unknown.length > 0) this.#log.warn({ unknown, version: next.version }, 'DRIFT_FEATURES names features the reference profile does not have; they are skipped');
    this.#champion = next;
    this.#core = new DriftCore(next.manifest.referenceProfile, monitored, this.#o.settings, {
      onTimeWindow: (stream) => this.#onTimeWindow(stream),
    });
    this.#values = new Float64Array(monitored.length);
    this.#mix.reset();
    this.#timeSnapshot = null;
    this.#lateSeen = { features: 0, score: 0 };
    const old = this.#current;
    if (old?.version !== next.version) {
      // A rollback to the previous champion takes its window back; anything else starts a new one.
      this.#current = this.#previous?.version === next.version ? this.#previous : this.#performanceFor(next.version, next.manifest);
      this.#previous = old;
    }
    this.#log.info({ version: next.version, features: monitored, previous: this.#previous?.version ?? null }, 'drift reference switched');
    this.recompute();
  }

  /** Records that a micro-batch of `topicName`/`partition` ends before `nextOffset`. */
  noteOffset(topicName: string, partition: number, nextOffset: number): void {
    let parts = this.#offsets.get(topicName);
    if (!parts) this.#offsets.set(topicName, (parts = new Map()));
    parts.set(partition, nextOffset);
  }

  /** `partitions[i]`: the input partition of `records[i]`, for the window's partition mix. */
  addEnriched(records: readonly EnrichedTransaction[], partitions?: readonly number[]): void {
    this.#m.events.inc({ stream: 'enriched' }, records.length);
    const core = this.#core;
    if (!core) {
      this.#m.ignoredEvents.inc({ stream: 'enriched', reason: 'no_champion' }, records.length);
      return;
    }
    const names = core.featureNames;
    const values = this.#values;
    for (const r of records) {
      const f = r.features;
      for (let j = 0; j < names.length; j++) {
        const v = f[names[j]!];
        values[j] = typeof v === 'number' ? v : Number.NaN;
      }
      core.addFeatures(values, r.event_time);
    }
    if (partitions) for (const p of partitions) this.#mix.add(p);
    this.#pending += records.length;
    this.#countLate('features', core.features.lateEvents);
  }

  addScored(records: readonly ScoredTransaction[]): void {
    this.#m.events.inc({ stream: 'scored' }, records.length);
    const core = this.#core;
    let ignored = 0;
    for (const r of records) {
      const perf = r.model_version === this.#current?.version ? this.#current : r.model_version === this.#previous?.version ? this.#previous : undefined;
      if (!perf || r.model_name !== this.#o.modelName || !core) {
        ignored++;
        if (core && r.model_name === this.#o.modelName) this.unknownVersionSeen = true;
        continue;
      }
      perf.estimated.add(r.score);
      this.#labels.put(r.transaction_id, r.score, r.model_version);
      if (perf === this.#current) core.addScore(r.score, r.event_time);
    }
    if (ignored > 0) this.#m.ignoredEvents.inc({ stream: 'scored', reason: core ? 'other_version' : 'no_champion' }, ignored);
    this.#pending += records.length;
    if (core) this.#countLate('score', core.score.lateEvents);
  }

  addLabels(records: readonly TransactionLabel[]): void {
    this.#m.events.inc({ stream: 'labels' }, records.length);
    let matched = 0;
    for (const r of records) {
      if (!this.#labels.take(r.transaction_id)) continue;
      matched++;
      const perf = this.#labels.version === this.#current?.version ? this.#current : this.#labels.version === this.#previous?.version ? this.#previous : undefined;
      perf?.realised.add(this.#labels.score, r.is_fraud);
    }
    if (matched > 0) this.#m.labelJoins.inc({ outcome: 'matched' }, matched);
    if (records.length > matched) this.#m.labelJoins.inc({ outcome: 'unmatched' }, records.length - matched);
    this.#pending += records.length;
  }

  /** Recomputes when K events arrived or T ms passed with new events; true when it did. */
  recomputeIfDue(): boolean {
    if (this.#pending === 0) return false;
    if (this.#pending < this.#o.recomputeEveryEvents && this.#now() - this.#lastRecompute < this.#o.recomputeIntervalMs) return false;
    this.recompute();
    return true;
  }

  /** Recomputes the sliding-window statistics and performance, then rewrites the gauges. */
  recompute(): void {
    const stop = this.#m.updateDuration.startTimer();
    this.#pending = 0;
    this.#lastRecompute = this.#now();
    this.#core?.evaluateCount();
    this.#representative = this.#mix.representative(this.#o.expectedPartitions ?? 1);
    if (this.#core && this.#champion) {
      const verdict = !this.#representative ? 'unrepresentative' : this.#core.countFeatures.datasetDrifted ? 'drifted' : 'not_drifted';
      this.#m.windowEvaluations.inc({ window: 'count', verdict });
    }
    for (const p of [this.#current, this.#previous]) {
      if (!p) continue;
      p.lastEstimated = p.estimated.compute();
      p.lastRealised = p.realised.compute();
    }
    this.#publish();
    stop();
  }

  /** The GET /v1/drift document (see the monitoring contract). */
  evidence(): Record<string, unknown> {
    if (this.#pending > 0) this.recompute();
    const ch = this.#champion;
    const core = this.#core;
    const cur = this.#current;
    const min = this.#o.minPerformanceEvents;
    return {
      model_name: this.#o.modelName,
      model_version: ch?.version ?? null,
      previous_version: ch?.previousVersion ?? null,
      settings: {
        count_window_events: this.#o.settings.countWindow,
        time_window_ms: this.#o.settings.timeWindowMs,
        alpha: this.#o.settings.alpha,
        correction: this.#o.settings.correction,
        psi_floor: this.#o.settings.psiFloor,
        min_events: this.#o.settings.minEvents,
      },
      windows: {
        count: core?.countFeatures.evaluated ? this.#windowJson(core.countFeatures, core.countScore, this.#offsetsJson()) : null,
        time: core?.timeFeatures.evaluated && this.#timeSnapshot
          ? this.#windowJson(core.timeFeatures, core.timeScore.evaluated ? core.timeScore : null, this.#timeSnapshot.offsets)
          : null,
      },
      performance: {
        realised: cur?.lastRealised && cur.lastRealised.labelled_events >= min
          ? {
            roc_auc: finite(cur.lastRealised.roc_auc),
            average_precision: finite(cur.lastRealised.average_precision),
            precision_at_review: finite(cur.lastRealised.precision_at_review),
            calibration_error: finite(cur.lastRealised.calibration_error),
            labelled_events: cur.lastRealised.labelled_events,
          }
          : null,
        estimated: cur?.lastEstimated && cur.lastEstimated.events >= min
          ? {
            roc_auc: finite(cur.lastEstimated.roc_auc),
            average_precision: finite(cur.lastEstimated.average_precision),
            precision_at_review: finite(cur.lastEstimated.precision_at_review),
            events: cur.lastEstimated.events,
          }
          : null,
        delta_vs_previous: Object.fromEntries(this.#deltas()),
      },
    };
  }

  #performanceFor(version: number, manifest: ModelManifest): VersionPerformance {
    const review = manifest.thresholds.review;
    return {
      version,
      manifest,
      estimated: new EstimatedPerformanceWindow(this.#o.performanceWindow, this.#bins, review),
      realised: new RealisedPerformanceWindow(this.#o.performanceWindow, this.#bins, review),
      lastEstimated: null,
      lastRealised: null,
    };
  }

  /** The offsets when a features window closes are the evidence's position in the topics. */
  #onTimeWindow(stream: DriftStream): void {
    if (stream === 'features') this.#timeSnapshot = { offsets: this.#offsetsJson() };
  }

  #countLate(stream: 'features' | 'score', total: number): void {
    const delta = total - this.#lateSeen[stream];
    if (delta > 0) this.#m.lateEvents.inc({ stream: stream === 'features' ? 'enriched' : 'scored' }, delta);
    this.#lateSeen[stream] = total;
  }

  #offsetsJson(): Offsets {
    const out: Offsets = {};
    for (const [topic, parts] of this.#offsets) {
      const p: Record<string, number> = {};
      for (const [partition, offset] of [...parts].sort((a, b) => a[0] - b[0])) p[String(partition)] = offset;
      out[topic] = p;
    }
    return out;
  }

  #windowJson(f: WindowEvaluation, s: WindowEvaluation | null, offsets: Offsets): Record<string, unknown> {
    const features: Record<string, unknown> = {};
    const drifted: string[] = [];
    f.layout.names.forEach((name, j) => {
      const numeric = f.layout.kinds[j] === 0;
      features[name] = {
        psi: finite(f.psi[j]!),
        js_distance: finite(f.js[j]!),
        ks_statistic: numeric ? finite(f.ks[j]!) : null,
        chi2_statistic: numeric ? null : finite(f.chi2[j]!),
        p_value: finite(f.pValue[j]!),
        drifted: f.drifted[j] === 1,
        missing_ratio: finite(f.missingRatio[j]!),
        reference_missing_ratio: f.layout.referenceMissing[j]!,
      };
      if (f.drifted[j] === 1) drifted.push(name);
    });
    return {
      events: f.events,
      event_time_start: finite(f.startMs),
      event_time_end: finite(f.endMs),
      offsets,
      drifted_ratio: f.driftedRatio,
      dataset_drifted: f.datasetDrifted && (f !== this.#core?.countFeatures || this.#representative),
      representative: f !== this.#core?.countFeatures || this.#representative,
      drifted_features: drifted,
      features,
      score: s
        ? { psi: finite(s.psi[0]!), ks_statistic: finite(s.ks[0]!), p_value: finite(s.pValue[0]!), drifted: s.drifted[0] === 1, events: s.events }
        : null,
    };
  }

  /** metric -> current minus previous, for the metrics both champions have enough events for. */
  #deltas(): [string, number][] {
    const cur = this.#current;
    const prev = this.#previous;
    if (!cur || !prev) return [];
    const min = this.#o.minPerformanceEvents;
    const out: [string, number][] = [];
    const est = (p: VersionPerformance) => (p.lastEstimated && p.lastEstimated.events >= min ? p.lastEstimated : null);
    const rea = (p: VersionPerformance) => (p.lastRealised && p.lastRealised.labelled_events >= min ? p.lastRealised : null);
    for (const metric of PERFORMANCE_METRICS) {
      const [a, b] = metric.startsWith('estimated')
        ? [est(cur), est(prev)]
        : [rea(cur), rea(prev)];
      if (!a || !b) continue;
      const key = metric.endsWith('roc_auc') ? 'roc_auc' : 'average_precision';
      const d = (a as unknown as Record<string, number>)[key]! - (b as unknown as Record<string, number>)[key]!;
      if (Number.isFinite(d)) out.push([metric, d]);
    }
    return out;
  }

  #publish(): void {
    const m = this.#m;
    for (const g of [
      m.featurePsi, m.featureJs, m.featureKs, m.featureChi2, m.featurePValue, m.featureDrifted, m.featureMissing, m.referenceMissing,
      m.driftedRatio, m.datasetDrifted, m.windowRepresentative, m.scorePsi, m.scoreKs, m.scorePValue, m.windowEvents,
      m.realisedAuc, m.realisedAp, m.realisedPrecision, m.realisedEce, m.realisedLabelled,
      m.estimatedAuc, m.estimatedAp, m.estimatedPrecision, m.estimatedEvents, m.referenceAuc, m.referenceAp,
      m.performanceDelta, m.championInfo,
    ]) g.reset();
    const ch = this.#champion;
    const core = this.#core;
    if (!ch || !core) return;
    const model_version = String(ch.version);
    m.championInfo.set({ model_name: this.#o.modelName, model_version, previous_version: ch.previousVersion === null ? '' : String(ch.previousVersion) }, 1);
    const refAuc = manifestMetric(ch.manifest.metrics, 'roc_auc');
    const refAp = manifestMetric(ch.manifest.metrics, 'average_precision');
    if (refAuc !== undefined) m.referenceAuc.set({ model_version }, refAuc);
    if (refAp !== undefined) m.referenceAp.set({ model_version }, refAp);
    core.featureNames.forEach((feature, j) => m.referenceMissing.set({ feature, model_version }, core.featureLayout.referenceMissing[j]!));
    this.#publishWindow('count', core.countFeatures, core.countScore, model_version);
    if (core.timeFeatures.evaluated) this.#publishWindow('time', core.timeFeatures, core.timeScore.evaluated ? core.timeScore : null, model_version);

    const min = this.#o.minPerformanceEvents;
    const set = (g: typeof m.realisedAuc, v: number): void => {
      if (Number.isFinite(v)) g.set({ model_version }, v);
    };
    const cur = this.#current;
    if (cur?.lastEstimated) {
      m.estimatedEvents.set({ model_version }, cur.lastEstimated.events);
      if (cur.lastEstimated.events >= min) {
        set(m.estimatedAuc, cur.lastEstimated.roc_auc);
        set(m.estimatedAp, cur.lastEstimated.average_precision);
        set(m.estimatedPrecision, cur.lastEstimated.precision_at_review);
      }
    }
    if (cur?.lastRealised) {
      m.realisedLabelled.set({ model_version }, cur.lastRealised.labelled_events);
      if (cur.lastRealised.labelled_events >= min) {
        set(m.realisedAuc, cur.lastRealised.roc_auc);
        set(m.realisedAp, cur.lastRealised.average_precision);
        set(m.realisedPrecision, cur.lastRealised.precision_at_review);
        set(m.realisedEce, cur.lastRealised.calibration_error);
      }
    }
    for (const [metric, d] of this.#deltas()) m.performanceDelta.set({ metric, model_version }, d);
  }

  #publishWindow(window: 'count' | 'time', f: WindowEvaluation, s: WindowEvaluation | null, model_version: string): void {
    const m = this.#m;
    const set = (g: typeof m.featurePsi, feature: string, v: number): void => {
      if (Number.isFinite(v)) g.set({ feature, model_version, window }, v);
    };
    f.layout.names.forEach((feature, j) => {
      set(m.featurePsi, feature, f.psi[j]!);
      set(m.featureJs, feature, f.js[j]!);
      set(m.featureKs, feature, f.ks[j]!);
      set(m.featureChi2, feature, f.chi2[j]!);
      set(m.featurePValue, feature, f.pValue[j]!);
      set(m.featureMissing, feature, f.missingRatio[j]!);
      m.featureDrifted.set({ feature, model_version, window }, f.drifted[j]!);
    });
    // An unrepresentative count window reports its statistics but raises nothing (partition-mix.ts).
    const judged = window === 'time' || this.#representative;
    m.driftedRatio.set({ model_version, window }, judged ? f.driftedRatio : 0);
    m.datasetDrifted.set({ model_version, window }, judged && f.datasetDrifted ? 1 : 0);
    if (window === 'count') m.windowRepresentative.set({ model_version, window }, this.#representative ? 1 : 0);
    m.windowEvents.set({ model_version, window }, f.events);
    if (s) {
      if (Number.isFinite(s.psi[0]!)) m.scorePsi.set({ model_version, window }, s.psi[0]!);
      if (Number.isFinite(s.ks[0]!)) m.scoreKs.set({ model_version, window }, s.ks[0]!);
      if (Number.isFinite(s.pValue[0]!)) m.scorePValue.set({ model_version, window }, s.pValue[0]!);
    }
  }
}
