/**
 * A sweep: every configuration of a `--sweep` spec (or N drawn with --sweep-random) trained as its own
 * run, in worker threads (at most `parallel` at once), each a child of one sweep run. The best trial by
 * the chosen metric is reported; with a registry it is trained again there (same seed and options, so
 * the same model) as a normal tracked run, registered and gated against the champion.
 *
 * The default metric is the validation average precision: choosing by the holdout's own metrics would
 * let the holdout pick the model it then grades.
 */
import { UsageError } from '@riskstream/shared';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { Progress, TrainingData, TrainOptions } from '../pipeline/train-model.ts';
import type { RunStore } from '../tracking/run-store.ts';
import { beginRun, endRun, failRun, trainTracked, type TrackedOutcome } from '../tracking/tracked-training.ts';
import { codeVersionField } from '../tracking/code-version.ts';
import { lowerIsBetter } from '../tracking/run-comparison.ts';
import { newRunId, type TrackedRun } from '../tracking/tracked-run.ts';
import { applyConfig, describeConfig, gridConfigs, parseSweep, randomConfigs, type SweepConfig } from './sweep-spec.ts';
import { callThread } from '../thread-call.ts';
import type { TrialInput, TrialOutcome } from './sweep-thread.ts';

export interface SweepSettings {
  readonly spec: string;
  /** Draw this many configurations instead of the whole grid. */
  readonly random?: number;
  /** The run metric that picks the best trial (default valid_ap). */
  readonly metric?: string;
  /** Trials training at once (worker threads). */
  readonly parallel: number;
  /** Train the best configuration again here: registered and gated. */
  readonly registry?: ModelRegistry;
  /**
   * Interrupts the sweep (Ctrl-C): trials in flight stop and are recorded as failed, the rest never
   * start, nothing is registered, and the sweep run is saved as failed with how far it got.
   */
  readonly signal?: AbortSignal;
}

export interface SweepResult {
  readonly sweep: TrackedRun;
  readonly trials: readonly TrackedRun[];
  readonly best?: TrackedRun;
  readonly registered?: TrackedOutcome;
  /** The signal stopped it: `trials` holds those that started (stopped ones failed), and no best is chosen. */
  readonly interrupted?: boolean;
}

const THREAD_ENTRY = new URL('./sweep-thread.ts', import.meta.url);

export async function runSweep(data: TrainingData, base: TrainOptions, s: SweepSettings, store: RunStore, progress: Progress = () => undefined): Promise<SweepResult> {
  const metric = s.metric ?? 'valid_ap';
  const axes = parseSweep(s.spec);
  const configs = s.random !== undefined ? randomConfigs(axes, s.random, base.seed) : gridConfigs(axes);
  // Every configuration is checked before the first one trains.
  const trialOptions = configs.map((c) => applyConfig(base, c));
  if (!(s.parallel >= 1)) throw new UsageError(`--parallel must be >= 1, got ${s.parallel}`);

  const sweep: TrackedRun = {
    id: newRunId(),
    model: base.name,
    kind: 'sweep',
    status: 'running',
    startedAt: new Date().toISOString(),
    params: { spec: s.spec, mode: s.random !== undefined ? 'random' : 'grid', trials: configs.length, metric, parallel: s.parallel, seed: base.seed },
    metrics: {},
    artifacts: {},
    ...codeVersionField(),
  };
  await store.save(sweep);
  const plain = plainData(data);
  let done = 0;
  progress('sweep', 0, configs.length);
  const trials = await mapBounded(trialOptions, s.parallel, s.signal, async (options, i) => {
    const trial = await runTrial(plain, options, store, sweep.id, configs[i]!, s.signal);
    progress('sweep', ++done, configs.length);
    return trial;
  });
  if (s.signal?.aborted) return interrupted(store, sweep, trials, configs.length);

  const best = bestTrial(trials, metric);
  const registered = best && s.registry ? await trainTracked(data, { ...trialOptions[trials.indexOf(best)]!, registry: s.registry }, { store, kind: 'train', parentId: sweep.id }) : undefined;
  const finished: TrackedRun = {
    ...sweep,
    status: trials.some((t) => t.status === 'finished') ? 'finished' : 'failed',
    endedAt: new Date().toISOString(),
    metrics: best ? { [`best_${metric}`]: best.metrics[metric]!, finished_trials: trials.filter((t) => t.status === 'finished').length } : {},
    artifacts: best ? { 'best report.html': best.artifacts['report.html']! } : {},
    outcome: sweepOutcome(best, metric, registered),
  };
  await store.save(finished);
  return { sweep: finished, trials, ...(best ? { best } : {}), ...(registered ? { registered } : {}) };
}

