/**
 * A consumer runner that joins its group only once a gate opens (scoring: once a model is loaded).
 * Joining without a model would take partitions and then either stall them or score nothing; staying out
 * of the group leaves them to instances that can serve, and /readyz reports this one as not ready.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { toAppError, type ConsumerRunner, type Logger } from '@riskstream/shared';

export interface GateOptions {
  /** Resolves when the runner may start; gets an abort signal for shutdown during the wait. */
  readonly open: (signal: AbortSignal) => Promise<void>;
  /** Delay before retrying a failed start (broker unreachable at join time). */
  readonly retryMs: number;
  readonly logger: Logger;
}

export function gatedRunner(inner: ConsumerRunner, options: GateOptions): ConsumerRunner {
  const abort = new AbortController();
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  return {
    groupId: inner.groupId,
    isReady: () => inner.isReady(),
    start() {
      // Returns at once: the service host must be able to answer /healthz and /readyz during the wait.
      starting ??= (async () => {
        await options.open(abort.signal);
        while (!abort.signal.aborted) {
          try {
            await inner.start();
            return;
          } catch (err) {
            const e = toAppError(err);
            options.logger.error({ err: e, code: e.code, groupId: inner.groupId }, 'consumer start failed; retrying');
            await sleep(options.retryMs, undefined, { signal: abort.signal }).catch(() => undefined);
          }
        }
      })().catch((err: unknown) => {
        if (!abort.signal.aborted) options.logger.error({ err }, 'gated consumer gave up starting');
      });
      return Promise.resolve();
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        await starting;
        await inner.stop();
      })();
      return stopping;
    },
  };
}
