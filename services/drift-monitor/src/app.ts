/**
 * The drift monitor: consumes transactions.enriched.v1 (features), transactions.scored.v1 (scores) and
 * transactions.labels.v1 (delayed labels) in one consumer group, compares them with the champion's
 * reference profile and exports the verdicts as Prometheus gauges and GET /v1/drift. It produces
 * nothing, so 'at-least-once' is enough: a redelivered batch only counts its events twice in a window.
 *
 * The champion is followed like scoring follows it: the registry alias at start (polled until one
 * exists), models.lifecycle.v1 through a per-instance consumer from the latest offset (every instance
 * hears every promotion), and a periodic reconciliation with the alias. Scored events of a version the
 * monitor does not follow trigger that reconciliation early.
 */
import {
  createValueModel,
  sendJson,
  type EnrichedTransaction,
  type InputMessage,
  followLifecycle,
  type ScoredTransaction,
  type ServiceContext,
  type ServiceParts,
  type TopicKey,
  type TransactionLabel,
} from '@riskstream/shared';
import { createModelSource, type ModelSource } from '@riskstream/shared/model';
import { LiveExperiments } from './experiments/live-experiments.ts';
import { ChampionTracker } from './champion-tracker.ts';
import { driftSettings, type DriftMonitorConfig } from './config.ts';
import { driftMetrics } from './drift-metrics.ts';
import { DriftMonitor } from './drift-monitor.ts';
import { parseFeatureSelection } from './feature-selection.ts';
import { validateMonitorInput, type MonitorInput } from './monitor-input.ts';
import { ValueLedger } from './value-ledger.ts';
import { valueMetrics } from './value-metrics.ts';

// For `riskstream drift report`: a past window judged with the monitor's own settings, statistics and verdicts.
export { driftMonitorConfigSchema, checkDriftMonitorConfig, driftSettings, type DriftMonitorConfig } from './config.ts';
export { selectFeatures, parseFeatureSelection, calendarDependence, type FeatureSelection } from './feature-selection.ts';
export type { VerdictSettings } from './window-evaluation.ts';
export type { Correction } from './multiple-testing.ts';
export { windowDrift, type WindowDrift, type WindowValues, type VariableDrift, type BinShare, type DatasetVerdict } from './report/window-drift.ts';
export { performanceOverTime, bucketLengthMs, type PerformanceBucket, type PerformanceSettings, type ScoredEvents, type KnownLabel } from './report/performance-over-time.ts';
export type { EstimatedPerformance, RealisedPerformance } from './performance-window.ts';
export type { ArmStatus, ExperimentStatus, Interval } from './experiments/experiment-status.ts';

export interface DriftMonitorDeps {
  /** Defaults to createModelSource(config.modelSource). */
  readonly source?: ModelSource;
  /** Defaults to `<groupId>-lifecycle-<hostname>-<pid>-<random>`. */
  readonly lifecycleGroupId?: string;
  readonly now?: () => number;
}

export interface DriftMonitorParts extends ServiceParts {
  readonly monitor: DriftMonitor;
  readonly experiments: LiveExperiments;
  readonly ledger: ValueLedger;
  readonly tracker: ChampionTracker;
}

const INPUTS: readonly TopicKey[] = ['transactionsEnriched', 'transactionsScored', 'transactionsLabels'];

