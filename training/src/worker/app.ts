/**
 * The trainer worker: models.retrain.v1 -> (offline store, model registry) -> models.lifecycle.v1.
 *
 * One runner, at-least-once, one request per micro-batch: a retrain takes minutes and must not share a
 * commit with the next request. Training runs in a worker thread (challenger-thread.ts), so the event
 * loop stays free and the runner's once-a-second heartbeat keeps the partition through a long retrain.
 * Lifecycle events are sent by the trainer itself (not as handler outputs), each acknowledged before the
 * next step: REGISTERED must be on the topic before SHADOW_STARTED, and PROMOTED may come from a shadow
 * timer long after the request was committed.
 */
import { createIdempotentProducer, pipelineMetrics, sendLifecycleEvents, sendJson, type RetrainRequested, type ServiceContext, type ServiceParts } from '@riskstream/shared';
import type { OfflineStoreReader } from '../data/offline-store.ts';
import { ModelRegistry } from '../registry/model-registry.ts';
import { RunStore } from '../tracking/run-store.ts';
import { RetrainRuns } from './retrain-runs.ts';
import { runChallengerInThread, type ChallengerRunner } from './challenger-thread.ts';
import { trainerSettings, type TrainerConfig } from './config.ts';
import { validateRetrainRequest } from './retrain-request.ts';
import { RunJournal } from './run-journal.ts';
import { Trainer } from './trainer.ts';
import { trainerMetrics } from './trainer-metrics.ts';

export interface TrainerAppDeps {
  /** Opens the offline store for one retrain (main.ts: ParquetOfflineStore; tests: JsonlOfflineStore). */
  readonly openStore?: () => OfflineStoreReader;
  /** Default: a worker thread per retrain. */
  readonly runChallenger?: ChallengerRunner;
  readonly now?: () => number;
}

export interface TrainerParts extends ServiceParts {
  readonly trainer: Trainer;
  readonly registry: ModelRegistry;
}

export async function buildTrainer(ctx: ServiceContext, config: TrainerConfig, deps: TrainerAppDeps = {}): Promise<TrainerParts> {
  const metrics = trainerMetrics(ctx.registry);
  const registry = await ModelRegistry.open(config.registryDir, {
    onStorageError: (err) => {
      metrics.registryStorageErrors.inc({ operation: err.operation, errno: err.errno });
      ctx.logger.error({ err, code: err.code, path: err.path }, 'model registry: the disk refused a write; the champion is unchanged');
    },
  });
  const journal = new RunJournal(config.registryDir);
  const producer = createIdempotentProducer(ctx.kafka);
  await producer.connect();
  const pipeline = pipelineMetrics(ctx.registry);
  const trainer = new Trainer({
    registry,
    journal,
    openStore: deps.openStore,
    announce: (events) => sendLifecycleEvents(producer, ctx.codec, events, pipeline),
    runChallenger: deps.runChallenger ?? runChallengerInThread,
    runs: new RetrainRuns(await RunStore.open(config.registryDir), ctx.logger),
    metrics,
    logger: ctx.logger,
    ...(deps.now ? { now: deps.now } : {}),
    settings: trainerSettings(config),
  });
  if (!deps.openStore) ctx.logger.warn('no offline store configured (OFFLINE_STORE_DIR): RETRAIN requests will be rejected; ROLLBACK works');
  const resumed = await trainer.resumeShadows();
  if (resumed > 0) ctx.logger.info({ resumed }, 'shadow periods resumed from the run journal');

  const runner = ctx.runner<RetrainRequested>({
    groupId: config.groupId,
    inputs: ['modelsRetrain'],
    validate: validateRetrainRequest,
    handler: async (messages, hctx) => {
      for (const m of messages) await trainer.handle(m.value, hctx);
      return { outputs: [] };
    },
    mode: 'at-least-once',
    microBatchSize: 1,
    sessionTimeoutMs: config.sessionTimeoutMs,
  });
  return {
    trainer,
    registry,
    runners: [runner],
    routes: {
      'GET /v1/trainer': (_req, res) => {
        sendJson(res, 200, trainer.status());
      },
    },
    close: async () => {
      await trainer.close();
      await producer.disconnect();
    },
  };
}
