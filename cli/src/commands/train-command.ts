import { join, resolve } from 'node:path';
import { UsageError, createLogger, field, loadConfig } from '@riskstream/shared';
import { ModelRegistry, checkModelName, csvTrainingData, simulatedTrainingData, trainModel, type SimulationRng, type TrainOutcome } from '@riskstream/training';
import { parseCommandArgs, type Command } from '../command.ts';
import { createProgress } from '../progress-bar.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';

const USAGE = `Usage:
  riskstream train --csv FILE --target COLUMN --out DIR [--id COLUMN] [--group COLUMN] [options]
  riskstream train --simulated [--days N] [--rng riskstream|handbook] [--train-start DAY] [--out DIR] [options]

Trains a calibrated gradient-boosted trees model, evaluates it against a logistic-regression baseline
and the current champion on the same holdout, exports it to ONNX, registers it and promotes it when the
promotion gate passes. Writes model.onnx, manifest.json, metrics.json and report.html to --out.

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
  --search N          hyperparameter search trials, successive halving (default 0: tuned defaults)
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
    const searchTrials = intArg('--search', values.search, 0, 0);
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
    const registry = values['no-register'] ? undefined : await ModelRegistry.open(resolve(values.registry ?? env.registryDir));
    const outcome = await trainModel(data, {
      name,
      seed,
      searchTrials,
      progress,
      logger,
      ...(registry ? { registry } : {}),
      ...(values.out ? { outDir: resolve(values.out) } : {}),
    });
    progress.finish();
    io.stdout.write(summary(name, outcome, values.out));
    return 0;
  },
};

function intArg(flag: string, raw: string | undefined, def: number, min: number): number {
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`${flag} must be an integer >= ${min}, got "${raw}"`);
  return Number(raw);
}

function modelNameFromFile(file: string): string {
  return (file.split('/').pop() ?? 'model').replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_-]+/g, '-').toLowerCase();
}

function summary(name: string, o: TrainOutcome, out: string | undefined): string {
  const f = (v: number | null | undefined) => (v === undefined || v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(4));
  const lines = [
    `model ${name}${o.version !== undefined ? ` v${o.version}` : ''}: ${o.promoted ? 'PROMOTED to champion' : o.version !== undefined ? 'registered as challenger (not promoted)' : 'not registered'}`,
    `  holdout ROC AUC ${f(o.candidate.roc_auc)}  AP ${f(o.candidate.average_precision)}  ECE ${f(o.candidate.ece)}${o.candidate.card_precision_at_100 !== undefined && o.candidate.card_precision_at_100 !== null ? `  CP@100 ${f(o.candidate.card_precision_at_100)}` : ''}`,
    `  baseline (logistic regression) ROC AUC ${f(o.baseline.roc_auc)}  AP ${f(o.baseline.average_precision)}`,
    ...(o.champion ? [`  champion ROC AUC ${f(o.champion.roc_auc)}  AP ${f(o.champion.average_precision)}`] : []),
    `  gate: ${o.gate.promote ? 'pass' : 'refused'}; ${o.gate.reasons.join('; ')}`,
    `  ONNX parity max |diff| ${o.parityMaxAbsDiff.toExponential(2)}; trained in ${o.trainSeconds.toFixed(1)} s`,
    ...(out ? [`  wrote ${resolve(out)}/{model.onnx,manifest.json,metrics.json,report.html}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
