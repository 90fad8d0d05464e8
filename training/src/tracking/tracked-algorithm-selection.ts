/**
 * `--algorithm auto` as tracked runs: successive halving over the learners (selection/algorithm-
 * selection.ts), every rung's fit recorded as an `algorithm` run, then the winner trained on every row
 * as the parent run of those trials.
 */
import { takeRows } from '../data/dataset.ts';
import type { TrainingData, TrainOptions } from '../pipeline/train-model.ts';
import { selectAlgorithm, type AlgorithmSelection, type AlgorithmTrial } from '../selection/algorithm-selection.ts';
import { newRunId, type TrackedRun } from './tracked-run.ts';
import { trainTracked, type RunContext, type TrackedOutcome } from './tracked-training.ts';

export async function trainWithAlgorithmSelection(
  data: TrainingData,
  options: TrainOptions,
  ctx: RunContext,
): Promise<TrackedOutcome & { readonly selection: AlgorithmSelection }> {
  const id = ctx.id ?? newRunId();
  const started = Date.now();
  const selection = selectAlgorithm(takeRows(data.dataset, data.trainIndex), {
    settings: {
      seed: options.seed,
      ...(options.gbdt ? { gbdt: options.gbdt } : {}),
      ...(options.rf ? { rf: options.rf } : {}),
      validFraction: options.validFraction ?? 0.2,
      grouped: data.grouped,
      refitRoundsFactor: 0,
    },
    progress: (done, total) => options.progress?.('select algorithm', done, total),
  });
  for (const trial of selection.trials) await ctx.store.save(trialRun(trial, id, options.name, started));
  const trained = await trainTracked(data, { ...options, algorithm: selection.winner }, { ...ctx, id, extraParams: { ...ctx.extraParams, algorithmSelection: 'successive halving' } });
  return { ...trained, selection };
}

function trialRun(t: AlgorithmTrial, parentId: string, model: string, startedMs: number): TrackedRun {
  return {
    id: newRunId(),
    parentId,
    model,
    kind: 'algorithm',
    status: 'finished',
    startedAt: new Date(startedMs).toISOString(),
    endedAt: new Date().toISOString(),
    params: { algorithm: t.algorithm, rung: t.rung, sampleFraction: t.fraction, sampleRows: t.rows },
    metrics: { valid_ap: t.validAp, valid_auc: t.validAuc, train_seconds: t.seconds },
    artifacts: {},
    outcome: { status: 'not-registered', reasons: [t.advanced ? `advanced past rung ${t.rung}` : `eliminated at rung ${t.rung}`] },
  };
}
