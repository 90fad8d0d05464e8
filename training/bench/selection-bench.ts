/**
 * Feature and algorithm selection, measured on the two protocols the training job is judged by:
 *   - UCI credit default: 5 stratified 70/30 splits (seeds 0-4);
 *   - the handbook protocol: its 4 prequential folds on the handbook's own dataset (rng handbook, seed 0).
 * For each: the default GBDT on every feature vs --select-features auto (holdout AP and AUC, features
 * kept, training seconds), and on UCI also each learner and --algorithm auto's choice.
 *
 *   node training/bench/selection-bench.ts [--uci-only] [--handbook-only]
 * Prints one JSON object on stdout.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { csvTrainingData, selectAlgorithm, simulate, simulatedTrainingData, takeRows, trainModel, type TrainingData, type TrainOptions } from '../src/index.ts';

const UCI = join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets', 'default_of_credit_card_clients.csv');
const SEEDS = [0, 1, 2, 3, 4];
const PREQUENTIAL_STARTS = ['2018-07-25', '2018-08-01', '2018-08-08', '2018-08-15'] as const;

type Row = Record<string, number | string>;

async function measure(data: TrainingData, options: TrainOptions): Promise<Row> {
  const o = await trainModel(data, options);
  return {
    ap: o.candidate.average_precision ?? Number.NaN,
    auc: o.candidate.roc_auc ?? Number.NaN,
    features: o.manifest.featureNames.length,
    trainSeconds: o.trainSeconds,
    ...(o.featureSelection ? { dropped: o.featureSelection.dropped.join(' ') } : {}),
  };
}

/** Off vs auto on each fold, with the per-fold AP difference and its spread. */
async function offVsAuto(label: string, folds: ReadonlyArray<{ name: string; data: TrainingData; seed: number }>): Promise<Record<string, unknown>> {
  const perFold: Row[] = [];
  for (const f of folds) {
    const off = await measure(f.data, { name: 'bench', seed: f.seed });
    const auto = await measure(f.data, { name: 'bench', seed: f.seed, selectFeatures: 'auto' });
    perFold.push({ fold: f.name, offAp: off['ap']!, autoAp: auto['ap']!, offAuc: off['auc']!, autoAuc: auto['auc']!, featuresOff: off['features']!, featuresAuto: auto['features']!, offSeconds: off['trainSeconds']!, autoSeconds: auto['trainSeconds']!, dropped: auto['dropped'] ?? '' });
    process.stderr.write(`${label} ${f.name}: ${JSON.stringify(perFold.at(-1))}\n`);
  }
  const mean = (k: string) => perFold.reduce((s, r) => s + (r[k] as number), 0) / perFold.length;
  const deltas = perFold.map((r) => (r['autoAp'] as number) - (r['offAp'] as number));
  return {
    perFold,
    meanApOff: mean('offAp'),
    meanApAuto: mean('autoAp'),
    meanApDelta: mean('autoAp') - mean('offAp'),
    apDeltaRange: [Math.min(...deltas), Math.max(...deltas)],
    meanAucOff: mean('offAuc'),
    meanAucAuto: mean('autoAuc'),
    meanFeaturesOff: mean('featuresOff'),
    meanFeaturesAuto: mean('featuresAuto'),
    meanSecondsOff: mean('offSeconds'),
    meanSecondsAuto: mean('autoSeconds'),
  };
}

async function uciLearners(): Promise<Record<string, unknown>> {
  const perSeed: Row[] = [];
  for (const seed of SEEDS) {
    const data = await csvTrainingData({ path: UCI, target: 'default payment next month', seed });
    const row: Row = { seed };
    for (const algorithm of ['gbdt', 'rf', 'lr'] as const) {
      const m = await measure(data, { name: 'bench', seed, algorithm });
      row[`${algorithm}Ap`] = m['ap']!;
      row[`${algorithm}Seconds`] = m['trainSeconds']!;
    }
    const started = performance.now();
    const choice = selectAlgorithm(takeRows(data.dataset, data.trainIndex), { settings: { seed, validFraction: 0.2, grouped: false, refitRoundsFactor: 0 } });
    row['autoChoice'] = choice.winner;
    row['autoSelectionSeconds'] = (performance.now() - started) / 1000;
    perSeed.push(row);
    process.stderr.write(`uci learners seed ${seed}: ${JSON.stringify(row)}\n`);
  }
  const mean = (k: string) => perSeed.reduce((s, r) => s + (r[k] as number), 0) / perSeed.length;
  return { perSeed, meanAp: { gbdt: mean('gbdtAp'), rf: mean('rfAp'), lr: mean('lrAp') }, meanSeconds: { gbdt: mean('gbdtSeconds'), rf: mean('rfSeconds'), lr: mean('lrSeconds'), autoSelection: mean('autoSelectionSeconds') } };
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const out: Record<string, unknown> = {};
  if (!args.has('--handbook-only')) {
    if (!existsSync(UCI)) out['uci'] = { skipped: `dataset not found at ${UCI}` };
    else {
      const folds = [];
      for (const seed of SEEDS) folds.push({ name: `seed ${seed}`, seed, data: await csvTrainingData({ path: UCI, target: 'default payment next month', seed }) });
      out['uci'] = { selection: await offVsAuto('uci', folds), learners: await uciLearners() };
    }
  }
  if (!args.has('--uci-only')) {
    const sim = simulate({ nbDays: 183, seed: 0, rng: 'handbook' });
    const folds = PREQUENTIAL_STARTS.map((trainStart) => ({ name: trainStart, seed: 42, data: simulatedTrainingData({ seed: 0, simulation: sim, trainStart }) }));
    out['handbook'] = { dataset: "the handbook's own dataset (rng handbook, seed 0), 4 prequential folds", selection: await offVsAuto('handbook', folds) };
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
