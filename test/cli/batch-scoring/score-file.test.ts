import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '@riskstream/shared';
import { FEATURE_NAMES } from '@riskstream/shared/features';
import { decide } from '@riskstream/scoring';
import { featurizeOffline, transactionsInOrder } from '@riskstream/training';
import { parseModelRef } from '../../../cli/src/batch-scoring/model-ref.ts';
import { scoreFile, type BadRow, type ScoreFileOptions } from '../../../cli/src/batch-scoring/score-file.ts';
import { openTableReader } from '../../../cli/src/batch-scoring/table-reader.ts';
import { openTableWriter } from '../../../cli/src/batch-scoring/table-writer.ts';
import { INGEST_RULES, simulatedCsv, tempDir, testRegistry, THRESHOLDS, type TestRegistry } from './batch-scoring-fixtures.ts';

interface OutputRow {
  readonly id: string | number;
  readonly score: number;
  readonly decision: string;
  readonly reasons: readonly { feature: string; contribution: number }[];
  readonly model_name: string;
  readonly model_version: number;
}

/** An output table in any format, as typed rows (CSV and Parquet carry reasons as JSON text). */
async function readScores(path: string): Promise<{ columns: readonly string[]; rows: OutputRow[] }> {
  const reader = await openTableReader(path);
  const rows: OutputRow[] = [];
  try {
    for await (const batch of reader.batches(1000)) {
      for (const { values: v } of batch) {
        const reasons = typeof v!['reasons'] === 'string' ? JSON.parse(v!['reasons']) : v!['reasons'];
        const id = v!['transaction_id'] ?? Number(v!['row']);
        rows.push({ id: id as string | number, score: Number(v!['score']), decision: v!['decision'] as string, reasons, model_name: v!['model_name'] as string, model_version: Number(v!['model_version']) });
      }
    }
    return { columns: reader.columns, rows };
  } finally {
    reader.close();
  }
}

function options(registry: TestRegistry, input: string, output: string, more: Partial<ScoreFileOptions> = {}): ScoreFileOptions {
  return { input, output, source: registry.source, model: parseModelRef('fraud'), rules: INGEST_RULES, ...more };
}

test('raw transactions: every row scored in input order, decisions by the champion\'s thresholds, top-3 reasons', async (t) => {
  const registry = await testRegistry(t);
  const dir = await tempDir(t);
  const { path, sim } = await simulatedCsv(dir);
  const out = join(dir, 'scores.csv');
  const summary = await scoreFile(options(registry, path, out));
  const { columns, rows } = await readScores(out);
  assert.deepEqual(columns, ['transaction_id', 'score', 'decision', 'reasons', 'model_name', 'model_version']);
  const ids = [...transactionsInOrder(sim)].map((tx) => tx.transaction_id);
  assert.deepEqual(rows.map((r) => r.id), ids);
  assert.equal(summary.inputKind, 'raw');
  assert.deepEqual({ rows: summary.rows, scored: summary.scored, badRows: summary.badRows }, { rows: ids.length, scored: ids.length, badRows: 0 });
  assert.deepEqual(summary.model, { name: 'fraud', version: 1 });
  for (const r of rows) {
    assert.equal(r.decision, decide(r.score, THRESHOLDS));
    assert.equal(r.reasons.length, 3);
    assert.deepEqual([r.model_name, r.model_version], ['fraud', 1]);
  }
  for (const d of ['APPROVE', 'REVIEW', 'DECLINE'] as const) {
    assert.equal(summary.decisions[d], rows.filter((r) => r.decision === d).length);
    assert.ok(summary.decisions[d] > 0, `some ${d}: ${JSON.stringify(summary.decisions)}`);
  }
  assert.ok(!(await readFile(out, 'utf8')).includes(sim.customers.cardNumber[0]!), 'no card number in the output');
});

