/**
 * Runs the challenger job in a worker thread (training-thread.ts) and turns its messages back into a
 * promise. Aborting (shutdown) terminates the thread at once: a half-trained model is worthless, and the
 * request is redelivered and retrained after the restart because its offset was never committed.
 */
import { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode } from '@riskstream/shared';
import type { Progress } from '../pipeline/train-model.ts';
import type { ChallengerJobInput, ChallengerJobResult } from './challenger-job.ts';
import type { ThreadMessage } from './training-thread.ts';

export type ChallengerRunner = (input: ChallengerJobInput, options: { readonly signal: AbortSignal; readonly progress: Progress }) => Promise<ChallengerJobResult>;

const THREAD_ENTRY = new URL('./training-thread.ts', import.meta.url);

export const runChallengerInThread: ChallengerRunner = (input, { signal, progress }) =>
  new Promise<ChallengerJobResult>((resolve, reject) => {
    if (signal.aborted) {
      reject(new AppError('SHUTDOWN', 'retrain interrupted by shutdown before training started'));
      return;
    }
    const worker = new Worker(THREAD_ENTRY, { workerData: input });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      settle(() => reject(new AppError('SHUTDOWN', 'retrain interrupted by shutdown; the request will be redelivered')));
      void worker.terminate();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'progress') progress(m.stage, m.done, m.total);
      else if (m.type === 'result') settle(() => resolve(m.result));
      else settle(() => reject(new AppError(m.code as ErrorCode, m.message, { retriable: m.retriable })));
    });
    worker.on('error', (err) => settle(() => reject(new AppError('HANDLER_FAILED', `training thread crashed: ${err.message}`, { cause: err }))));
    worker.on('exit', (code) => settle(() => reject(new AppError('HANDLER_FAILED', `training thread exited (code ${code}) without a result`))));
  });
