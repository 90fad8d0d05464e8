import { copyFile, mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { UsageError, createLogger, field, loadConfig } from '@riskstream/shared';
import {
  ALGORITHMS,
  ALGORITHM_NAMES,
  ModelRegistry,
  RunStore,
  applyConfig,
  checkModelName,
  csvTrainingData,
  gridConfigs,
  isAlgorithm,
  parseSweep,
  runSweep,
  simulatedTrainingData,
  trainTracked,
  trainWithAlgorithmSelection,
  type AlgorithmSelection,
  type SimulationRng,
  type SweepResult,
  type SweepSettings,
  type TrackedOutcome,
  type TrackedRun,
  type TrainOptions,
  type TrainOutcome,
} from '@riskstream/training';
import { parseCommandArgs, type Command } from '../command.ts';
import { createProgress } from '../progress-bar.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';

const USAGE = `Usage:
  riskstream train --csv FILE --target COLUMN --out DIR [--id COLUMN] [--group COLUMN] [options]
  riskstream train --simulated [--days N] [--rng riskstream|handbook] [--train-start DAY] [--out DIR] [options]

Trains a calibrated model (gradient-boosted trees by default), evaluates it against a logistic-regression
baseline and the current champion on the same holdout, exports it to ONNX, registers it and promotes it
when the promotion gate passes. Every training is a tracked run (riskstream runs list): its parameters,
data, metrics, artifacts (model.onnx, manifest.json, metrics.json, report.html) and outcome are kept next
to the registry, registered or not. --out gets a copy of the artifacts.

Data:
  --csv FILE          any CSV with a 0/1 target column (stratified 70/30 holdout)
  --target COLUMN     the target column
  --id COLUMN         id column to ignore (default: ID when present)
  --group COLUMN      entity column: rows of one entity stay on one side of every split
  --simulated         the handbook simulator and protocol (7 days train, 7 delay, 7 test)
  --days N            simulated days (default 183)
  --rng KIND          simulator randomness: riskstream (default) or handbook (the handbook's numpy and
                      CPython generators: with --sim-seed 0 exactly the handbook's dataset)
  --sim-seed N        simulation seed (default: --seed)
  --train-start DAY   first training day, YYYY-MM-DD (default 2018-07-25, the handbook's)

Options:
  --out DIR           output directory (required with --csv)
  --name NAME         model name in the registry (default: fraud for --simulated, the CSV's name)
  --registry DIR      model registry directory (default: $MODEL_REGISTRY_DIR or .riskstream/registry)
  --no-register       do not register or promote; only write --out
  --seed N            random seed (default 42)
  --search N          GBDT hyperparameter search trials, successive halving (default 0: tuned defaults)

Learner and features:
  --algorithm A       gbdt (default), rf (random forest), lr (logistic regression), or auto: the three
                      compared by successive halving on stratified samples of growing size, the winner
                      trained on every row (each comparison is a run)
  --set KEY=VALUE     a learner option, repeatable: gbdt.maxLeaves=31, rf.nEstimators=200,
                      rf.maxDepth=12 (the --sweep keys)
  --select-features M auto (drop the weakest features while validation AP loses at most the margin) or
                      K (keep the K most important, by permutation importance on the validation split)
  --selection-margin X  average precision auto selection may lose, absolute (default 0.005)

Sweeps (each configuration is a run, children of one sweep run):
  --sweep SPEC        a grid: 'gbdt.maxLeaves=15,31,63 gbdt.learningRate=0.05,0.1', ranges as
                      rf.maxDepth=range(7,17,5), keys algorithm, seed, gbdt.*, rf.* (also LightGBM and
                      scikit-learn names: numLeaves, n_estimators, max_depth, random_forest.*)
  --sweep-random N    draw N configurations from the spec instead (allows uniform(a,b), loguniform(a,b))
  --sweep-metric M    the run metric that picks the best trial (default valid_ap; lower is better for
                      logloss, ece, brier)
  --parallel N        trials training at once, in worker threads (default: the cores, at most the trials)
  --register-best     train the best configuration again in the registry (gated like any training)
                      Ctrl-C stops the trials in flight (recorded as failed), starts no more, registers
                      nothing and exits 130; a second Ctrl-C quits at once
  --quiet             no progress output
  -h, --help          this help`;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train, evaluate, export to ONNX, register and gate-promote a model',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      csv: { type: 'string' },
      target: { type: 'string' },
      id: { type: 'string' },
      group: { type: 'string' },
      simulated: { type: 'boolean' },
      days: { type: 'string' },
      rng: { type: 'string' },
      'sim-seed': { type: 'string' },
      'train-start': { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      registry: { type: 'string' },
      'no-register': { type: 'boolean' },
      seed: { type: 'string' },
      search: { type: 'string' },
      algorithm: { type: 'string' },
      set: { type: 'string', multiple: true },
      'select-features': { type: 'string' },
      'selection-margin': { type: 'string' },
      sweep: { type: 'string' },
      'sweep-random': { type: 'string' },
      'sweep-metric': { type: 'string' },
      parallel: { type: 'string' },
      'register-best': { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (Boolean(values.csv) === Boolean(values.simulated)) throw new UsageError('give exactly one of --csv FILE or --simulated');
    if (values.csv && !values.target) throw new UsageError('--csv needs --target COLUMN');
    if (values.csv && !values.out) throw new UsageError('--csv needs --out DIR');
    for (const flag of ['rng', 'sim-seed', 'train-start', 'days'] as const) {
      if (values.csv && values[flag] !== undefined) throw new UsageError(`--${flag} applies to --simulated only`);
    }
    const seed = intArg('--seed', values.seed, 42, 0);
    const learner = learnerOptions(values, seed, intArg('--search', values.search, 0, 0));
    const sweep = sweepSettings(values);
    const env = loadConfig(
      { registryDir: field.string({ env: 'MODEL_REGISTRY_DIR', description: 'model registry directory', default: join(REPO_ROOT, '.riskstream', 'registry') }) },
      io.env,
    );
    const name = values.name ?? (values.csv ? modelNameFromFile(values.csv) : 'fraud');
    checkModelName(name);
    const progress = createProgress(io.stderr, !values.quiet);
    const logger = createLogger('train', { level: 'warn' });

    const data = values.csv
      ? await csvTrainingData({ path: resolve(values.csv), target: values.target!, seed, ...(values.id ? { idColumn: values.id } : {}), ...(values.group ? { groupColumn: values.group } : {}) })
      : simulatedTrainingData({
          days: intArg('--days', values.days, 183, 21),
          seed: intArg('--sim-seed', values['sim-seed'], seed, 0),
          ...(values.rng !== undefined ? { rng: values.rng as SimulationRng } : {}),
          ...(values['train-start'] !== undefined ? { trainStart: values['train-start'] } : {}),
        });
    const registryDir = resolve(values.registry ?? env.registryDir);
    const store = await RunStore.open(registryDir);
    const registry = values['no-register'] ? undefined : await ModelRegistry.open(registryDir);
    const options: TrainOptions = { name, seed, progress, logger, ...learner.options };
    if (sweep) {
      const result = await untilSignal(io.stderr, (signal) => runSweep(data, options, { ...sweep, signal, ...(values['register-best'] && registry ? { registry } : {}) }, store, progress));
      progress.finish();
      if (values.out && result.best) await copyArtifacts(result.registered?.run ?? result.best, resolve(values.out));
      io.stdout.write(sweepSummary(result, sweep.metric ?? 'valid_ap'));
      return result.interrupted ? 130 : result.best ? 0 : 1;
    }
    const ctx = { store, kind: 'train' as const };
    const trained: TrackedOutcome & { readonly selection?: AlgorithmSelection } = learner.auto
      ? await trainWithAlgorithmSelection(data, { ...options, ...(registry ? { registry } : {}) }, ctx)
      : await trainTracked(data, { ...options, ...(registry ? { registry } : {}) }, ctx);
    progress.finish();
    if (values.out) await copyArtifacts(trained.run, resolve(values.out));
    io.stdout.write(summary(name, trained.outcome, values.out, trained.run));
    if (trained.selection) io.stdout.write(selectionSummary(trained.selection));
    return 0;
  },
};

type TrainValues = Record<string, string | boolean | string[] | undefined>;

/** --algorithm, --set, --select-features and --search as training options; every problem a UsageError. */
function learnerOptions(values: TrainValues, seed: number, searchTrials: number): { options: Partial<TrainOptions>; auto: boolean } {
  const algorithm = (values['algorithm'] as string | undefined) ?? 'gbdt';
  const auto = algorithm === 'auto';
  if (!auto && !isAlgorithm(algorithm)) throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')} or auto, got ${JSON.stringify(algorithm)}`);
  const sets = (values['set'] as string[] | undefined) ?? [];
  const config = sets.length > 0 ? gridConfigs(parseSweep(sets.join(' ')))[0]! : {};
  if (sets.some((s) => /,|\(/.test(s.slice(s.indexOf('=') + 1)))) throw new UsageError('--set takes one value per key; use --sweep for several');
  const configured = applyConfig({ name: 'check', seed, ...(auto ? {} : { algorithm }) }, config);
  if (auto && 'algorithm' in config) throw new UsageError('--algorithm auto chooses the algorithm; do not --set it');
  const selectRaw = values['select-features'] as string | undefined;
  const selectFeatures = selectRaw === undefined ? undefined : selectRaw === 'auto' ? 'auto' : intArg('--select-features', selectRaw, 0, 1);
  const marginRaw = values['selection-margin'] as string | undefined;
  const margin = marginRaw === undefined ? undefined : Number(marginRaw);
  if (margin !== undefined && !(margin >= 0 && margin < 1)) throw new UsageError(`--selection-margin must be a number in [0, 1), got "${marginRaw}"`);
  if (margin !== undefined && selectFeatures === undefined) throw new UsageError('--selection-margin needs --select-features');
  if (searchTrials > 0 && (auto || configured.algorithm !== 'gbdt')) throw new UsageError('--search tunes the GBDT only: use it with --algorithm gbdt');
  return {
    auto,
    options: {
      ...(auto ? {} : { algorithm: configured.algorithm! }),
      seed: configured.seed,
      gbdt: configured.gbdt!,
      rf: configured.rf!,
      searchTrials,
      ...(selectFeatures !== undefined ? { selectFeatures } : {}),
      ...(margin !== undefined ? { selectionMargin: margin } : {}),
    },
  };
}

function sweepSettings(values: TrainValues): Omit<SweepSettings, 'registry'> | undefined {
  const spec = values['sweep'] as string | undefined;
  const randomRaw = values['sweep-random'] as string | undefined;
  for (const flag of ['sweep-random', 'sweep-metric', 'parallel', 'register-best'] as const) {
    if (!spec && values[flag] !== undefined) throw new UsageError(`--${flag} needs --sweep SPEC`);
  }
  if (!spec) return undefined;
  if (values['algorithm'] === 'auto') throw new UsageError('--sweep and --algorithm auto both choose the learner: use one (sweep over algorithm=gbdt,rf,lr)');
  if (values['search'] !== undefined) throw new UsageError('--sweep and --search both tune: use one');
  if (values['register-best'] && values['no-register']) throw new UsageError('--register-best and --no-register contradict each other');
  const random = randomRaw === undefined ? undefined : intArg('--sweep-random', randomRaw, 0, 1);
  const configs = random ?? gridConfigs(parseSweep(spec)).length;
  const parallel = intArg('--parallel', values['parallel'] as string | undefined, Math.max(1, Math.min(availableParallelism(), configs)), 1);
  return { spec, parallel, ...(random !== undefined ? { random } : {}), ...(values['sweep-metric'] ? { metric: values['sweep-metric'] as string } : {}) };
}

async function copyArtifacts(run: TrackedRun, out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  for (const [name, path] of Object.entries(run.artifacts)) await copyFile(path, join(out, basename(name)));
}

function intArg(flag: string, raw: string | undefined, def: number, min: number): number {
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`${flag} must be an integer >= ${min}, got "${raw}"`);
  return Number(raw);
}

function modelNameFromFile(file: string): string {
  return (file.split('/').pop() ?? 'model').replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_-]+/g, '-').toLowerCase();
}

