import type { TestContext } from 'node:test';
import { createServer, type Server, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import type { KafkaMessage, RecordMetadata } from 'kafkajs';
import { createRedis, loadConfig, runService, type RunningService } from '@riskstream/shared';
import { buildIngest } from '../../../services/ingest/src/app.ts';
import { checkIngestConfig, ingestConfigSchema, type IngestConfig } from '../../../services/ingest/src/config.ts';
import { uniqueId, type IntegrationEnv } from '../../support/integration.ts';
import { deleteRedisKeys, redisEntries } from '../../support/redis-keys.ts';
import { TEST_KEYS } from './transaction-fixtures.ts';

export { deleteRedisKeys, redisEntries };

/** Integration helpers for ingest: an in-process service on a free port, Redis cleanup, produce, a TCP proxy. */

export interface RunningIngest {
  readonly service: RunningService;
  readonly config: IngestConfig;
  /** Every dedup key of this run starts with it. */
  readonly redisPrefix: string;
  readonly url: string;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** Environment for an ingest process of this test: its namespace, a unique group and Redis prefix. */
export function ingestEnv(env: IntegrationEnv, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TOPIC_NAMESPACE: env.namespace,
    HTTP_PORT: '0',
    CARD_TOKEN_KEYS: TEST_KEYS,
    CARD_TOKEN_ACTIVE_KEY: 'k1',
    INGEST_GROUP_ID: `ingest-${uniqueId()}`,
    INGEST_DEDUP_KEY_PREFIX: `test:ingest:${uniqueId()}:`,
    INGEST_MICRO_BATCH: '50',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

export async function startIngest(t: TestContext, env: IntegrationEnv, extra: Record<string, string> = {}): Promise<RunningIngest> {
  const vars = ingestEnv(env, extra);
  const config = loadConfig(ingestConfigSchema, { ...process.env, ...vars }, checkIngestConfig);
  const service = await runService('ingest', config, (ctx) => buildIngest(ctx, config), { installSignalHandlers: false });
  t.after(() => service.stop());
  t.after(() => deleteRedisKeys(config.dedupKeyPrefix));
  return {
    service,
    config,
    redisPrefix: config.dedupKeyPrefix,
    url: `http://127.0.0.1:${service.port}`,
    async metric(name, labels = {}) {
      const m = (await service.ctx.registry.getMetricsAsJSON()).find((x) => x.name === name);
      return (m?.values ?? [])
        .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
        .reduce((sum, v) => sum + v.value, 0);
    },
  };
}

export function testRedis(): Redis {
  return createRedis(loadConfig(ingestConfigSchema, { ...process.env, CARD_TOKEN_KEYS: TEST_KEYS }));
}

export interface Produced {
  readonly partition: number;
  readonly offset: string;
}

/** Produces one value to raw (to a chosen partition) and returns where it landed. */
export async function produceOne(env: IntegrationEnv, value: Buffer | null, key: string | null, partition: number): Promise<Produced> {
  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const [meta] = (await producer.send({ topic: env.names.transactionsRaw, acks: -1, messages: [{ key, value, partition }] })) as RecordMetadata[];
    return { partition: meta!.partition, offset: meta!.baseOffset! };
  } finally {
    await producer.disconnect();
  }
}

/** Produces values in order to one partition per call, returning each one's coordinates. */
export async function produceMany(env: IntegrationEnv, records: readonly { value: Buffer | null; key: string | null }[], partition: number): Promise<Produced[]> {
  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const [meta] = (await producer.send({ topic: env.names.transactionsRaw, acks: -1, messages: records.map((r) => ({ ...r, partition })) })) as RecordMetadata[];
    const base = BigInt(meta!.baseOffset!);
    return records.map((_, i) => ({ partition, offset: String(base + BigInt(i)) }));
  } finally {
    await producer.disconnect();
  }
}

export function allBytes(messages: readonly KafkaMessage[]): string {
  return messages
    .map((m) =>
      [m.key?.toString('latin1') ?? '', m.value?.toString('latin1') ?? '', ...Object.entries(m.headers ?? {}).map(([k, v]) => `${k}=${String((v as Buffer | undefined)?.toString('latin1'))}`)].join('\n'),
    )
    .join('\n');
}

/**
 * A TCP proxy in front of Redis, so a test can cut the connection (a real outage as the service sees
 * it: refused connects and dropped sockets) and restore it on the same port.
 */
export class TcpProxy {
  port = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #target: { host: string; port: number };

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = new (client.constructor as typeof Socket)();
      upstream.connect(this.#target.port, this.#target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
