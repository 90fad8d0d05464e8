/**
 * The training job's quality and speed, measured the way the issue states them.
 *   node training/bench/train-bench.ts --uci         UCI credit default CSV, 5 stratified 70/30 splits
 *   node training/bench/train-bench.ts --simulated   183-day simulation, handbook time protocol
 *   node training/bench/train-bench.ts --prequential the handbook's 4 prequential test folds (mean), on the
 *                                                    handbook's own dataset and on our simulation (seed 0)
 * Prints one JSON object on stdout.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { csvTrainingData, simulate, simulatedTrainingData, trainModel, type SimulationRng } from '../src/index.ts';

const UCI = join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets', 'default_of_credit_card_clients.csv');
const SEEDS = [0, 1, 2, 3, 4];

async function uci(): Promise<Record<string, unknown>> {
  if (!existsSync(UCI)) return { skipped: `dataset not found at ${UCI}` };
  const perSeed: Array<Record<string, number>> = [];
  for (const seed of SEEDS) {
    const data = await csvTrainingData({ path: UCI, target: 'default payment next month', seed });
    const o = await trainModel(data, { name: 'uci-bench', seed });
    perSeed.push({
      seed,
      trainRows: data.trainIndex.length,
      rocAuc: o.candidate.roc_auc ?? Number.NaN,
      averagePrecision: o.candidate.average_precision ?? Number.NaN,
      baselineRocAuc: o.baseline.roc_auc ?? Number.NaN,
      ece: o.candidate.ece ?? Number.NaN,
      trainSeconds: o.trainSeconds,
      trees: o.manifest.metrics['trees'] as number,
    });
    process.stderr.write(`uci seed ${seed}: auc ${perSeed.at(-1)!['rocAuc']!.toFixed(4)} in ${o.trainSeconds.toFixed(1)} s\n`);
  }
  const mean = (k: string) => perSeed.reduce((s, r) => s + r[k]!, 0) / perSeed.length;
  return {
    rows: 30000,
    perSeed,
    meanRocAuc: mean('rocAuc'),
    meanAveragePrecision: mean('averagePrecision'),
    baselineMeanRocAuc: mean('baselineRocAuc'),
    meanEce: mean('ece'),
    maxTrainSeconds: Math.max(...perSeed.map((r) => r['trainSeconds']!)),
  };
}

async function simulated(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const data = simulatedTrainingData({ seed: 0 });
  const prepared = (performance.now() - t0) / 1000;
  const o = await trainModel(data, { name: 'simulated-bench', seed: 42 });
  const total = (performance.now() - t0) / 1000;
  return {
    transactions: data.dataset.rows,
    trainRows: data.trainIndex.length,
    testRows: data.testIndex.length,
    rocAuc: o.candidate.roc_auc,
    averagePrecision: o.candidate.average_precision,
    cardPrecisionAt100: o.candidate.card_precision_at_100,
    ece: o.candidate.ece,
    baselineRocAuc: o.baseline.roc_auc,
    simulateAndFeaturizeSeconds: prepared,
    trainSeconds: o.trainSeconds,
    totalSeconds: total,
    peakRssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

/**
 * The handbook reports chapter-5 test performance as the mean over 4 prequential folds: training weeks
 * starting 2018-07-25, 08-01, 08-08 and 08-15, each followed by the 7-day delay and the 7-day test week.
 * Each fold here is the shipped `trainModel` path (early stopping, refit, calibration, ONNX export).
 */
const PREQUENTIAL_STARTS = ['2018-07-25', '2018-08-01', '2018-08-08', '2018-08-15'] as const;

async function prequential(rng: SimulationRng): Promise<Record<string, unknown>> {
  const sim = simulate({ nbDays: 183, seed: 0, rng });
  const folds: Array<Record<string, unknown>> = [];
  for (const trainStart of PREQUENTIAL_STARTS) {
    const data = simulatedTrainingData({ seed: 0, simulation: sim, trainStart });
    const o = await trainModel(data, { name: 'prequential-bench', seed: 42 });
    folds.push({
      trainStart,
      rocAuc: o.candidate.roc_auc,
      averagePrecision: o.candidate.average_precision,
      cardPrecisionAt100: o.candidate.card_precision_at_100,
      baselineRocAuc: o.baseline.roc_auc,
      baselineAveragePrecision: o.baseline.average_precision,
      ece: o.candidate.ece,
      trainSeconds: o.trainSeconds,
    });
    process.stderr.write(`prequential (${rng}) fold ${trainStart}: ${JSON.stringify(folds.at(-1))}\n`);
  }
  const mean = (k: string) => folds.reduce((s, r) => s + (r[k] as number), 0) / folds.length;
  return {
    dataset: rng === 'handbook' ? "the handbook's own dataset (rng handbook, seed 0)" : 'riskstream simulation, seed 0',
    transactions: sim.transactions.length,
    folds,
    meanRocAuc: mean('rocAuc'),
    meanAveragePrecision: mean('averagePrecision'),
    meanCardPrecisionAt100: mean('cardPrecisionAt100'),
    baselineMeanRocAuc: mean('baselineRocAuc'),
    baselineMeanAveragePrecision: mean('baselineAveragePrecision'),
    meanEce: mean('ece'),
  };
}

const out: Record<string, unknown> = {};
if (process.argv.includes('--uci')) out['uci'] = await uci();
if (process.argv.includes('--simulated')) out['simulated'] = await simulated();
if (process.argv.includes('--prequential')) {
  out['prequential'] = { handbook: await prequential('handbook'), riskstream: await prequential('riskstream') };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
