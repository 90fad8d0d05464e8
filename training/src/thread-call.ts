/**
 * Training work run in a worker thread and awaited as a promise: a retrain's challenger job (the
 * trainer's consumer must keep heartbeating) and sweep trials (several train at once). Training is
 * synchronous CPU work; in a thread it blocks only that thread.
 *
 * Protocol (parentPort): `progress` messages while running, then exactly one `result` or `error`. The
 * thread gets `{ input, gate }` as workerData: the caller's input and its abort gate (thread-abort-gate.ts).
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { AppError, toAppError, type ErrorCode } from '@riskstream/shared';
import type { Progress } from './pipeline/train-model.ts';
import { AbortGate, joinAbortGate } from './thread-abort-gate.ts';

type ThreadMessage<R> =
  | { readonly type: 'progress'; readonly stage: string; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly result: R }
  | { readonly type: 'error'; readonly code: string; readonly message: string; readonly retriable: boolean };

export interface ThreadCallOptions {
  /** Names the thread in errors: "<label> crashed: ...". */
  readonly label: string;
  readonly progress?: Progress;
  /**
   * Aborting terminates the thread (at once, or as soon as its onnxruntime call in flight returns) and
   * rejects with a SHUTDOWN error with these messages, once the thread is gone.
   */
  readonly abort?: { readonly signal: AbortSignal; readonly before: string; readonly during: string };
}

/** Runs the thread `entry` (which answers with answerInThread) on `input`; its result or its error. */
export function callThread<R>(entry: URL, input: unknown, o: ThreadCallOptions): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const abort = o.abort;
    if (abort?.signal.aborted) {
      reject(new AppError('SHUTDOWN', abort.before));
      return;
    }
    const gate = new AbortGate();
    const worker = new Worker(entry, { workerData: { input, gate: gate.buffer } });
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      abort?.signal.removeEventListener('abort', onAbort);
      fn();
    };
    // Settled only when the thread is gone: a caller that goes on (and lets the process exit) must not race its teardown.
    const onAbort = () =>
      settle(() => {
        void gate
          .stopped(exited)
          .then(() => worker.terminate())
          .finally(() => reject(new AppError('SHUTDOWN', abort!.during)));
      });
    abort?.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: ThreadMessage<R>) => {
      if (m.type === 'progress') o.progress?.(m.stage, m.done, m.total);
      else if (m.type === 'result') settle(() => resolve(m.result));
      else settle(() => reject(new AppError(m.code as ErrorCode, m.message, { retriable: m.retriable })));
    });
    worker.on('error', (err) => settle(() => reject(new AppError('HANDLER_FAILED', `${o.label} crashed: ${err.message}`, { cause: err }))));
    worker.on('exit', (code) => settle(() => reject(new AppError('HANDLER_FAILED', `${o.label} exited (code ${code}) without a result`))));
  });
}

/** The thread's side: runs `work` on the caller's input, posting its progress, then its result or its error. */
export async function answerInThread<I, R>(work: (input: I, progress: Progress) => Promise<R>): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const { input, gate } = workerData as { input: I; gate: SharedArrayBuffer };
  joinAbortGate(gate);
  const post = (m: ThreadMessage<R>) => port.postMessage(m);
  try {
    const result = await work(input, (stage, done, total) => post({ type: 'progress', stage, done, total }));
    // Copied, not transferred: ONNX bytes may sit in Node's untransferable Buffer pool, and they are small.
    post({ type: 'result', result });
  } catch (err) {
    const e = toAppError(err);
    post({ type: 'error', code: e.code, message: e.message, retriable: e.retriable });
  }
}
