/**
 * The scoring service: transactions.enriched.v1 -> transactions.scored.v1 (keyed by card token), with
 * exactly-once output (transactional runner), plus model distribution:
 *  - at start it loads the champion (and challenger) from the model source; until a champion loads it
 *    stays out of the scoring consumer group and /readyz answers 503, but the process keeps running;
 *  - each instance has its own consumer of models.lifecycle.v1 (unique group, from the latest offset), so
 *    every instance hears every PROMOTED / ROLLED_BACK / SHADOW_STARTED and hot-swaps between batches.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DependencyError,
  followLifecycle,
  withoutFusedRecords,
  sendJson,
  type BatchHandler,
  type ConsumerRunner,
  type OutputRecord,
  type ReadinessCheck,
  type Rejection,
  type RouteHandler,
  type ServiceContext,
  type ServiceParts,
} from '@riskstream/shared';
import { createModelSource, type ModelSource } from '@riskstream/shared/model';
import type { ScoringConfig } from './config.ts';
import { gatedRunner } from './gated-runner.ts';
import { ModelManager } from './model-manager.ts';
import { scoringMetrics } from './scoring-metrics.ts';
import { ServingModels } from './serving-models.ts';
import { scoreBatch, type EnrichedTransaction } from './transaction-scorer.ts';

export interface ScoringDeps {
  /** Defaults to createModelSource(config.modelSource). */
  readonly source?: ModelSource;
  /** Wall clock for latency_ms. */
  readonly now?: () => number;
  /** Defaults to `<groupId>-lifecycle-<hostname>-<pid>-<random>`. */
  readonly lifecycleGroupId?: string;
}

export interface ScoringParts extends ServiceParts {
  readonly serving: ServingModels;
  readonly manager: ModelManager;
}

export { scoringConfigSchema, checkScoringConfig, type ScoringConfig } from './config.ts';
export type { EnrichedTransaction } from './transaction-scorer.ts';
export { ServingModels } from './serving-models.ts';
// What batch scoring (riskstream score) runs: the same model load, scorer and decision rule as the service.
export { loadScoringModel, type ScoringModel, type LoadOptions } from './scoring-model.ts';
export { scoreBatch, TOP_REASONS, type ScoredTransaction, type ScoreBatchResult, type ScoreOptions } from './transaction-scorer.ts';
export { decide, DECISIONS, type Decision } from './decision.ts';
export type { ServingSet } from './serving-models.ts';
export type { Reason } from './tree-contributions.ts';

/** What scoring does, apart from how records reach it: the fused topology chains it in memory. */
export interface ScoringStage {
  readonly handler: BatchHandler<EnrichedTransaction>;
  /** Keeps a runner out of its group until a champion is loaded. */
  gate(runner: ConsumerRunner): ConsumerRunner;
  /** This instance's follower of models.lifecycle.v1 (hot swaps). */
  readonly lifecycle: ConsumerRunner;
  readonly serving: ServingModels;
  readonly manager: ModelManager;
  readonly routes: Record<string, RouteHandler>;
  readonly readiness: Record<string, ReadinessCheck>;
  close(): Promise<void>;
}

export async function buildScoring(ctx: ServiceContext, config: ScoringConfig, deps: ScoringDeps = {}): Promise<ScoringParts> {
  const stage = buildScoringStage(ctx, config, deps);
  const scoring = ctx.runner<EnrichedTransaction>({
    groupId: config.groupId,
    inputs: ['transactionsEnriched'],
    mode: 'transactional',
    microBatchSize: config.microBatch,
    sessionTimeoutMs: config.sessionTimeoutMs,
    handler: withoutFusedRecords(stage.handler),
  });
  return {
    runners: [stage.lifecycle, stage.gate(scoring)],
    serving: stage.serving,
    manager: stage.manager,
    routes: stage.routes,
    readiness: stage.readiness,
    close: () => stage.close(),
  };
}

