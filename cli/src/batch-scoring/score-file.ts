/**
 * `riskstream score` as a library call: one input table in, one table of scores out.
 *
 * Feature input streams: read 1,024 rows, score them, write them, repeat. Raw transactions are read
 * whole first (see raw-transactions.ts for why), featurised, then scored and written 1,024 at a time.
 * Bad rows are skipped and reported with where they are, or, with `strict`, stop the run at the first
 * one (ValidationError ROW_INVALID) and leave no output file behind.
 */
import { ValidationError } from '@riskstream/shared';
import type { ModelSource } from '@riskstream/shared/model';
import type { ValidationRules } from '@riskstream/ingest';
import { DECISIONS, type Decision } from '@riskstream/scoring';
import { BatchScorer, SCORING_BATCH, type ScoringInput } from './batch-scorer.ts';
import { GivenFeatures, transactionIdOf } from './given-features.ts';
import { detectInputKind, type InputKind } from './input-kind.ts';
import type { ModelRef } from './model-ref.ts';
import { RawTransactions, uncomputableFeatures } from './raw-transactions.ts';
import { scoreColumns, scoreRecord, type IdColumn } from './score-output.ts';
import { openTableReader, type TableReader } from './table-reader.ts';
import { openTableWriter, type TableRecord, type TableWriter } from './table-writer.ts';

export interface BadRow {
  /** e.g. "line 17" or "row 17". */
  readonly at: string;
  readonly problem: string;
}

export interface ScoreFileOptions {
  readonly input: string;
  readonly output: string;
  readonly source: ModelSource;
  readonly model: ModelRef;
  /** Stop at the first bad row (ValidationError ROW_INVALID) instead of skipping it. */
  readonly strict?: boolean;
  /** Ingest's validation rules, for raw transactions. */
  readonly rules: ValidationRules;
  /** Ingest's clock for the future check; default now. */
  readonly nowMs?: number;
  readonly batchSize?: number;
  readonly progress?: (stage: string, done: number, total: number) => void;
  readonly onBadRow?: (bad: BadRow) => void;
}

export interface ScoreSummary {
  readonly inputKind: InputKind;
  readonly model: { readonly name: string; readonly version: number };
  /** Data rows read. */
  readonly rows: number;
  readonly scored: number;
  readonly badRows: number;
  readonly decisions: Readonly<Record<Decision, number>>;
  readonly seconds: number;
  /** Input rows per second over the whole run after the model loaded (reading, features, scoring, writing). */
  readonly rowsPerSecond: number;
  readonly outputBytes: number;
}

/** What the two input paths share while they run. */
interface Run {
  readonly options: ScoreFileOptions;
  readonly reader: TableReader;
  readonly scorer: BatchScorer;
  readonly writer: TableWriter;
  readonly batchSize: number;
  readonly total: number;
  readonly decisions: Record<Decision, number>;
  rows: number;
  scored: number;
  badRows: number;
}

export async function scoreFile(options: ScoreFileOptions): Promise<ScoreSummary> {
  const scorer = await BatchScorer.load(options.source, options.model);
  let reader: TableReader | undefined;
  let writer: TableWriter | undefined;
  try {
    reader = await openTableReader(options.input);
    const kind = detectInputKind(options.input, reader.columns, scorer.featureNames);
    if (kind === 'raw') checkComputable(scorer);
    const started = performance.now();
    const idColumn: IdColumn = kind === 'raw' || reader.columns.includes('transaction_id') ? 'transaction_id' : 'row';
    writer = await openTableWriter(options.output, scoreColumns(idColumn));
    const total = options.progress ? await reader.countRows() : 0;
    const run: Run = { options, reader, scorer, writer, batchSize: options.batchSize ?? SCORING_BATCH, total, decisions: tally(), rows: 0, scored: 0, badRows: 0 };
    await (kind === 'raw' ? scoreRawTransactions(run) : scoreGivenFeatures(run, idColumn));
    const written = await writer.finish();
    writer = undefined;
    const seconds = (performance.now() - started) / 1000;
    const { rows, scored, badRows, decisions } = run;
    const model = { name: scorer.model.name, version: scorer.model.version };
    return { inputKind: kind, model, rows, scored, badRows, decisions, seconds, rowsPerSecond: rows / seconds, outputBytes: written.bytes };
  } finally {
    await writer?.abort();
    reader?.close();
    await scorer.release();
  }
}

