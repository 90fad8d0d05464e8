import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlOfflineStore } from '../../../training/src/data/offline-store.ts';
import { buildOfflineTrainingSet, sufficiencyProblems } from '../../../training/src/worker/offline-training-set.ts';
import { trainingWindow } from '../../../training/src/worker/training-window.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2025-03-01T00:00:00.000Z');
// cutoff T0+10d; train [T0, T0+5d), holdout [T0+5d, T0+8d), label delay [T0+8d, T0+10d) not read.
const WINDOW = trainingWindow(T0 + 10 * DAY, T0 + 30 * DAY, { windowDays: 10, holdoutDays: 3, labelDelayDays: 2 });

function tx(id: string, t: number, features: Record<string, number | null> | undefined): Record<string, unknown> {
  // The amount tells the rows apart (the value gate reads it per row).
  return { transaction_id: id, event_time: t, card_token: `card-${id.slice(0, 1)}`, terminal_id: 't1', amount: 10 + id.charCodeAt(0) - 97, currency: 'EUR', channel: 'pos', ...(features ? { features } : {}) };
}

function label(id: string, t: number, fraud: boolean, labelledAt: number): Record<string, unknown> {
  return { transaction_id: id, terminal_id: 't1', event_time: t, is_fraud: fraud, labelled_at: labelledAt };
}