export async function buildDriftMonitor(ctx: ServiceContext, config: DriftMonitorConfig, deps: DriftMonitorDeps = {}): Promise<DriftMonitorParts> {
  const log = ctx.logger;
  const metrics = driftMetrics(ctx.registry);
  const source = deps.source ?? createModelSource(config.modelSource, { timeoutMs: config.modelFetchTimeoutMs });
  const monitor = new DriftMonitor({
    modelName: config.modelName,
    settings: driftSettings(config),
    features: parseFeatureSelection(config.features),
    recomputeEveryEvents: config.recomputeEveryEvents,
    recomputeIntervalMs: config.recomputeIntervalMs,
    performanceWindow: config.performanceWindow,
    minPerformanceEvents: config.minPerformanceEvents,
    scoreBins: config.scoreBins,
    labelJoinCapacity: config.labelJoinCapacity,
    expectedPartitions: config.expectedPartitions,
    metrics,
    logger: log,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const ledger = new ValueLedger({
    model: createValueModel(config),
    modelName: config.modelName,
    joinCapacity: config.labelJoinCapacity,
    metrics: valueMetrics(ctx.registry),
  });
  const tracker = new ChampionTracker({ source, name: config.modelName, logger: log, onChange: (next) => monitor.setChampion(next) });
  const experiments = new LiveExperiments({ ctx, config, valueModel: createValueModel(config), source, logger: log });
  // Before the runners start: events consumed right away are compared with the champion already.
  await tracker.loadInitial();
  await experiments.loadInitial();

  const streams = ctx.runner<MonitorInput>({
    groupId: config.groupId,
    inputs: INPUTS,
    mode: 'at-least-once',
    microBatchSize: config.microBatchSize,
    fromBeginning: config.fromBeginning,
    validate: validateMonitorInput,
    async handler(messages) {
      // A micro-batch comes from one partition, but nothing here depends on that.
      const enriched: EnrichedTransaction[] = [];
      const enrichedPartitions: number[] = [];
      const scored: ScoredTransaction[] = [];
      const labels: TransactionLabel[] = [];
      for (const m of messages) {
        if (m.topic === 'transactionsEnriched') {
          enriched.push(m.value as EnrichedTransaction);
          enrichedPartitions.push(m.partition);
        }
        else if (m.topic === 'transactionsScored') scored.push(m.value as ScoredTransaction);
        else labels.push(m.value as TransactionLabel);
      }
      if (enriched.length > 0) monitor.addEnriched(enriched, enrichedPartitions);
      if (scored.length > 0) {
        monitor.addScored(scored);
        ledger.addScored(scored);
        experiments.addScored(scored);
      }
      if (labels.length > 0) {
        monitor.addLabels(labels);
        ledger.addLabels(labels);
        experiments.addLabels(labels);
      }
      noteOffsets(monitor, messages);
      monitor.recomputeIfDue();
      return { outputs: [] };
    },
  });

  const lifecycle = followLifecycle(ctx, {
    groupPrefix: config.groupId,
    ...(deps.lifecycleGroupId ? { groupId: deps.lifecycleGroupId } : {}),
    handle: async (event) => {
      experiments.handleLifecycle(event);
      await tracker.handleLifecycle(event);
    },
  });

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, fn: () => Promise<void> | void): void => {
    if (ms <= 0) return;
    const t = setInterval(() => void Promise.resolve(fn()).catch((err: unknown) => log.warn({ err }, 'periodic drift-monitor task failed')), ms);
    t.unref();
    timers.push(t);
  };
  every(config.modelPollMs, async () => {
    if (!tracker.current()) await tracker.loadInitial();
    else if (monitor.unknownVersionSeen) {
      monitor.unknownVersionSeen = false;
      await tracker.reconcile();
    }
  });
  every(config.modelReconcileMs, () => tracker.reconcile());
  // A quiet stream still gets its last events into the gauges.
  every(Math.max(100, config.recomputeIntervalMs), () => void monitor.recomputeIfDue());
  // The bandit decides at most every EXPERIMENT_DECIDE_INTERVAL_MS; the tick only asks often enough.
  every(Math.min(1000, config.banditIntervalMs), () => experiments.tick(Date.now()));

  return {
    runners: [lifecycle, streams],
    monitor,
    experiments,
    ledger,
    tracker,
    routes: {
      'GET /v1/drift': (_req, res) => sendJson(res, 200, monitor.evidence()),
      'GET /v1/experiments/*': (req, res) => {
        const name = decodeURIComponent((req.url ?? '').split('?')[0]!.slice('/v1/experiments/'.length));
        const status = experiments.status(name);
        sendJson(res, status ? 200 : 404, status ?? { error: 'NOT_FOUND', message: `no experiment "${name}" is measured here` });
      },
    },
    readiness: {
      champion: async () => {
        const c = tracker.current();
        return { ready: c !== undefined, detail: { model: config.modelName, version: c?.version ?? null } };
      },
    },
    close: async () => {
      for (const t of timers) clearInterval(t);
      await tracker.close();
      await experiments.close();
    },
  };
}

function noteOffsets(monitor: DriftMonitor, messages: readonly InputMessage<MonitorInput>[]): void {
  // Last message per topic-partition; a batch is usually a single one.
  const last = new Map<string, InputMessage<MonitorInput>>();
  for (const m of messages) last.set(`${m.topicName}\u0000${m.partition}`, m);
  for (const m of last.values()) monitor.noteOffset(m.topicName, m.partition, Number(m.offset) + 1);
}

