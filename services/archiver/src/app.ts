import { access, constants, mkdir } from 'node:fs/promises';
import { OfflineStoreWriter, removeStaleTemporaries, type ServiceContext, type ServiceParts } from '@riskstream/shared';
import { FEATURE_NAMES } from '@riskstream/shared/features';
import { createArchiveHandler } from './archive-handler.ts';
import { ARCHIVED_TOPICS, validateArchiveInput, type ArchiveInput } from './archive-records.ts';
import { archiverMetrics } from './archiver-metrics.ts';
import type { ArchiverConfig } from './config.ts';

/**
 * transactions.enriched.v1 + transactions.labels.v1 + transactions.scored.v1 -> the offline store
 * (partitioned Parquet, see offline-layout.ts in shared). At-least-once delivery from the runner, made
 * exactly-once per record by the handler's offset check against the file names on disk. The archiver
 * produces nothing but DLQ records, so there is no output to make transactional.
 */
export async function buildArchiver(ctx: ServiceContext, config: ArchiverConfig): Promise<ServiceParts> {
  await mkdir(config.offlineStoreDir, { recursive: true });
  // Leftovers of a writer killed mid-file; an hour is far longer than any file takes to write.
  const stale = await removeStaleTemporaries(config.offlineStoreDir, 3_600_000);
  if (stale.length > 0) ctx.logger.info({ removed: stale.length }, 'removed stale temporaries of an interrupted archiver');
  const writer = await OfflineStoreWriter.open(config.offlineStoreDir, { threads: config.duckdbThreads });
  const runner = ctx.runner<ArchiveInput>({
    groupId: config.groupId,
    inputs: Object.values(ARCHIVED_TOPICS),
    validate: validateArchiveInput,
    handler: createArchiveHandler({ writer, metrics: archiverMetrics(ctx.registry), knownFeatures: FEATURE_NAMES }),
    mode: 'at-least-once',
    microBatchSize: config.microBatchSize,
    maxWaitMs: config.maxWaitMs,
    minBytes: config.minBytes,
    partitionsConcurrently: config.partitionsConcurrently,
    sessionTimeoutMs: config.sessionTimeoutMs,
  });
  ctx.logger.info({ root: config.offlineStoreDir }, 'archiving to the offline store');
  return {
    runners: [runner],
    readiness: {
      offlineStore: async () => {
        try {
          await access(config.offlineStoreDir, constants.W_OK);
          return { ready: true, detail: { root: config.offlineStoreDir } };
        } catch (err) {
          return { ready: false, detail: { root: config.offlineStoreDir, error: (err as Error).message } };
        }
      },
    },
    close: async () => writer.close(),
  };
}
