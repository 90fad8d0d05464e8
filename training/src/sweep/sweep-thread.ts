/**
 * Worker-thread entry of one sweep trial: trainModel on the data and options it is given (no registry:
 * trials are never registered). The protocol is thread-call.ts's.
 */
import { trainModel, type TrainingData, type TrainOptions, type TrainOutcome } from '../pipeline/train-model.ts';
import { answerInThread } from '../thread-call.ts';

export interface TrialInput {
  readonly data: TrainingData;
  /** Plain data only: no registry, progress or logger (they do not cross threads). */
  readonly options: TrainOptions;
}

/** The outcome without the model bytes and the report: those are in the trial's artifact directory. */
export type TrialOutcome = Omit<TrainOutcome, 'onnx' | 'reportHtml'>;

await answerInThread<TrialInput, TrialOutcome>(async ({ data, options }, progress) => {
  const { onnx: _onnx, reportHtml: _report, ...outcome } = await trainModel(data, { ...options, progress });
  return outcome;
});
