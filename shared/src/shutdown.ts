import type { Logger } from './logger.ts';

/**
 * SIGTERM/SIGINT -> run `stop` once (drain the in-flight batch, commit, disconnect) -> exit 0.
 * A second signal, or a drain longer than `timeoutMs`, exits non-zero: uncommitted records are then
 * redelivered to the next member, which is safe under at-least-once and transactional delivery.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, timeoutMs = 30000): void {
  let shuttingDown = false;
  const handler = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal; exiting without draining');
      process.exit(130);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: draining in-flight batch');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'drain timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('shutdown complete');
        logger.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
