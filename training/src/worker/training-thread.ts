/**
 * Worker-thread entry of a retrain's challenger job (challenger-job.ts). Training is synchronous CPU work
 * that can take minutes; on the main thread it would starve the event loop, the consumer's heartbeats
 * would stop and the group would take the partition away mid-training. Here it blocks only this thread.
 *
 * Protocol (parentPort): `progress` messages while running, then exactly one `result` or `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toAppError } from '@riskstream/shared';
import { runChallengerJob, type ChallengerJobInput } from './challenger-job.ts';

export type ThreadMessage =
  | { readonly type: 'progress'; readonly stage: string; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly result: Awaited<ReturnType<typeof runChallengerJob>> }
  | { readonly type: 'error'; readonly code: string; readonly message: string; readonly retriable: boolean };

const port = parentPort;
if (port) {
  try {
    const result = await runChallengerJob(workerData as ChallengerJobInput, (stage, done, total) => port.postMessage({ type: 'progress', stage, done, total } satisfies ThreadMessage));
    // Copied, not transferred: the ONNX bytes may sit in Node's untransferable Buffer pool, and they are small.
    port.postMessage({ type: 'result', result } satisfies ThreadMessage);
  } catch (err) {
    const e = toAppError(err);
    port.postMessage({ type: 'error', code: e.code, message: e.message, retriable: e.retriable } satisfies ThreadMessage);
  }
}
