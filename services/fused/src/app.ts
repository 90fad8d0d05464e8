import type { ServiceContext, ServiceParts } from '@riskstream/shared';
import { buildIngestStage, type IngestDeps, type RawInput } from '@riskstream/ingest';
import { buildFeaturesStage } from '@riskstream/features';
import { buildScoringStage, type ScoringDeps } from '@riskstream/scoring';
import { stageConfigs, type FusedConfig } from './config.ts';
import { createFusedHandler } from './fused-handler.ts';

export { fusedConfigSchema, checkFusedConfig, stageConfigs, FUSED_PORT, type FusedConfig } from './config.ts';
export { createFusedHandler } from './fused-handler.ts';

export interface FusedDeps {
  readonly ingest?: IngestDeps;
  readonly scoring?: ScoringDeps;
}

/**
 * The fused topology: transactions.raw.v1 -> valid, enriched, scored (and DLQ) records with the raw
 * offsets in ONE Kafka transaction per commit, instead of one per hop. It joins ingest's consumer group,
 * so fused and split members share the raw partitions and never both take a record (shared/src/topology.ts).
 * Raw records are partitioned by card number, so a card's order and state stay with one raw partition;
 * terminal state is updated atomically in Redis and needs no repartition.
 *
 * Labels are consumed by a second runner in its own group (a group of ingest's with two subscriptions
 * would hand label partitions to split ingest members, which do not read them); applying a label is
 * idempotent, so a split feature service running beside it does no harm.
 */
export async function buildFused(ctx: ServiceContext, config: FusedConfig, deps: FusedDeps = {}): Promise<ServiceParts> {
  const stages = stageConfigs(config);
  const ingest = await buildIngestStage(ctx, stages.ingest, deps.ingest);
  const features = buildFeaturesStage(ctx, stages.features);
  const scoring = buildScoringStage(ctx, stages.scoring, deps.scoring);

  const pipeline = ctx.runner<RawInput>({
    codec: ingest.codec,
    groupId: ingest.groupId,
    inputs: ['transactionsRaw'],
    mode: 'transactional',
    microBatchSize: stages.ingest.microBatchSize,
    sessionTimeoutMs: stages.ingest.sessionTimeoutMs,
    handler: createFusedHandler({ ingest: ingest.handler, features: features.handler, validateValid: features.validate, scoring: scoring.handler }, ctx.names),
    maskDlq: ingest.maskDlq,
  });
  const labels = ctx.runner({
    groupId: `${stages.features.groupId}.labels`,
    inputs: ['transactionsLabels'],
    validate: features.validate,
    handler: features.handler,
    mode: 'transactional',
    sessionTimeoutMs: stages.features.sessionTimeoutMs,
  });

  ctx.logger.info({ groupId: pipeline.groupId, labelsGroupId: labels.groupId }, 'fused topology built');
  return {
    runners: [scoring.lifecycle, labels, scoring.gate(pipeline)],
    routes: { ...ingest.routes, ...scoring.routes },
    readiness: { ...ingest.readiness, ...features.readiness, ...scoring.readiness },
    async close() {
      await ingest.close();
      await features.close();
      await scoring.close();
    },
  };
}
