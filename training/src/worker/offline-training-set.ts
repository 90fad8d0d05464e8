/**
 * Builds the retrain's training set from the offline store, point-in-time correct:
 *
 * - features are the ones SERVED for each transaction (archived from transactions.enriched.v1), not
 *   recomputed: the model learns from exactly what scoring will feed it, including the feature service's
 *   quirks (late events, missing terminals), so there is no training/serving skew to begin with;
 * - labels are those known at the window's cutoff (labelsKnownAt): a fraud reported after the cutoff does
 *   not exist for this training set, so re-running the same request later gives the same data;
 * - a transaction archived twice (the archiver is at-least-once) counts once: the first copy wins;
 * - rows are ordered by (event_time, transaction_id), independent of how the store laid out its files.
 *
 * Rows in the window's train range form trainIndex, rows in its holdout range testIndex. The per-row card
 * (customer) id is the group, so the early-stopping split never sees one card on both sides, and, with
 * the day, feeds card precision@100 as in the handbook.
 */
import { createDataset } from '../data/dataset.ts';
import { joinLabels, LABEL_UNKNOWN, labelsKnownAt, type OfflineStoreReader, type TransactionBatch } from '../data/offline-store.ts';
import type { TrainingData } from '../pipeline/train-model.ts';
import { DAY_MS, describeRange, type TrainingWindow } from './training-window.ts';

export type UnlabelledPolicy = 'genuine' | 'drop';

export interface OfflineTrainingSetOptions {
  readonly store: OfflineStoreReader;
  readonly window: TrainingWindow;
  /** The challenger's inputs, in model input order. */
  readonly featureNames: readonly string[];
  /** More features to keep for holdoutMatrix (e.g. the champion's, when they differ). */
  readonly extraFeatureNames?: readonly string[];
  readonly unlabelled: UnlabelledPolicy;
  /** Called after each batch read, with the transactions read so far. */
  readonly onProgress?: (transactionsRead: number) => void;
}

export interface TrainingSetStats {
  readonly transactionsRead: number;
  readonly duplicates: number;
  /** Transactions without a label known at the cutoff (dropped or counted genuine, per policy). */
  readonly unlabelled: number;
  readonly train: { readonly rows: number; readonly frauds: number };
  readonly holdout: { readonly rows: number; readonly frauds: number };
  /** Requested features with no value in any row read. */
  readonly missingFeatures: readonly string[];
}

export interface OfflineTrainingSet {
  readonly data: TrainingData;
  readonly stats: TrainingSetStats;
  /** Row-major float32 matrix of the holdout rows (data.testIndex order) over `names`; NaN = missing. */
  holdoutMatrix(names: readonly string[]): Float32Array;
}