/**
 * Runs `work` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts, so it can record how far it got. The
 * handler is installed once: a second Ctrl-C gets the default action and ends the process at once.
 */
async function untilSignal<T>(stderr: NodeJS.WritableStream, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => {
    stderr.write('\nstopping: the trials in flight are being stopped and recorded (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function sweepSummary(r: SweepResult, metric: string): string {
  const f = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));
  const rows = [...r.trials].sort((a, b) => (b.metrics[metric] ?? -Infinity) - (a.metrics[metric] ?? -Infinity));
  const lines = [
    `sweep ${r.sweep.id}: ${r.trials.length} trials, ${rows.filter((t) => t.status === 'finished').length} finished (riskstream runs list --parent ${r.sweep.id})`,
    `  ${'run'.padEnd(12)}  ${metric.padStart(9)}  ${'ap'.padStart(6)}  ${'auc'.padStart(6)}  ${'secs'.padStart(6)}  configuration`,
    ...rows.map((t) => `${t === r.best ? '*' : ' '} ${t.id.padEnd(12)}  ${f(t.metrics[metric]).padStart(9)}  ${f(t.metrics['ap']).padStart(6)}  ${f(t.metrics['auc']).padStart(6)}  ${(t.metrics['train_seconds'] ?? 0).toFixed(1).padStart(6)}  ${t.status === 'failed' ? `FAILED: ${t.error}` : String(t.params['sweep'])}`),
    r.interrupted ? `${r.sweep.error}; nothing registered` : r.best ? `best: ${r.best.id} (${String(r.best.params['sweep'])}) by ${metric}` : 'no trial finished',
  ];
  if (r.registered) lines.push(`  trained again as run ${r.registered.run.id}: ${r.registered.outcome.promoted ? `v${r.registered.outcome.version} PROMOTED to champion` : `v${r.registered.outcome.version} registered as challenger (not promoted)`}`);
  return `${lines.join('\n')}\n`;
}