function tally(): Record<Decision, number> {
  return Object.fromEntries(DECISIONS.map((d) => [d, 0])) as Record<Decision, number>;
}

function checkComputable(scorer: BatchScorer): void {
  const missing = uncomputableFeatures(scorer.featureNames);
  if (missing.length === 0) return;
  const label = `${scorer.model.name}@${scorer.model.version}`;
  throw new ValidationError('INPUT_COLUMNS_INVALID', [{ path: label, problem: `reads features the featuriser does not compute (${missing.join(', ')}); give a table with them` }]);
}

function badRow(run: Run, at: number, problem: string): void {
  const bad = { at: `${run.reader.unit} ${at}`, problem };
  if (run.options.strict) throw new ValidationError('ROW_INVALID', [{ path: bad.at, problem }]);
  run.badRows++;
  run.options.onBadRow?.(bad);
}

/** Scores `inputs` and writes the valid scores, ids from `idOf`; `atOf` places a row the model fails on. */
async function scoreAndWrite(run: Run, inputs: readonly ScoringInput[], idOf: (i: number) => string | number, atOf: (i: number) => number): Promise<void> {
  if (inputs.length === 0) return;
  const { scored, invalid } = await run.scorer.score(inputs);
  for (const r of invalid) badRow(run, atOf(r.index), r.problem);
  const model = run.scorer.model;
  const records: TableRecord[] = scored.map((s) => {
    run.decisions[s.decision]++;
    return scoreRecord(idOf(s.index), s, model);
  });
  run.scored += records.length;
  await run.writer.write(records);
}

async function scoreGivenFeatures(run: Run, idColumn: IdColumn): Promise<void> {
  const given = new GivenFeatures(run.scorer.featureNames);
  const wanted = idColumn === 'transaction_id' ? [...run.scorer.featureNames, 'transaction_id'] : run.scorer.featureNames;
  for await (const batch of run.reader.batches(run.batchSize, wanted)) {
    const inputs: ScoringInput[] = [];
    const ids: (string | number)[] = [];
    const at: number[] = [];
    for (const row of batch) {
      run.rows++;
      const id = idColumn === 'transaction_id' ? transactionIdOf(row) : row.row;
      const input = id === undefined ? 'transaction_id is empty' : given.parse(row);
      if (typeof input === 'string') {
        badRow(run, row.at, input);
        continue;
      }
      inputs.push(input);
      ids.push(id!);
      at.push(row.at);
    }
    await scoreAndWrite(run, inputs, (i) => ids[i]!, (i) => at[i]!);
    run.options.progress?.('score', run.rows, Math.max(run.total, run.rows));
  }
}

async function scoreRawTransactions(run: Run): Promise<void> {
  const { reader, options, batchSize } = run;
  const raw = new RawTransactions({ rules: options.rules, nowMs: options.nowMs ?? Date.now(), typed: reader.typed, unit: reader.unit });
  for await (const batch of reader.batches(batchSize)) {
    for (const row of batch) {
      run.rows++;
      const problem = raw.add(row);
      if (problem !== undefined) badRow(run, row.at, problem);
    }
    options.progress?.('read', run.rows, Math.max(run.total, run.rows));
  }
  options.progress?.('features', 0, raw.length);
  const tx = raw.featurize();
  options.progress?.('features', tx.length, tx.length);
  for (let from = 0; from < tx.length; from += batchSize) {
    const count = Math.min(batchSize, tx.length - from);
    const inputs = Array.from({ length: count }, (_, k) => ({ features: tx.features(from + k) }));
    await scoreAndWrite(run, inputs, (i) => tx.transactionIds[from + i]!, (i) => tx.at[from + i]!);
    options.progress?.('score', from + count, tx.length);
  }
}