/** Growable column; float32 for features (what the model reads), float64 for epoch-ms times. */
class Column<A extends Float32Array | Float64Array> {
  values: A;
  length = 0;
  readonly #make: (n: number) => A;
  constructor(make: (n: number) => A) {
    this.#make = make;
    this.values = make(1024);
  }
  push(v: number): void {
    if (this.length === this.values.length) {
      const next = this.#make(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length++] = v;
  }
}

export async function buildOfflineTrainingSet(o: OfflineTrainingSetOptions): Promise<OfflineTrainingSet> {
  const { window } = o;
  const names = [...new Set([...o.featureNames, ...(o.extraFeatureNames ?? [])])];
  const known = await labelsKnownAt(o.store.readLabels(window.read), window.cutoff);

  const ids: string[] = [];
  // Epoch ms need float64: float32 would round them to about two minutes.
  const eventTime = new Column((n) => new Float64Array(n));
  const amount = new Column((n) => new Float64Array(n));
  const cardIds = new Map<string, number>();
  const card: number[] = [];
  const label: number[] = [];
  const columns = new Map(names.map((n) => [n, new Column((k) => new Float32Array(k))]));
  const present = new Set<string>();
  const seen = new Set<string>();
  let read = 0;
  let duplicates = 0;
  let unlabelled = 0;

  for await (const batch of o.store.readTransactions(window.read)) {
    const labels = joinLabels(batch, known);
    const featureCols = names.map((n) => batch.features?.[n]);
    for (let i = 0; i < batch.length; i++) {
      read++;
      const id = batch.transaction_id[i]!;
      if (seen.has(id)) {
        duplicates++;
        continue;
      }
      seen.add(id);
      let y = labels[i]!;
      if (y === LABEL_UNKNOWN) {
        unlabelled++;
        if (o.unlabelled === 'drop') continue;
        y = 0;
      }
      ids.push(id);
      eventTime.push(batch.event_time[i]!);
      amount.push(batch.amount[i]!);
      label.push(y);
      card.push(cardIndex(cardIds, batch, i));
      names.forEach((n, j) => {
        const v = featureCols[j]?.[i] ?? Number.NaN;
        if (!Number.isNaN(v)) present.add(n);
        columns.get(n)!.push(v);
      });
    }
    o.onProgress?.(read);
  }

  const rows = ids.length;
  const order = Array.from({ length: rows }, (_, i) => i);
  const t = eventTime.values;
  order.sort((a, b) => t[a]! - t[b]! || (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));

  const holdoutFrom = window.holdout.from.getTime();
  const y = new Uint8Array(rows);
  const amounts = new Float64Array(rows);
  const group = new Int32Array(rows);
  const day = new Int32Array(rows);
  const train: number[] = [];
  const test: number[] = [];
  let trainFrauds = 0;
  let holdoutFrauds = 0;
  order.forEach((src, r) => {
    y[r] = label[src]!;
    amounts[r] = amount.values[src]!;
    group[r] = card[src]!;
    day[r] = Math.floor(t[src]! / DAY_MS);
    if (t[src]! < holdoutFrom) {
      train.push(r);
      trainFrauds += y[r]!;
    } else {
      test.push(r);
      holdoutFrauds += y[r]!;
    }
  });
  const matrix = (featureNames: readonly string[], rowsOf: readonly number[]): Float32Array => {
    const cols = featureNames.map((n) => columns.get(n)?.values);
    const x = new Float32Array(rowsOf.length * featureNames.length);
    rowsOf.forEach((r, k) => {
      const src = order[r]!;
      cols.forEach((c, j) => {
        x[k * featureNames.length + j] = c ? c[src]! : Number.NaN;
      });
    });
    return x;
  };
  const allRows = order.map((_, r) => r);
  const dataset = createDataset({ featureNames: o.featureNames, x: matrix(o.featureNames, allRows), y, group });
  const stats: TrainingSetStats = {
    transactionsRead: read,
    duplicates,
    unlabelled,
    train: { rows: train.length, frauds: trainFrauds },
    holdout: { rows: test.length, frauds: holdoutFrauds },
    missingFeatures: names.filter((n) => !present.has(n)),
  };
  return {
    data: {
      dataset,
      trainIndex: Uint32Array.from(train),
      testIndex: Uint32Array.from(test),
      cards: { day, card: group },
      amounts,
      grouped: true,
      source: {
        kind: 'offline-store',
        train: describeRange(window.train),
        // Machine-readable end of the training rows: a later retrain keeps its holdout after it.
        trainedUntilMs: window.holdout.from.getTime(),
        holdout: describeRange(window.holdout),
        labelCutoff: window.cutoff.toISOString(),
        unlabelledPolicy: o.unlabelled,
        transactionsRead: read,
        duplicates,
        unlabelled,
        rows: { train: train.length, holdout: test.length },
        frauds: { train: trainFrauds, holdout: holdoutFrauds },
      },
    },
    stats,
    holdoutMatrix: (featureNames) => matrix(featureNames, test),
  };
}

function cardIndex(cardIds: Map<string, number>, batch: TransactionBatch, i: number): number {
  const token = batch.card_token[i]!;
  let id = cardIds.get(token);
  if (id === undefined) cardIds.set(token, (id = cardIds.size));
  return id;
}

export interface SufficiencyMinimums {
  readonly minTrainFrauds: number;
  readonly minHoldoutFrauds: number;
}

/**
 * Why the set cannot give a trustworthy challenger, as readable reasons for the REJECTED event; empty
 * when it can. Checked before training: a model fitted on a dozen frauds, or judged on a holdout with
 * three, would pass or fail the gate by luck.
 */
export function sufficiencyProblems(set: OfflineTrainingSet, min: SufficiencyMinimums, window: TrainingWindow): string[] {
  const s = set.stats;
  const problems: string[] = [];
  const count = (n: number) => n.toLocaleString('en-US');
  if (s.train.frauds < min.minTrainFrauds) {
    problems.push(`only ${count(s.train.frauds)} frauds among ${count(s.train.rows)} transactions in the training range ${describeRange(window.train)} (need ${min.minTrainFrauds})`);
  }
  if (s.holdout.frauds < min.minHoldoutFrauds) {
    problems.push(`only ${count(s.holdout.frauds)} frauds among ${count(s.holdout.rows)} transactions in the holdout ${describeRange(window.holdout)} (need ${min.minHoldoutFrauds})`);
  }
  if (s.train.rows > 0 && s.train.frauds === s.train.rows) problems.push('no genuine transactions in the training range');
  if (s.holdout.rows > 0 && s.holdout.frauds === s.holdout.rows) problems.push('no genuine transactions in the holdout');
  const rowsRead = s.train.rows + s.holdout.rows;
  if (rowsRead > 0) {
    for (const f of s.missingFeatures) {
      problems.push(`feature ${f} has no value in any of the ${count(rowsRead)} transactions read from the offline store (are the served features archived?)`);
    }
  }
  return problems;
}