export function buildScoringStage(ctx: ServiceContext, config: ScoringConfig, deps: ScoringDeps = {}): ScoringStage {
  const log = ctx.logger;
  const metrics = scoringMetrics(ctx.registry);
  const source = deps.source ?? createModelSource(config.modelSource, { timeoutMs: config.modelFetchTimeoutMs });
  const now = deps.now ?? Date.now;
  const serving = new ServingModels({
    onInstall(next, previous) {
      const prev = previous?.champion;
      if (prev && prev.version !== next.champion.version) metrics.modelVersion.remove({ model: prev.name, version: String(prev.version) });
      metrics.modelVersion.set({ model: next.champion.name, version: String(next.champion.version) }, 1);
    },
    onReleaseError: (model, err) => log.warn({ err, version: model.version }, 'releasing a retired onnxruntime session failed'),
  });
  const manager = new ModelManager({ source, name: config.modelName, serving, metrics, logger: log, intraOpNumThreads: config.intraOpThreads });

  const handler: BatchHandler<EnrichedTransaction> = async (messages) => {
    // The lease pins one serving set for the whole batch: a swap lands between batches, never inside.
    const lease = serving.acquire();
    // Retriable on purpose: the gate keeps this from happening, and if it ever does, waiting is right.
    if (!lease) throw new DependencyError('model', 'no model installed yet');
    try {
      const started = process.hrtime.bigint();
      const result = await scoreBatch(lease.models, messages.map((m) => m.value), {
        now,
        reasonsFor: config.reasons,
        onChallengerError: (err) => {
          metrics.challengerFailures.inc();
          log.warn({ err, challenger: lease.models.challenger?.version }, 'challenger scoring failed; champion result kept');
        },
      });
      metrics.inferenceDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
      const outputs: OutputRecord[] = result.scored.map((s) => {
        metrics.events.inc({ decision: s.decision });
        metrics.score.observe(s.score);
        metrics.endToEndLatency.observe(Math.max(0, s.latency_ms) / 1000);
        return { topic: 'transactionsScored', key: s.card_token, value: s };
      });
      const rejected: Rejection<EnrichedTransaction>[] = result.invalid.map((r) => ({ message: messages[r.index]!, error: r.error }));
      return { outputs, rejected };
    } finally {
      lease.release();
    }
  };

  const lifecycle = followLifecycle(ctx, {
    groupPrefix: config.groupId,
    ...(deps.lifecycleGroupId ? { groupId: deps.lifecycleGroupId } : {}),
    handle: (event) => manager.handleLifecycle(event),
  });

  const gate = (runner: ConsumerRunner) =>
    gatedRunner(runner, {
      retryMs: config.modelPollMs,
      logger: log,
      async open(signal) {
        while (!signal.aborted) {
          if (await manager.loadInitial()) return;
          await Promise.race([sleep(config.modelPollMs, undefined, { signal }).catch(() => undefined), serving.firstInstall]);
        }
      },
    });

  // Lifecycle events are the fast path; this is the safety net for an announcement that never arrived.
  const reconciling = config.modelReconcileMs > 0
    ? setInterval(() => void manager.reconcile().catch((err: unknown) => log.warn({ err }, 'model reconciliation failed')), config.modelReconcileMs)
    : undefined;
  reconciling?.unref();

  const describe = () => {
    const current = serving.current();
    return {
      model: config.modelName,
      source: source.location,
      champion: current ? { version: current.champion.version, onnxSha256: current.champion.manifest.onnxSha256, thresholds: current.champion.thresholds } : null,
      challenger: current?.challenger ? { version: current.challenger.version, onnxSha256: current.challenger.manifest.onnxSha256 } : null,
    };
  };

  return {
    handler,
    gate,
    lifecycle,
    serving,
    manager,
    routes: { 'GET /v1/model': (_req, res) => sendJson(res, 200, describe()) },
    readiness: {
      model: async () => {
        const d = describe();
        return { ready: d.champion !== null, detail: { version: d.champion?.version ?? null, challenger: d.challenger?.version ?? null } };
      },
    },
    close: async () => {
      clearInterval(reconciling);
      await manager.close();
      await serving.close();
    },
  };
}
