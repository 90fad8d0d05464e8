/**
 * Turns a data source into the rows the training job needs: the dataset, a train/holdout split and
 * what the evaluation needs beyond labels (cards and days for the simulator).
 */
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { NotFoundError, UsageError } from '@riskstream/shared';
import { readCsvDataset } from '../data/csv-reader.ts';
import { featurizeOffline } from '../features/offline-featurizer.ts';
import { HANDBOOK_TRAIN_START, timeSplit } from '../features/time-split.ts';
import { dayIndex } from '@riskstream/shared/features';
import { simulate, type SimulationResult, type SimulationRng } from '../simulator/simulate.ts';
import { stratifiedHoldout } from '../split.ts';
import type { TrainingData } from './train-model.ts';

export interface CsvSourceOptions {
  readonly path: string;
  readonly target: string;
  /** Dropped from the features; defaults to `ID` when the file has such a column. */
  readonly idColumn?: string;
  /** Entity column: rows of one entity never straddle the split. */
  readonly groupColumn?: string;
  readonly testFraction?: number;
  readonly seed: number;
}

/** Any CSV with a 0/1 target column: stratified holdout (grouped when entities repeat). */
export async function csvTrainingData(o: CsvSourceOptions): Promise<TrainingData> {
  if (!existsSync(o.path)) throw new NotFoundError('csv', `no such file: ${o.path}`);
  const idColumn = o.idColumn ?? ((await hasColumn(o.path, 'ID')) ? 'ID' : undefined);
  const { dataset } = await readCsvDataset(o.path, {
    target: o.target,
    ...(idColumn ? { idColumn } : {}),
    ...(o.groupColumn ? { groupColumn: o.groupColumn } : {}),
  });
  const split = stratifiedHoldout(dataset.y, {
    testFraction: o.testFraction ?? 0.3,
    seed: o.seed,
    ...(dataset.group ? { group: dataset.group } : {}),
  });
  return {
    dataset,
    trainIndex: split.train,
    testIndex: split.test,
    grouped: dataset.group !== undefined,
    source: { kind: 'csv', file: basename(o.path), target: o.target, idColumn: idColumn ?? null, testFraction: o.testFraction ?? 0.3, seed: o.seed },
  };
}

async function hasColumn(path: string, column: string): Promise<boolean> {
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const header = buf.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
    return header.split(',').map((h) => h.trim().replace(/^"|"$/g, '')).includes(column);
  } finally {
    await fh.close();
  }
}

export interface SimulatedSourceOptions {
  readonly days?: number;
  readonly seed: number;
  /** Already simulated data (tests, drift experiments); otherwise simulated here. */
  readonly simulation?: SimulationResult;
  /**
   * First training day (`YYYY-MM-DD`). Default: the handbook's 2018-07-25, or the last three weeks of a
   * shorter simulation. The handbook's prequential folds start 2018-07-25, 08-01, 08-08 and 08-15.
   */
  readonly trainStart?: string;
  /** Simulator randomness (see simulate()); 'handbook' at seed 0 is the handbook's own dataset. */
  readonly rng?: SimulationRng;
}

/**
 * The handbook's protocol: features over the whole history (point-in-time), train on 7 days, skip a
 * 7-day label delay, test on the next 7 days without the cards known to be compromised by then.
 * With the full 183 days the training week starts on 2018-07-25 as in the handbook; shorter simulations
 * put the three weeks at the end, keeping as much history before them as possible.
 */
export function simulatedTrainingData(o: SimulatedSourceOptions): TrainingData & { readonly simulation: SimulationResult } {
  const days = o.days ?? 183;
  if (days < 21) throw new UsageError(`--days must be at least 21 (7 train + 7 delay + 7 test), got ${days}`);
  const sim = o.simulation ?? simulate({ nbDays: days, seed: o.seed, ...(o.rng ? { rng: o.rng } : {}) });
  const firstDay = dayIndex(sim.startTimeMs);
  const handbookStart = dayIndex(Date.parse(`${HANDBOOK_TRAIN_START}T00:00:00Z`));
  const lastDay = firstDay + sim.options.nbDays - 1;
  let trainStartDay = handbookStart + 21 - 1 <= lastDay ? handbookStart : lastDay - 21 + 1;
  if (o.trainStart !== undefined) {
    const ms = Date.parse(`${o.trainStart}T00:00:00Z`);
    const d = /^\d{4}-\d{2}-\d{2}$/.test(o.trainStart) && !Number.isNaN(ms) ? dayIndex(ms) : Number.NaN;
    if (!(d >= firstDay && d + 21 - 1 <= lastDay)) {
      throw new UsageError(
        `--train-start must be a YYYY-MM-DD day with 21 simulated days from it (${new Date(firstDay * 86_400_000).toISOString().slice(0, 10)}..${new Date((lastDay - 20) * 86_400_000).toISOString().slice(0, 10)}), got ${JSON.stringify(o.trainStart)}`,
      );
    }
    trainStartDay = d;
  }
  const dataset = featurizeOffline(sim.transactions);
  const split = timeSplit(sim.transactions, { trainStart: trainStartDay * 86_400_000 });
  const tx = sim.transactions;
  const day = new Int32Array(tx.length);
  for (let i = 0; i < tx.length; i++) day[i] = dayIndex(tx.eventTimeMs[i]!);
  return {
    dataset,
    trainIndex: split.train,
    testIndex: split.test,
    cards: { day, card: tx.customer },
    // dataset.group is the customer: the early-stopping split must not see a card on both sides.
    grouped: true,
    timeRange: eventTimeRange(tx.eventTimeMs, [split.train, split.test]),
    source: {
      kind: 'simulator',
      days: sim.options.nbDays,
      seed: sim.options.seed,
      rng: sim.options.rng,
      transactions: tx.length,
      trainStartDay: split.trainStartDay,
      testStartDay: split.testStartDay,
      excludedTestRows: split.excludedTestRows,
    },
    simulation: sim,
  };
}

function eventTimeRange(times: ArrayLike<number>, indexes: readonly Uint32Array[]): { from: string; to: string } {
  let from = Infinity;
  let to = -Infinity;
  for (const index of indexes) {
    for (const i of index) {
      from = Math.min(from, times[i]!);
      to = Math.max(to, times[i]!);
    }
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}
