export {
  ERROR_CODES,
  AppError,
  ConfigError,
  DecodeError,
  ValidationError,
  DependencyError,
  RecordTooLargeError,
  TransactionError,
  SchemaRegistryError,
  StackError,
  ModelError,
  ModelRejectedError,
  NotFoundError,
  UsageError,
  CredentialsError,
  toAppError,
} from './errors.ts';
export { DependencyPatchError, assertDependencyPatches, missingPatches, readPatchList } from './dependency-patches.ts';
export type { DependencyPatch, MissingPatch, PatchCheckOptions } from './dependency-patches.ts';
export { processAlive } from './process-alive.ts';
export type { ErrorCode, AppErrorOptions, ConfigIssue, ValidationIssue } from './errors.ts';
export { field, loadConfig, describeConfig, connectionSchema, checkConnectionConfig, serviceSchema } from './config.ts';
export type { Field, Schema, ConfigOf, ConnectionConfig } from './config.ts';
export { DEFAULT_VALUE_MODEL, DEFAULT_VALUE_SETTINGS, createValueModel, loadValueModel, valueSchema, valueSettingsOf, type Decision, type ValueModel, type ValueSettings } from './value/value-model.ts';
export { decisionAt } from './value/decision-rule.ts';
export { createLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export { TOPICS, TOPIC_KEYS, topicSpec, specForTopicName, valueSubject, topicNames } from './topics.ts';
export type { TopicSpec, TopicKey, TopicNames, ValueEncoding } from './topics.ts';
export { SCHEMAS_DIR, readSchemaFile, createSchemaRegistryClient, registerWhenReachable, TopicCodec } from './schema-registry.ts';
export { createKafka, kafkaCredentialsRejection } from './kafka-client.ts';
export { ensureTopics, replicationSettings, topicReplication } from './topic-admin.ts';
export type { ClusterReplicationFacts, EnsureTopicsResult, ReplicationSettings, TopicReplication } from './topic-admin.ts';
export { createIdempotentProducer, encodeRecords, memoizedDefaultPartitioner, sendEncoded, sendRecords, TRANSACTIONAL_RETRY } from './producer.ts';
export type { OutputRecord } from './producer.ts';
export { DLQ_HEADERS, dlqRecord } from './dlq.ts';
export type { DlqSource } from './dlq.ts';
export { orderedStream, SOURCE_PARTITION_HEADER, sourcePartition } from './event-order.ts';
export { partitionForKey } from './key-partition.ts';
export { TOPOLOGIES, FUSED_HEADER, FUSED_HEADER_VALUE, isFusedOutput, withoutFusedRecords, type Topology } from './topology.ts';
export { createConsumerRunner, DEFAULT_CADENCE, DEFAULT_MAX_RECORD_BYTES } from './consumer-runner.ts';
export type { InputMessage, HandlerContext, Rejection, HandlerResult, BatchHandler, RunnerOptions, ConsumerRunner, CommitCadence, DlqContent } from './consumer-runner.ts';
export { createMetricsRegistry, pipelineMetrics } from './metrics.ts';
export type { PipelineMetrics } from './metrics.ts';
export { createHttpServer, sendJson, listen } from './http-server.ts';
export { BodyTooLarge, jsonContentTypeRefusal, readBody } from './request-body.ts';
export { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.ts';
export { stageConfig, stageFields } from './stage-config.ts';
export { BearerKeys, checkSecretKeys, parseSecretKeys, requireBearer, MIN_SECRET_CHARS, SECRET_KEYS_FORMAT } from './api-keys.ts';
export type { BearerFailure, BearerMatch, SecretKey } from './api-keys.ts';
export type { ReadinessCheck, RouteHandler, HttpServerOptions } from './http-server.ts';
export { onShutdown } from './shutdown.ts';
export type { ShutdownOutcome, ShutdownOptions, SignalSource } from './shutdown.ts';
export { EXIT_CODES, serviceMain, hostedService } from './service-main.ts';
export type { ExitCode, Stoppable, ServiceMainSchema, ServiceMainSpec, ServiceMainDeps, HostedServiceSpec } from './service-main.ts';
export { createServiceContext, runService } from './service-host.ts';
export { followLifecycle } from './lifecycle-follower.ts';
export type { ServiceContext, ServiceParts, HostConfig, RunningService } from './service-host.ts';
export { createRedis, redisCredentialsRejection, onRedisCredentialsRejected, redisUnavailable, redisReadiness, type RedisConnectionConfig, type RedisClientOptions } from './redis-client.ts';
export type {
  ValidTransaction,
  EnrichedTransaction,
  ScoredTransaction,
  TransactionLabel,
  RetrainAction,
  RetrainRequested,
  LifecycleAction,
  ModelLifecycleEvent,
} from './topic-records.ts';
export { DEFAULT_MODEL_SERVER_URL, artifactUri, lifecycleEvent, lifecycleRecord, sendLifecycleEvents } from './lifecycle-publisher.ts';
export type { LifecycleModelRef, LifecycleAnnouncement } from './lifecycle-publisher.ts';
export {
  OFFLINE_TABLES,
  OFFLINE_BASE_COLUMNS,
  TRANSACTION_COLUMNS,
  LABEL_COLUMNS,
  SCORE_COLUMNS,
  PARTITION_COLUMN,
  DATA_FILE_SUFFIX,
  transactionColumns,
  featureNameIssues,
  isBaseColumn,
  eventDateOf,
  dateStartMs,
  tableDir,
  partitionDirName,
  partitionDir,
  parsePartitionDirName,
  kafkaFileName,
  parseKafkaFileName,
  importFileName,
  isImportFileName,
  isDataFileName,
  temporaryFileName,
} from './offline-store/offline-layout.ts';
export type { OfflineTableName, OfflineColumn, OfflineColumnType, KafkaFileRange } from './offline-store/offline-layout.ts';
export { featureColumnsFor, transactionRow, labelRow, scoreRow } from './offline-store/offline-rows.ts';
export type { CellValue, OfflineRow, RowSource } from './offline-store/offline-rows.ts';
export { OfflineStoreWriter, ParquetFileWriter } from './offline-store/parquet-writer.ts';
export type { WrittenFile, OfflineStoreWriterOptions } from './offline-store/parquet-writer.ts';
export { OfflineStoreQuery } from './offline-store/parquet-reader.ts';
export { loadDuckDB } from './offline-store/duckdb-engine.ts';
export type { ColumnKind, ColumnRequest, ColumnData, ColumnarBatch, ScanOptions, ParquetColumn } from './offline-store/parquet-reader.ts';
export { listPartitions, dataFileNames, archivedOffsetsForDate, archivedOffsets, removeStaleTemporaries } from './offline-store/offline-files.ts';
export type { PartitionFiles, ArchivedOffsets } from './offline-store/offline-files.ts';
export type { EngineOptions as OfflineEngineOptions } from './offline-store/duckdb-engine.ts';
export { createRng, sampleIndices, shuffleInPlace, type Rng } from './random.ts';
