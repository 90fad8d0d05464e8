import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, toAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** Capped exponential backoff for retriable failures (a dependency down), forever until shutdown. */
export interface RetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly onRetry?: (e: AppError) => void;
}

/**
 * Runs `fn` until it succeeds or fails with a non-retriable error. While it waits it heartbeats, so the
 * consumer group keeps the member's partitions through a long outage; shutdown interrupts the wait with
 * a SHUTDOWN error.
 */
export async function withRetry<R>(policy: RetryPolicy, what: string, heartbeat: () => Promise<void>, fn: () => Promise<R>): Promise<R> {
  let delay = policy.initialMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = toAppError(err);
      if (!e.retriable) throw e;
      if (policy.signal.aborted) throw new AppError('SHUTDOWN', `${what} interrupted by shutdown`, { cause: e });
      policy.onRetry?.(e);
      policy.log.warn({ err: e, code: e.code, attempt, delayMs: delay }, `${what} failed; retrying`);
      await waitHeartbeating(delay, heartbeat, policy.signal);
      delay = Math.min(policy.maxMs, delay * 2);
    }
  }
}

async function waitHeartbeating(ms: number, heartbeat: () => Promise<void>, signal: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !signal.aborted) {
    await heartbeat().catch(() => undefined);
    await sleep(Math.min(1000, until - Date.now()));
  }
}