test('the same transactions as raw rows and as feature rows score the same', async (t) => {
  const registry = await testRegistry(t);
  const dir = await tempDir(t);
  const { path, sim } = await simulatedCsv(dir);
  // The simulator gives every customer one card, so customer windows are card windows here.
  const dataset = featurizeOffline(sim.transactions);
  const ids = [...transactionsInOrder(sim)].map((tx) => tx.transaction_id);
  const features = join(dir, 'features.parquet');
  const writer = await openTableWriter(features, [
    { name: 'transaction_id', type: 'VARCHAR', nullable: false, description: '' },
    ...FEATURE_NAMES.map((name) => ({ name, type: 'DOUBLE' as const, nullable: true, description: '' })),
  ]);
  await writer.write(ids.map((id, i) => [id, ...Array.from(dataset.x.subarray(i * FEATURE_NAMES.length, (i + 1) * FEATURE_NAMES.length))]));
  await writer.finish();

  const fromRaw = join(dir, 'raw-scores.jsonl');
  const fromFeatures = join(dir, 'feature-scores.jsonl');
  assert.equal((await scoreFile(options(registry, path, fromRaw))).inputKind, 'raw');
  assert.equal((await scoreFile(options(registry, features, fromFeatures))).inputKind, 'features');
  assert.deepEqual((await readScores(fromFeatures)).rows, (await readScores(fromRaw)).rows);
});

test('CSV, JSON lines and Parquet in and out give the same scores', async (t) => {
  const registry = await testRegistry(t);
  const dir = await tempDir(t);
  const { path: csv, sim } = await simulatedCsv(dir, 6);
  const raw = [...transactionsInOrder(sim)];
  const jsonl = join(dir, 'tx.jsonl');
  await writeFile(jsonl, raw.map((tx) => JSON.stringify(tx)).join('\n'));
  const parquet = join(dir, 'tx.parquet');
  const text = (name: string) => ({ name, type: 'VARCHAR' as const, nullable: true, description: '' });
  const writer = await openTableWriter(parquet, [
    text('transaction_id'), text('card_number'), text('customer_id'), text('terminal_id'),
    { name: 'amount', type: 'DOUBLE', nullable: false, description: '' }, text('currency'), text('channel'),
    { name: 'event_time', type: 'BIGINT', nullable: false, description: '' }, { name: 'is_fraud', type: 'BOOLEAN', nullable: false, description: '' },
  ]);
  await writer.write(raw.map((tx) => [tx.transaction_id, tx.card_number, tx.customer_id, tx.terminal_id, tx.amount, tx.currency, tx.channel, tx.event_time, tx.is_fraud]));
  await writer.finish();

  const reference = (await readScores(await scored(csv, 'csv'))).rows;
  assert.equal(reference.length, raw.length);
  for (const [input, ext] of [[csv, 'jsonl'], [csv, 'parquet'], [jsonl, 'csv'], [parquet, 'jsonl']] as const) {
    assert.deepEqual((await readScores(await scored(input, ext))).rows, reference, `${input} -> ${ext}`);
  }

  async function scored(input: string, ext: string): Promise<string> {
    const out = join(dir, `out-${ext}-from-${input.split('.').pop()}.${ext}`);
    await scoreFile(options(registry, input, out));
    return out;
  }
});

/** The simulator CSV with bad rows spliced in after data line `at` (1-based, header excluded). */
async function withBadRows(path: string, bad: readonly (readonly [number, (cells: string[]) => string])[]): Promise<void> {
  const [header, ...lines] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  const out = [header!];
  lines.forEach((line, i) => {
    out.push(line);
    for (const [at, make] of bad) if (at === i + 1) out.push(make(line.split(',')));
  });
  await writeFile(path, `${out.join('\n')}\n`);
}

// Simulator columns: transaction_id,tx_datetime,event_time,customer_id,terminal_id,card_number,amount,currency,channel,...,is_fraud,fraud_scenario
const set = (cells: string[], changes: Record<number, string>) => cells.map((c, j) => changes[j] ?? c).join(',');