function selectionSummary(s: AlgorithmSelection): string {
  const lines = ['  algorithm selection (successive halving, validation AP):'];
  for (const t of s.trials) lines.push(`    rung ${t.rung} (${t.rows} rows): ${t.algorithm.padEnd(4)} ${t.validAp.toFixed(4)}${t.advanced ? '' : '  eliminated'}`);
  lines.push(`    winner: ${s.winner}`);
  return `${lines.join('\n')}\n`;
}

function summary(name: string, o: TrainOutcome, out: string | undefined, run: TrackedRun): string {
  const f = (v: number | null | undefined) => (v === undefined || v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(4));
  const lines = [
    `model ${name}${o.version !== undefined ? ` v${o.version}` : ''}: ${o.promoted ? 'PROMOTED to champion' : o.version !== undefined ? 'registered as challenger (not promoted)' : 'not registered'}`,
    `  run ${run.id} (${ALGORITHM_NAMES[o.algorithm]}${o.featureSelection ? `, ${o.featureSelection.kept.length} of ${o.featureSelection.kept.length + o.featureSelection.dropped.length} features` : ''}); riskstream runs show ${run.id}`,
    `  holdout ROC AUC ${f(o.candidate.roc_auc)}  AP ${f(o.candidate.average_precision)}  ECE ${f(o.candidate.ece)}${o.candidate.card_precision_at_100 !== undefined && o.candidate.card_precision_at_100 !== null ? `  CP@100 ${f(o.candidate.card_precision_at_100)}` : ''}`,
    `  baseline (logistic regression) ROC AUC ${f(o.baseline.roc_auc)}  AP ${f(o.baseline.average_precision)}`,
    ...(o.champion ? [`  champion ROC AUC ${f(o.champion.roc_auc)}  AP ${f(o.champion.average_precision)}`] : []),
    `  gate: ${o.gate.promote ? 'pass' : 'refused'}; ${o.gate.reasons.join('; ')}`,
    `  ONNX parity max |diff| ${o.parityMaxAbsDiff.toExponential(2)}; trained in ${o.trainSeconds.toFixed(1)} s`,
    ...(out ? [`  wrote ${resolve(out)}/{model.onnx,manifest.json,metrics.json,report.html}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