async function write(root: string, table: string, t: number, file: string, records: readonly unknown[]): Promise<void> {
  const dir = join(root, table, `event_date=${new Date(t).toISOString().slice(0, 10)}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, file), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

async function store(t: { after: (fn: () => Promise<void>) => void }): Promise<JsonlOfflineStore> {
  const root = await mkdtemp(join(tmpdir(), 'trainer-set-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const a = T0 + 3_600_000;
  const b = T0 + DAY + 1000;
  const h = T0 + DAY + 500;
  const c = T0 + 2 * DAY;
  const d = T0 + 5.5 * DAY;
  const e = T0 + 6 * DAY;
  const f = T0 + 8.5 * DAY;
  await write(root, 'transactions', a, 'part-0.jsonl', [tx('a1', a, { F1: 1, F2: 2 })]);
  await write(root, 'transactions', a, 'part-1.jsonl', [tx('a1', a, { F1: 99, F2: 99 })]); // archived twice
  await write(root, 'transactions', b, 'part-0.jsonl', [tx('b1', b, { F2: 5 }), tx('h1', h, undefined)]);
  await write(root, 'transactions', c, 'part-0.jsonl', [tx('c1', c, { F1: null, F2: 7 })]);
  await write(root, 'transactions', d, 'part-0.jsonl', [tx('d1', d, { F1: 8, F2: 9 })]);
  await write(root, 'transactions', e, 'part-0.jsonl', [tx('e1', e, { F1: 10, F2: 11 })]);
  await write(root, 'transactions', f, 'part-0.jsonl', [tx('f1', f, { F1: 12, F2: 13 })]);
  await write(root, 'labels', a, 'part-0.jsonl', [label('a1', a, true, T0 + DAY)]);
  // b1's fraud is reported only after the cutoff: for this training set it does not exist.
  await write(root, 'labels', b, 'part-0.jsonl', [label('b1', b, true, T0 + 12 * DAY), label('h1', h, false, T0 + 2 * DAY)]);
  // c1 was first marked genuine, then corrected to fraud before the cutoff: the correction counts.
  await write(root, 'labels', c, 'part-0.jsonl', [label('c1', c, false, T0 + 3 * DAY), label('c1', c, true, T0 + 9 * DAY)]);
  await write(root, 'labels', d, 'part-0.jsonl', [label('d1', d, true, T0 + 9.5 * DAY)]);
  await write(root, 'labels', e, 'part-0.jsonl', [label('e1', e, false, T0 + 7 * DAY)]);
  await write(root, 'labels', f, 'part-0.jsonl', [label('f1', f, true, T0 + 9 * DAY)]);
  return new JsonlOfflineStore(root);
}

test('labels are those known at the cutoff: a fraud reported after it counts as genuine, a correction before it counts', async (t) => {
  const set = await buildOfflineTrainingSet({ store: await store(t), window: WINDOW, featureNames: ['F1', 'F2'], unlabelled: 'genuine' });
  const { dataset, trainIndex, testIndex } = set.data;
  // Rows in event-time order: a1, h1, b1, c1 | d1, e1. f1 sits in the label delay and is not read.
  assert.equal(dataset.rows, 6);
  assert.deepEqual([...dataset.y], [1, 0, 0, 1, 1, 0]);
  assert.deepEqual([...trainIndex], [0, 1, 2, 3]);
  assert.deepEqual([...testIndex], [4, 5]);
  assert.deepEqual(set.stats.train, { rows: 4, frauds: 2 });
  assert.deepEqual(set.stats.holdout, { rows: 2, frauds: 1 });
  assert.equal(set.stats.unlabelled, 1, 'b1 has no label known at the cutoff');
  assert.equal(set.stats.duplicates, 1, 'a1 was archived twice; the first copy wins');
  assert.equal(set.data.grouped, true);
});

test('unlabelled transactions can be dropped instead of counted genuine', async (t) => {
  const set = await buildOfflineTrainingSet({ store: await store(t), window: WINDOW, featureNames: ['F1', 'F2'], unlabelled: 'drop' });
  assert.equal(set.data.dataset.rows, 5);
  assert.deepEqual([...set.data.dataset.y], [1, 0, 1, 1, 0]);
});

test('features are the served ones, NaN where missing; the holdout matrix follows any feature order', async (t) => {
  const set = await buildOfflineTrainingSet({ store: await store(t), window: WINDOW, featureNames: ['F1', 'F2'], extraFeatureNames: ['F3'], unlabelled: 'genuine' });
  const x = [...set.data.dataset.x];
  // a1 (first copy), h1 (no features at all), b1 (F1 absent), c1 (F1 null), d1, e1
  assert.deepEqual(x, [1, 2, NaN, NaN, NaN, 5, NaN, 7, 8, 9, 10, 11]);
  assert.deepEqual([...set.holdoutMatrix(['F2', 'F1'])], [9, 8, 11, 10]);
  assert.deepEqual([...set.holdoutMatrix(['F3'])], [NaN, NaN]);
  assert.deepEqual(set.stats.missingFeatures, ['F3']);
  const src = set.data.source as Record<string, unknown>;
  assert.equal(src['labelCutoff'], new Date(T0 + 10 * DAY).toISOString());
  assert.equal(src['kind'], 'offline-store');
});

test('too few frauds, a one-class holdout or a feature never archived are readable rejection reasons', async (t) => {
  const set = await buildOfflineTrainingSet({ store: await store(t), window: WINDOW, featureNames: ['F1', 'F2'], extraFeatureNames: ['F3'], unlabelled: 'genuine' });
  const reasons = sufficiencyProblems(set, { minTrainFrauds: 5, minHoldoutFrauds: 2 }, WINDOW);
  assert.deepEqual(reasons, [
    'only 2 frauds among 4 transactions in the training range [2025-03-01T00:00:00.000Z, 2025-03-06T00:00:00.000Z) (need 5)',
    'only 1 frauds among 2 transactions in the holdout [2025-03-06T00:00:00.000Z, 2025-03-09T00:00:00.000Z) (need 2)',
    'feature F3 has no value in any of the 6 transactions read from the offline store (are the served features archived?)',
  ]);
  assert.deepEqual(sufficiencyProblems(set, { minTrainFrauds: 2, minHoldoutFrauds: 1 }, { ...WINDOW }).filter((r) => !r.startsWith('feature')), []);
});

test('an empty range gives an empty set and a rejection, not an error', async (t) => {
  const empty = trainingWindow(T0 - 100 * DAY, T0, { windowDays: 10, holdoutDays: 3, labelDelayDays: 2 });
  const set = await buildOfflineTrainingSet({ store: await store(t), window: empty, featureNames: ['F1'], unlabelled: 'genuine' });
  assert.equal(set.data.dataset.rows, 0);
  const reasons = sufficiencyProblems(set, { minTrainFrauds: 1, minHoldoutFrauds: 1 }, empty);
  assert.equal(reasons.length, 2);
  assert.match(reasons[0]!, /^only 0 frauds among 0 transactions in the training range/);
});

test('the transaction amount of every row is kept (currency units, in row order) for the value gate', async (t) => {
  const set = await buildOfflineTrainingSet({ store: await store(t), window: WINDOW, featureNames: ['F1', 'F2'], unlabelled: 'genuine' });
  // Rows in event-time order: a1, h1, b1, c1 | d1, e1.
  assert.deepEqual([...set.data.amounts!], [10, 17, 11, 12, 13, 14]);
});
