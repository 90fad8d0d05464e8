import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { ConnectionConfig } from './config.ts';
import { DependencyError } from './errors.ts';
import type { ReadinessCheck } from './http-server.ts';
import type { Logger } from './logger.ts';

export type RedisConnectionConfig = Pick<ConnectionConfig, 'redisUrl' | 'redisUsername' | 'redisPassword' | 'redisTlsCaFile'>;

export interface RedisClientOptions {
  /** CLIENT SETNAME, so `CLIENT LIST` shows which service holds a connection. */
  readonly connectionName?: string;
  /** A command that gets no answer within this time fails (and is retried by the caller). */
  readonly commandTimeoutMs?: number;
  readonly logger?: Logger;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * The one way a process connects to Redis: REDIS_URL (rediss:// for TLS), REDIS_USERNAME/PASSWORD (ACL),
 * REDIS_TLS_CA_FILE.
 *
 * Fail fast instead of queueing: a command issued while Redis is unreachable fails after one reconnect
 * attempt or `commandTimeoutMs`, whichever comes first. The caller turns that into a DependencyError and
 * the consumer runner owns the waiting (backoff, heartbeats, no commit), so an outage pauses the stream
 * visibly rather than piling commands up inside ioredis.
 *
 * The client connects lazily on its first command, so building a service does not fail while Redis is
 * down; its readiness check reports it instead.
 */
export function createRedis(config: RedisConnectionConfig, options: RedisClientOptions = {}): Redis {
  const tls = new URL(config.redisUrl).protocol === 'rediss:';
  const client = new Redis(config.redisUrl, {
    ...(config.redisUsername !== undefined ? { username: config.redisUsername } : {}),
    ...(config.redisPassword !== undefined ? { password: config.redisPassword } : {}),
    ...(tls ? { tls: config.redisTlsCaFile ? { ca: [readFileSync(config.redisTlsCaFile, 'utf8')] } : {} } : {}),
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
    lazyConnect: true,
    connectTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), MAX_RECONNECT_DELAY_MS),
  });
  // Without a listener ioredis prints every failed reconnect to stderr. One warning per outage is enough;
  // the rest go to debug until the connection is back.
  let warned = false;
  client.on('error', (err: Error) => {
    const fields = { err, code: 'DEPENDENCY_UNAVAILABLE' };
    if (!warned) options.logger?.warn(fields, 'redis connection error');
    else options.logger?.debug(fields, 'redis connection error');
    warned = true;
  });
  client.on('ready', () => {
    if (warned) options.logger?.info('redis connection restored');
    warned = false;
  });
  return client;
}

/** Wraps any Redis failure: to the pipeline every one of them means "not now, retry". */
export function redisUnavailable(what: string, err: unknown): DependencyError {
  return new DependencyError('redis', `${what}: ${(err as Error)?.message ?? String(err)}`, err);
}

/** /readyz check: a PING within the client's command timeout. */
export function redisReadiness(client: Redis): ReadinessCheck {
  return async () => {
    try {
      await client.ping();
      return { ready: true };
    } catch (err) {
      return { ready: false, detail: { error: (err as Error).message } };
    }
  };
}
