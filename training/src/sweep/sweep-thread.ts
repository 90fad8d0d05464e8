/**
 * Worker-thread entry of one sweep trial: trainModel on the data and options it is given (no registry:
 * trials are never registered), then one `result` or `error` message. Progress goes up as it comes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toAppError } from '@riskstream/shared';
import { trainModel, type TrainingData, type TrainOptions, type TrainOutcome } from '../pipeline/train-model.ts';

export interface TrialInput {
  readonly data: TrainingData;
  /** Plain data only: no registry, progress or logger (they do not cross threads). */
  readonly options: TrainOptions;
}

/** The outcome without the model bytes and the report: those are in the trial's artifact directory. */
export type TrialOutcome = Omit<TrainOutcome, 'onnx' | 'reportHtml'>;

export type TrialMessage =
  | { readonly type: 'progress'; readonly stage: string; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly outcome: TrialOutcome }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

const port = parentPort;
if (port) {
  const { data, options } = workerData as TrialInput;
  try {
    const { onnx: _onnx, reportHtml: _report, ...outcome } = await trainModel(data, {
      ...options,
      progress: (stage, done, total) => port.postMessage({ type: 'progress', stage, done, total } satisfies TrialMessage),
    });
    port.postMessage({ type: 'result', outcome } satisfies TrialMessage);
  } catch (err) {
    const e = toAppError(err);
    port.postMessage({ type: 'error', code: e.code, message: e.message } satisfies TrialMessage);
  }
}
