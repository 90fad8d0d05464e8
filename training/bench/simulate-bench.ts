/**
 * Times the default (handbook-sized) simulation, its point-in-time featurisation, the time split and the
 * CSV export, and prints one JSON object.
 *
 *   node training/bench/simulate-bench.ts [--seed N] [--no-csv]
 */

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featurizeOffline } from '../src/features/offline-featurizer.ts';
import { HANDBOOK_TRAIN_START, timeSplit } from '../src/features/time-split.ts';
import { countByScenario } from '../src/simulator/fraud-scenarios.ts';
import { writeCsv } from '../src/simulator/csv-writer.ts';
import { fraudRate, simulate } from '../src/simulator/simulate.ts';

const args = process.argv.slice(2);
const seedAt = args.indexOf('--seed');
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 0;
const withCsv = !args.includes('--no-csv');

const ms = (t0: number): number => Math.round(performance.now() - t0);

let t0 = performance.now();
const result = simulate({ seed });
const simulateMs = ms(t0);

t0 = performance.now();
const dataset = featurizeOffline(result.transactions);
const featurizeMs = ms(t0);

t0 = performance.now();
const split = timeSplit(result.transactions, { trainStart: HANDBOOK_TRAIN_START });
const splitMs = ms(t0);

let csv: { ms: number; bytes: number } | null = null;
if (withCsv) {
  const dir = await mkdtemp(join(tmpdir(), 'riskstream-bench-'));
  try {
    const path = join(dir, 'transactions.csv');
    t0 = performance.now();
    await writeCsv(result, path);
    csv = { ms: ms(t0), bytes: (await stat(path)).size };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const n = result.transactions.length;
console.log(
  JSON.stringify(
    {
      node: process.version,
      seed,
      options: result.options,
      transactions: n,
      frauds: countByScenario(result.transactions).slice(1).reduce((a, b) => a + b, 0),
      fraudRate: Number(fraudRate(result).toFixed(5)),
      byScenario: countByScenario(result.transactions),
      simulateMs,
      featurizeMs,
      featurizeNsPerRow: Math.round((featurizeMs * 1e6) / n),
      features: dataset.cols,
      split: { train: split.train.length, test: split.test.length, excludedTestRows: split.excludedTestRows, ms: splitMs },
      csv,
      rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    },
    null,
    2,
  ),
);
