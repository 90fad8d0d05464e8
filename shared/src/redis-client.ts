import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { ConnectionConfig } from './config.ts';
import { CredentialsError, DependencyError } from './errors.ts';
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
 * The client connects lazily on its first command (in a service process: at once, in the background), so
 * building a service does not fail while Redis is down; its readiness check reports it instead.
 * Credentials Redis refuses are different: no retry can fix them, so the process is told at once
 * (onRedisCredentialsRejected).
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
  // In a service process (it handles rejected credentials), a first connection in the background: Redis
  // refusing the credentials stops it at start, not at its first record. Building never waits for Redis.
  if (credentialsRejectedHandler) client.connect().catch(() => undefined);
  // Without a listener ioredis prints every failed reconnect to stderr. One warning per outage is enough;
  // the rest go to debug until the connection is back.
  let warned = false;
  client.on('error', (err: Error) => {
    const rejected = redisCredentialsRejection(err);
    if (rejected) {
      options.logger?.error({ err: rejected, code: rejected.code }, 'redis refused the credentials');
      credentialsRejectedHandler?.(rejected);
      return;
    }
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

/**
 * An AUTH answer that no retry can change: a wrong user or password (WRONGPASS), a password required but
 * none configured (NOAUTH), or a server certificate the CA bundle does not vouch for. An outage is not one.
 * The message names what to check, never the password (the server's answer does not carry it).
 */
export function redisCredentialsRejection(err: unknown): CredentialsError | undefined {
  const message = (err as Error)?.message ?? '';
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  if (/^(WRONGPASS|NOAUTH)\b/.test(message)) {
    return new CredentialsError('redis', `${message.split('.')[0]} (check REDIS_USERNAME and REDIS_PASSWORD or REDIS_PASSWORD_FILE)`, err);
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME_INVALID/.test(code)) {
    return new CredentialsError('redis', `TLS: ${message} (check REDIS_TLS_CA_FILE)`, err);
  }
  return undefined;
}

let credentialsRejectedHandler: ((err: CredentialsError) => void) | undefined;

/**
 * What the process does when Redis refuses its credentials: a service process (serviceMain) stops at once
 * with the error instead of retrying commands for ever. Process-wide, like the process's one entry point
 * that installs it; clients are created in many places, the decision is made in one.
 */
export function onRedisCredentialsRejected(handler: ((err: CredentialsError) => void) | undefined): void {
  credentialsRejectedHandler = handler;
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