async function runTrial(data: TrainingData, options: TrainOptions, store: RunStore, parentId: string, config: SweepConfig, signal: AbortSignal | undefined): Promise<TrackedRun> {
  const started = await beginRun(data, options, { store, kind: 'trial', parentId, extraParams: { sweep: describeConfig(config) } });
  try {
    const outcome = await trainInThread({ data, options: { ...withoutFunctions(options), outDir: store.artifactDir(started.id), runId: started.id } }, signal);
    return await endRun(store, started, outcome, false);
  } catch (err) {
    return failRun(store, started, err);
  }
}

function trainInThread(input: TrialInput, signal: AbortSignal | undefined): Promise<TrialOutcome> {
  const abort = signal && { signal, before: 'interrupted before it started', during: 'interrupted while training' };
  return callThread<TrialOutcome>(THREAD_ENTRY, input, { label: 'sweep trial thread', ...(abort ? { abort } : {}) });
}

/** The sweep run of an interrupted sweep: failed, with the trials it got through. */
async function interrupted(store: RunStore, sweep: TrackedRun, trials: ReadonlyArray<TrackedRun | undefined>, total: number): Promise<SweepResult> {
  const ran = trials.filter((t): t is TrackedRun => t !== undefined);
  const finished = ran.filter((t) => t.status === 'finished').length;
  const reason = `interrupted: ${finished} of ${total} trials finished, ${ran.length - finished} stopped, ${total - ran.length} not started`;
  const run: TrackedRun = { ...sweep, status: 'failed', endedAt: new Date().toISOString(), error: reason, metrics: { finished_trials: finished }, outcome: { status: 'failed', reasons: [reason] } };
  await store.save(run);
  return { sweep: run, trials: ran, interrupted: true };
}

export function bestTrial(trials: readonly TrackedRun[], metric: string): TrackedRun | undefined {
  const sign = lowerIsBetter(metric) ? -1 : 1;
  let best: TrackedRun | undefined;
  for (const t of trials) {
    const v = t.metrics[metric];
    if (t.status !== 'finished' || v === undefined) continue;
    if (!best || sign * v > sign * best.metrics[metric]!) best = t;
  }
  return best;
}

function sweepOutcome(best: TrackedRun | undefined, metric: string, registered: TrackedOutcome | undefined): TrackedRun['outcome'] {
  if (!best) return { status: 'failed', reasons: ['no trial finished'] };
  const reason = `best trial ${best.id} (${best.params['sweep']}): ${metric} ${best.metrics[metric]!.toFixed(4)}`;
  if (!registered) return { status: 'not-registered', reasons: [reason] };
  return { ...registered.run.outcome!, reasons: [reason, `trained again as run ${registered.run.id}`, ...registered.run.outcome!.reasons] };
}

/** The training data as plain arrays (no simulation objects): it is copied into every trial thread. */
function plainData(d: TrainingData): TrainingData {
  return {
    dataset: d.dataset,
    trainIndex: d.trainIndex,
    testIndex: d.testIndex,
    source: d.source,
    grouped: d.grouped,
    ...(d.cards ? { cards: d.cards } : {}),
    ...(d.amounts ? { amounts: d.amounts } : {}),
    ...(d.timeRange ? { timeRange: d.timeRange } : {}),
  };
}

function withoutFunctions(o: TrainOptions): TrainOptions {
  const { progress: _p, logger: _l, now: _n, registry: _r, ...rest } = o;
  return rest;
}

/** Maps with at most `limit` calls in flight, results in input order; after an abort no call starts (those slots stay empty). */
async function mapBounded<T, R>(items: readonly T[], limit: number, signal: AbortSignal | undefined, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length && !signal?.aborted) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
