import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchHandler } from './runner-types.ts';

/**
 * TEST ONLY (the fault suite's slow-handler scenario): a handler made slower than the session timeout,
 * without touching the handler. The wait is asynchronous on purpose: it stands for a slow dependency (a
 * model server, Redis under load), during which the runner must keep heartbeating; a handler that blocks
 * the event loop is a bug no runner can hide. Every `every`-th call waits `ms` first; shutdown cuts the
 * wait short.
 */
export interface TestHandlerDelay {
  readonly ms: number;
  readonly every: number;
}

export function slowedHandler<T>(handler: BatchHandler<T>, delay: TestHandlerDelay): BatchHandler<T> {
  let calls = 0;
  return async (messages, ctx) => {
    calls++;
    if (calls % delay.every === 0) await sleep(delay.ms, undefined, { signal: ctx.signal }).catch(() => undefined);
    return handler(messages, ctx);
  };
}
