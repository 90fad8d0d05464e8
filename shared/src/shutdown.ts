import type { Logger } from './logger.ts';

/**
 * SIGTERM/SIGINT -> run `stop` once (drain the in-flight batch, commit, disconnect) -> exit 0.
 * A second signal, a failed drain, or a drain longer than `timeoutMs` exits 1: uncommitted records are
 * then redelivered to the next member, which is safe under at-least-once and transactional delivery.
 * Service processes get this through serviceMain, which maps the outcome to its EXIT_CODES.
 */
export type ShutdownOutcome = 'drained' | 'failed' | 'timed-out' | 'forced';

/** Where signals come from: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ShutdownOptions {
  readonly timeoutMs?: number;
  /** Ends the process; called once, with how the shutdown ended. */
  readonly exit?: (outcome: ShutdownOutcome) => void;
  readonly signals?: SignalSource;
}

export function onShutdown(logger: Logger, stop: () => Promise<void>, options: ShutdownOptions = {}): void {
  const { timeoutMs = 30000, exit = exitProcess, signals = process } = options;
  let shuttingDown = false;
  let exited = false;
  const end = (outcome: ShutdownOutcome) => {
    if (exited) return;
    exited = true;
    logger.flush?.();
    exit(outcome);
  };
  const handler = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal; exiting without draining');
      end('forced');
      return;
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: draining in-flight batch');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'drain timed out; exiting');
      end('timed-out');
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        clearTimeout(timer);
        logger.info('shutdown complete');
        end('drained');
      },
      (err: unknown) => {
        clearTimeout(timer);
        logger.error({ err }, 'shutdown failed');
        end('failed');
      },
    );
  };
  // `on`, not `once`: with `once`, a second SIGTERM found no listener and killed the process by signal
  // (status 143) instead of the forced exit below.
  signals.on('SIGTERM', handler);
  signals.on('SIGINT', handler);
}

/** The default for callers outside serviceMain: the codes of EXIT_CODES (service-main.ts). */
function exitProcess(outcome: ShutdownOutcome): void {
  process.exit(outcome === 'drained' ? 0 : 1);
}
