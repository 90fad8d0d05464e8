import { join, resolve } from 'node:path';
import { field, serviceSchema, type ConfigOf } from '@riskstream/shared';

// services/archiver/src -> repository root; the default store sits beside the code like the registry.
const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

export const archiverConfigSchema = {
  ...serviceSchema(8096),
  groupId: field.string({ env: 'ARCHIVER_GROUP_ID', description: 'consumer group of the archiver (shared by its replicas)', default: 'riskstream-archiver' }),
  offlineStoreDir: field.string({
    env: 'OFFLINE_STORE_DIR',
    description: 'root of the offline store (partitioned Parquet)',
    default: join(REPO_ROOT, '.riskstream', 'offline'),
  }),
  microBatchSize: field.int({
    env: 'ARCHIVER_MICRO_BATCH_SIZE',
    description:
      'most records per handler call, hence per Parquet file and date; a call never spans more than one Kafka fetch, ' +
      'so files are also bounded by the fetch size (about 1 MB of Avro per partition)',
    default: 10_000,
    min: 1,
    max: 100_000,
  }),
  maxWaitMs: field.int({
    env: 'ARCHIVER_MAX_WAIT_MS',
    description: 'longest time the broker holds a fetch waiting for records',
    default: 5000,
    min: 0,
    max: 60_000,
  }),
  minBytes: field.int({
    env: 'ARCHIVER_MIN_BYTES',
    description:
      'bytes the broker gathers (up to ARCHIVER_MAX_WAIT_MS) before answering a fetch: at live rates every fetch would ' +
      'otherwise carry a few records, and each becomes its own Parquet file',
    default: 1_000_000,
    min: 1,
    max: 50_000_000,
  }),
  partitionsConcurrently: field.int({
    env: 'ARCHIVER_PARTITIONS_CONCURRENTLY',
    description: 'input partitions archived at once (each writes its own files, so this is safe)',
    default: 3,
    min: 1,
    max: 32,
  }),
  duckdbThreads: field.int({ env: 'ARCHIVER_DUCKDB_THREADS', description: 'DuckDB threads used to encode Parquet', default: 2, min: 1, max: 64 }),
  sessionTimeoutMs: field.int({
    env: 'ARCHIVER_SESSION_TIMEOUT_MS',
    description: 'consumer group session timeout: how long a crashed replica holds its partitions',
    default: 30_000,
    min: 6_000,
  }),
} as const;

export type ArchiverConfig = ConfigOf<typeof archiverConfigSchema>;
