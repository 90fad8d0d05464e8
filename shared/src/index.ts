export {
  ERROR_CODES,
  AppError,
  ConfigError,
  DecodeError,
  ValidationError,
  DependencyError,
  SchemaRegistryError,
  StackError,
  ModelError,
  NotFoundError,
  UsageError,
  toAppError,
} from './errors.ts';
export type { ErrorCode, AppErrorOptions, ConfigIssue, ValidationIssue } from './errors.ts';
export { field, loadConfig, describeConfig, connectionSchema, checkConnectionConfig, serviceSchema } from './config.ts';
export type { Field, Schema, ConfigOf, ConnectionConfig } from './config.ts';
export { createLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export { TOPICS, TOPIC_KEYS, topicSpec, specForTopicName, valueSubject, topicNames } from './topics.ts';
export type { TopicSpec, TopicKey, TopicNames, ValueEncoding } from './topics.ts';
export { SCHEMAS_DIR, readSchemaFile, createSchemaRegistryClient, TopicCodec } from './schema-registry.ts';
export { createKafka } from './kafka-client.ts';
export { ensureTopics } from './topic-admin.ts';
export type { EnsureTopicsResult } from './topic-admin.ts';
export { createIdempotentProducer, encodeRecords, sendRecords } from './producer.ts';
export type { OutputRecord } from './producer.ts';
export { DLQ_HEADERS, dlqRecord } from './dlq.ts';
export type { DlqSource } from './dlq.ts';
export { createConsumerRunner } from './consumer-runner.ts';
export type { InputMessage, HandlerContext, Rejection, HandlerResult, BatchHandler, RunnerOptions, ConsumerRunner } from './consumer-runner.ts';
export { createMetricsRegistry, pipelineMetrics } from './metrics.ts';
export type { PipelineMetrics } from './metrics.ts';
export { createHttpServer, sendJson, listen } from './http-server.ts';
export type { ReadinessCheck, RouteHandler, HttpServerOptions } from './http-server.ts';
export { onShutdown } from './shutdown.ts';
export { createServiceContext, runService } from './service-host.ts';
export type { ServiceContext, ServiceParts, HostConfig, RunningService } from './service-host.ts';
export { createRedis, redisUnavailable, redisReadiness, type RedisConnectionConfig, type RedisClientOptions } from './redis-client.ts';
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