test('bad rows are skipped and reported with their line, without quoting card numbers; --strict stops at the first', async (t) => {
  const registry = await testRegistry(t);
  const dir = await tempDir(t);
  const { path, sim } = await simulatedCsv(dir, 4);
  await withBadRows(path, [
    [2, (c) => set(c, { 0: 'bad-amount', 6: 'abc' })],
    [4, (c) => set(c, { 0: 'bad-card', 5: '4000000000000001' })],
    [6, () => 'only,three,fields'],
    [8, (c) => c.join(',')], // the row before, again: a duplicate transaction_id
    [10, (c) => set(c, { 0: 'bad-label', 11: 'maybe' })],
    [12, (c) => set(c, { 0: 'bad-time', 2: '' })],
  ]);
  const bad: BadRow[] = [];
  const out = join(dir, 'scores.csv');
  const summary = await scoreFile(options(registry, path, out, { onBadRow: (b) => bad.push(b) }));
  assert.deepEqual(bad, [
    { at: 'line 4', problem: 'amount must be a number' },
    { at: 'line 7', problem: 'card_number must be 12-19 digits with a valid Luhn check digit' },
    { at: 'line 10', problem: 'has 3 fields, the header has 13' },
    { at: 'line 13', problem: `transaction_id repeats the one on line 12` },
    { at: 'line 16', problem: 'is_fraud must be 0, 1, true or false' },
    { at: 'line 19', problem: 'event_time is required' },
  ]);
  assert.deepEqual([summary.rows, summary.scored, summary.badRows], [sim.transactions.length + 6, sim.transactions.length, 6]);
  assert.equal((await readScores(out)).rows.length, sim.transactions.length);

  const strictOut = join(dir, 'strict.csv');
  await assert.rejects(
    scoreFile(options(registry, path, strictOut, { strict: true })),
    (err: unknown) => err instanceof ValidationError && err.reason === 'ROW_INVALID' && err.message === 'ROW_INVALID: line 4 amount must be a number',
  );
  assert.equal(existsSync(strictOut), false, 'a strict run that stopped writes nothing');
});

test('feature rows: non-numbers are bad rows, empty cells are missing values, rows without ids are numbered', async (t) => {
  const registry = await testRegistry(t);
  const dir = await tempDir(t);
  const input = join(dir, 'features.csv');
  const row = (amount: string) => FEATURE_NAMES.map((n) => (n === 'TX_AMOUNT' ? amount : n.startsWith('TERMINAL') ? '' : '1')).join(',');
  await writeFile(input, `${FEATURE_NAMES.join(',')}\n${row('10')}\n${row('ten')}\n${row('250.5')}\n`);
  const bad: BadRow[] = [];
  const out = join(dir, 'scores.jsonl');
  const summary = await scoreFile(options(registry, input, out, { onBadRow: (b) => bad.push(b) }));
  assert.deepEqual(bad, [{ at: 'line 3', problem: 'TX_AMOUNT is not a number' }]);
  const { columns, rows } = await readScores(out);
  assert.equal(columns[0], 'row');
  assert.deepEqual(rows.map((r) => r.id), [1, 3]);
  assert.deepEqual([summary.inputKind, summary.rows, summary.scored], ['features', 3, 2]);
});

test('model selection: the champion by default, a version, or the challenger with its own thresholds', async (t) => {
  const registry = await testRegistry(t);
  const dir = await tempDir(t);
  const { path } = await simulatedCsv(dir, 3);
  const byRef = async (ref: string) => {
    const out = join(dir, `scores-${ref.replace('@', '-')}.jsonl`);
    const summary = await scoreFile(options(registry, path, out, { model: parseModelRef(ref) }));
    return { summary, rows: (await readScores(out)).rows };
  };
  const champion = await byRef('fraud');
  const v1 = await byRef('fraud@1');
  const challenger = await byRef('fraud@challenger');
  const v2 = await byRef('fraud@2');
  assert.deepEqual(v1.rows, champion.rows);
  assert.deepEqual(challenger.rows, v2.rows);
  assert.deepEqual(challenger.summary.model, { name: 'fraud', version: 2 });
  assert.ok(challenger.rows.every((r) => r.model_version === 2 && r.decision === decide(r.score, { review: 0.5, decline: 0.9 })));
  assert.notDeepEqual(challenger.rows.map((r) => r.score), champion.rows.map((r) => r.score));
});
