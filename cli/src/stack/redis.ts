import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { endpointOfUrl, type Component, type PrepareContext } from './components.ts';
import type { Health, LaunchSpec } from './process-supervisor.ts';
import type { StackConfig } from './stack-config.ts';

/**
 * Most dev machines and CI images already run a Redis on 6379; when REDIS_URL answers PING the stack
 * reports it as external and never stops it. Only when nothing answers does it start its own, with
 * persistence off: the feature store is rebuilt from Kafka, so a dev Redis has nothing worth saving.
 */
export function redisComponent(config: StackConfig): Component {
  const endpoint = endpointOfUrl(config.redisUrl);
  return {
    name: 'redis',
    kind: 'redis',
    description: 'Redis (feature store); external when one already answers on REDIS_URL',
    endpoint,
    url: config.redisUrl,
    configEnv: 'REDIS_URL',
    stopGraceMs: 10_000,
    probe: () => probeRedis(config),
    prepare: (ctx) => prepareRedis(ctx, endpoint.port),
  };
}

export async function probeRedis(config: StackConfig): Promise<Health> {
  const client = new Redis(config.redisUrl, {
    username: config.redisUsername,
    password: config.redisPassword,
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // The caller polls; ioredis's own reconnect loop would keep the process alive.
    retryStrategy: () => null,
    ...(config.redisTlsCaFile ? { tls: { ca: [readFileSync(config.redisTlsCaFile, 'utf8')] } } : {}),
  });
  // Without a listener ioredis prints "Unhandled error event" for the refused connections we expect.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const pong = await client.ping();
    return { healthy: pong === 'PONG', detail: `PING -> ${pong}` };
  } catch (err) {
    return { healthy: false, detail: `PING: ${(err as Error).message}` };
  } finally {
    client.disconnect();
  }
}

async function prepareRedis(ctx: PrepareContext, port: number): Promise<LaunchSpec> {
  await ctx.systemPackages.ensure(ctx.progress);
  return {
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    cwd: ctx.dir.componentDir('redis'),
  };
}
