/**
 * Runs the challenger job in a worker thread (training-thread.ts) and turns its messages back into a
 * promise. Aborting (shutdown) terminates the thread at once: a half-trained model is worthless, and the
 * request is redelivered and retrained after the restart because its offset was never committed.
 */
import type { Progress } from '../pipeline/train-model.ts';
import { callThread } from '../thread-call.ts';
import type { ChallengerJobInput, ChallengerJobResult } from './challenger-job.ts';

export type ChallengerRunner = (input: ChallengerJobInput, options: { readonly signal: AbortSignal; readonly progress: Progress }) => Promise<ChallengerJobResult>;

const THREAD_ENTRY = new URL('./training-thread.ts', import.meta.url);

export const runChallengerInThread: ChallengerRunner = (input, { signal, progress }) =>
  callThread<ChallengerJobResult>(THREAD_ENTRY, input, {
    label: 'training thread',
    progress,
    abort: {
      signal,
      before: 'retrain interrupted by shutdown before training started',
      during: 'retrain interrupted by shutdown; the request will be redelivered',
    },
  });
