import type { Server } from 'node:http';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { checkConnectionConfig, type ConnectionConfig } from './config.ts';
import { ConfigError } from './errors.ts';
import { createConsumerRunner, type ConsumerRunner, type RunnerOptions } from './consumer-runner.ts';
import { createHttpServer, listen, type ReadinessCheck, type RouteHandler } from './http-server.ts';
import { createKafka } from './kafka-client.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetricsRegistry } from './metrics.ts';
import { createSchemaRegistryClient, registerWhenReachable, TopicCodec } from './schema-registry.ts';
import { onShutdown } from './shutdown.ts';
import { ensureTopics, replicationSettings } from './topic-admin.ts';
import { topicNames, type TopicNames } from './topics.ts';

/**
 * What every service process has in common, built once: logger, metrics registry, Kafka client, topic
 * codec (schemas registered), topics ensured, the HTTP endpoints, and graceful shutdown. A service's
 * `app.ts` receives a ServiceContext and returns its runners, routes and readiness checks; `main.ts` only
 * calls serviceMain(hostedService(...)), which loads config, calls `runService` and owns the signals.
 * Tests build the same app with `createServiceContext` and no port.
 */
export interface ServiceContext {
  readonly name: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly kafka: Kafka;
  readonly codec: TopicCodec;
  readonly names: TopicNames;
  /** Builds a runner with this context's Kafka, codec (unless given), metrics, logger and transport settings. */
  runner<T>(options: Omit<RunnerOptions<T>, 'service' | 'kafka' | 'codec' | 'registry' | 'logger'> & { codec?: TopicCodec }): ConsumerRunner;
}

export interface ServiceParts {
  readonly runners: readonly ConsumerRunner[];
  readonly routes?: Record<string, RouteHandler>;
  readonly readiness?: Record<string, ReadinessCheck>;
  /** Releases the service's own resources (Redis, sessions) after the runners stopped. */
  readonly close?: () => Promise<void>;
}

export interface HostConfig extends ConnectionConfig {
  readonly topicNamespace: string;
  readonly httpPort: number;
  readonly httpHost: string;
  readonly httpHeadersTimeoutMs: number;
  readonly httpRequestTimeoutMs: number;
}

export async function createServiceContext(name: string, config: HostConfig, logger = createLogger(name, { level: config.logLevel })): Promise<ServiceContext> {
  const issues = checkConnectionConfig(config);
  if (issues.length > 0) throw new ConfigError(issues);
  const registry = createMetricsRegistry(name);
  const kafka = createKafka(config, name, logger);
  const names = topicNames(config.topicNamespace);
  await ensureTopics(kafka, names, { ...replicationSettings(config), logger, registry });
  const codec = new TopicCodec(createSchemaRegistryClient(config), names);
  await registerWhenReachable(codec, config.schemaRegistryStartupWaitMs, (err, attempt) =>
    logger.warn({ attempt, err: err.message }, 'schema registry unreachable; retrying until SCHEMA_REGISTRY_STARTUP_WAIT_MS'),
  );
  return {
    name,
    logger,
    registry,
    kafka,
    codec,
    names,
    runner: (options) =>
      createConsumerRunner({
        instanceId: config.instanceId,
        cadence: { intervalMs: config.commitIntervalMs, maxRecords: config.commitMaxRecords },
        maxInputBytes: config.maxRecordBytes,
        maxOutputBytes: config.maxRecordBytes,
        ...(config.testHandlerDelayMs > 0 ? { testHandlerDelay: { ms: config.testHandlerDelayMs, every: config.testHandlerDelayEvery } } : {}),
        codec,
        ...options,
        service: name,
        kafka,
        registry,
        logger,
      }),
  };
}

export interface RunningService {
  readonly ctx: ServiceContext;
  readonly server: Server;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts runners and the HTTP server; SIGTERM drains and exits. */
export async function runService(
  name: string,
  config: HostConfig,
  build: (ctx: ServiceContext) => Promise<ServiceParts>,
  options: { installSignalHandlers?: boolean } = {},
): Promise<RunningService> {
  const ctx = await createServiceContext(name, config);
  const parts = await build(ctx);
  const server = createHttpServer({
    registry: ctx.registry,
    logger: ctx.logger,
    timeouts: { headersMs: config.httpHeadersTimeoutMs, requestMs: config.httpRequestTimeoutMs },
    ...(parts.routes ? { routes: parts.routes } : {}),
    readiness: {
      consumers: async () => ({ ready: parts.runners.every((r) => r.isReady()), detail: { groups: parts.runners.map((r) => r.groupId) } }),
      ...parts.readiness,
    },
  });
  const port = await listen(server, config.httpPort, config.httpHost);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(parts.runners.map((r) => r.stop()));
      await parts.close?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })());
  if (options.installSignalHandlers ?? true) onShutdown(ctx.logger, stop);
  // Runners start last: the HTTP server answers /healthz while the group join is under way.
  await Promise.all(parts.runners.map((r) => r.start()));
  ctx.logger.info({ port }, `${name} started`);
  return { ctx, server, port, stop };
}
