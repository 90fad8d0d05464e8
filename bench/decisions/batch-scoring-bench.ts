/**
 * Batch scoring throughput (`riskstream score`), in two parts:
 *
 *  1. The scorer on feature input (features given, not computed): rows as a reader yields them ->
 *     feature values -> the scoring service's scoreBatch (explained graph: scores and reasons) -> decision
 *     -> output records, at the command's batch of 1,024, against a bare onnxruntime-node session.run of
 *     the same model on prebuilt tensors of the same rows, same batch, same thread settings. ROUNDS
 *     rounds, the two alternating batch by batch within each (the machine is shared, so load drifts);
 *     the ratio is the median of the per-round ratios, with the spread of those rounds.
 *  2. Whole files through scoreFile (reading, features when raw, scoring, writing): raw transactions
 *     (features computed from the file's history) and the same rows as feature tables.
 *
 *   node bench/decisions/batch-scoring-bench.ts [--source DIR|URL] [--model NAME] [--rounds 5]
 *                                               [--seconds 10] [--days 14]
 * The model is the registry's champion (e.g. registered by `riskstream train`). Prints one JSON object.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { max, median, min } from 'simple-statistics';
import { FEATURE_COUNT, FEATURE_NAMES } from '@riskstream/shared/features';
import { createModelSource } from '@riskstream/shared/model';
import { featurizeOffline, simulate, transactionsInOrder, writeCsv } from '@riskstream/training';
import { BatchScorer, SCORING_BATCH, type ScoringInput } from '../../cli/src/batch-scoring/batch-scorer.ts';
import { GivenFeatures } from '../../cli/src/batch-scoring/given-features.ts';
import { parseModelRef } from '../../cli/src/batch-scoring/model-ref.ts';
import { scoreFile } from '../../cli/src/batch-scoring/score-file.ts';
import { scoreRecord } from '../../cli/src/batch-scoring/score-output.ts';
import type { TableRow } from '../../cli/src/batch-scoring/table-reader.ts';
import { openTableWriter } from '../../cli/src/batch-scoring/table-writer.ts';

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: process.env['MODEL_SOURCE'] ?? '.riskstream/registry' },
    model: { type: 'string', default: 'fraud' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '10' },
    days: { type: 'string', default: '14' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const source = createModelSource(values.source!);
const ref = parseModelRef(values.model!);
const scorer = await BatchScorer.load(source, ref);
const model = scorer.model;
const names = model.featureNames;

// The simulator's default population over a couple of weeks: realistic feature values, ~10^5 rows.
const sim = simulate({ nbDays: Number(values.days), seed: 3 });
const dataset = featurizeOffline(sim.transactions);
const ids = [...transactionsInOrder(sim)].map((tx) => tx.transaction_id);
const batches = Math.floor(ids.length / SCORING_BATCH);

/** Rows as the JSON lines / Parquet readers yield them: an object of typed values per row. */
function tableRows(k: number): TableRow[] {
  return Array.from({ length: SCORING_BATCH }, (_, r) => {
    const i = k * SCORING_BATCH + r;
    const values: Record<string, unknown> = { transaction_id: ids[i] };
    for (let j = 0; j < FEATURE_COUNT; j++) values[FEATURE_NAMES[j]!] = dataset.x[i * FEATURE_COUNT + j];
    return { at: i + 1, row: i + 1, values };
  });
}
const rows = Array.from({ length: batches }, (_, k) => tableRows(k));

// Raw: the same bytes in a session of our own, the same rows as column tensors built before the clock.
const onnx = (await source.fetch(model.name, model.version)).onnx;
const raw = await ort.InferenceSession.create(onnx, {
  intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
});
const feeds = rows.map((batch) =>
  Object.fromEntries(names.map((n) => [n, new ort.Tensor('float32', Float32Array.from(batch, (r) => r.values![n] as number), [SCORING_BATCH, 1])])),
);

const given = new GivenFeatures(names);
/** What `riskstream score` does per batch of feature input, apart from reading and writing the file. */
async function scoreRows(batch: readonly TableRow[]): Promise<number> {
  const inputs: ScoringInput[] = [];
  for (const row of batch) {
    const input = given.parse(row);
    if (typeof input !== 'string') inputs.push(input);
  }
  const { scored } = await scorer.score(inputs);
  return scored.map((s) => scoreRecord(batch[s.index]!.values!['transaction_id'] as string, s, model)).length;
}

interface Rate {
  /** rows per wall-clock second */
  readonly wall: number;
  /** rows per second of this process's CPU: onnxruntime runs on this thread, so what other load disturbs least */
  readonly cpu: number;
}

/**
 * One round: the two variants alternate batch by batch for `ms`, each call timed on its own, so both see
 * the same moments of the shared machine's load and their ratio does not drift with it.
 */
async function round(variants: Record<string, (k: number) => Promise<unknown>>, ms: number): Promise<Record<string, Rate>> {
  const spent = Object.fromEntries(Object.keys(variants).map((name) => [name, { wall: 0, cpu: 0, rows: 0 }]));
  const start = performance.now();
  for (let k = 0; performance.now() - start < ms; k = (k + 1) % batches) {
    for (const [name, run] of Object.entries(variants)) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await run(k);
      const c = process.cpuUsage(c0);
      const s = spent[name]!;
      s.wall += (performance.now() - t0) / 1000;
      s.cpu += (c.user + c.system) / 1e6;
      s.rows += SCORING_BATCH;
    }
  }
  return Object.fromEntries(Object.entries(spent).map(([name, s]) => [name, { wall: s.rows / s.wall, cpu: s.rows / s.cpu }]));
}

// The scorer's onnxruntime call alone (the explained graph: scores and contributions), on prebuilt input:
// the ceiling of the scorer, which shows how much of the gap to raw is the reasons' graph itself.
const matrices = rows.map((batch) => Float32Array.from(batch.flatMap((r) => names.map((n) => r.values![n] as number))));
const variants = {
  scorer: (k: number) => scoreRows(rows[k]!),
  rawSessionRun: (k: number) => raw.run(feeds[k]!),
  explainedSessionRun: (k: number) => model.scoreExplained(matrices[k]!, SCORING_BATCH),
};
for (const run of Object.values(variants)) for (let k = 0; k < 8; k++) await run(k % batches);
type Variant = keyof typeof variants;
const rates = Object.fromEntries(Object.keys(variants).map((name) => [name, [] as Rate[]])) as Record<Variant, Rate[]>;
for (let r = 0; r < ROUNDS; r++) {
  const measured = await round(variants, (SECONDS * 1000) / ROUNDS);
  for (const name of Object.keys(variants) as Variant[]) rates[name].push(measured[name]!);
}
const ratios = (clock: keyof Rate, to: Variant = 'rawSessionRun') => rates.scorer.map((s, r) => s[clock] / rates[to][r]![clock]);
const medians = (clock: keyof Rate) => Object.fromEntries(Object.entries(rates).map(([name, v]) => [name, Math.round(median(v.map((x) => x[clock])))]));
await raw.release();
await scorer.release();

/** Whole files: the median rows/s of three scoreFile runs (input rows over the run, after the model loads). */
async function fileRate(input: string, output: string): Promise<{ rows: number; rowsPerSecond: number; inputKind: string }> {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await scoreFile({ input, output, source, model: ref, rules: { maxAmount: 1_000_000, maxFutureMs: 600_000 } }));
  return { rows: runs[0]!.rows, rowsPerSecond: Math.round(median(runs.map((s) => s.rowsPerSecond))), inputKind: runs[0]!.inputKind };
}

const dir = await mkdtemp(join(tmpdir(), 'riskstream-batch-bench-'));
let files;
try {
  const rawCsv = join(dir, 'transactions.csv');
  await writeCsv(sim, rawCsv);
  const featureColumns = [
    { name: 'transaction_id', type: 'VARCHAR' as const, nullable: false, description: '' },
    ...FEATURE_NAMES.map((name) => ({ name, type: 'DOUBLE' as const, nullable: true, description: '' })),
  ];
  const featureFiles: Record<string, string> = {};
  for (const ext of ['csv', 'parquet']) {
    const path = join(dir, `features.${ext}`);
    const writer = await openTableWriter(path, featureColumns);
    await writer.write(ids.map((id, i) => [id, ...Array.from(dataset.x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT))]));
    await writer.finish();
    featureFiles[ext] = path;
  }
  files = {
    rawTransactionsCsvToParquet: await fileRate(rawCsv, join(dir, 'out-raw.parquet')),
    featuresCsvToCsv: await fileRate(featureFiles['csv']!, join(dir, 'out-features.csv')),
    featuresParquetToParquet: await fileRate(featureFiles['parquet']!, join(dir, 'out-features.parquet')),
  };
} finally {
  await rm(dir, { recursive: true, force: true });
}

const fixed = (v: number, digits = 3) => Number(v.toFixed(digits));
console.log(JSON.stringify({
  model: { name: model.name, version: model.version, kind: model.manifest.kind, features: names.length },
  batch: SCORING_BATCH,
  threads: 1,
  rounds: ROUNDS,
  rows: ids.length,
  rowsPerSecond: medians('wall'),
  rowsPerCpuSecond: medians('cpu'),
  perRound: {
    scorer: rates.scorer.map((r) => Math.round(r.wall)),
    rawSessionRun: rates.rawSessionRun.map((r) => Math.round(r.wall)),
    ratio: ratios('wall').map((r) => fixed(r)),
  },
  batchVsRaw: fixed(median(ratios('wall'))),
  batchVsRawSpread: { min: fixed(min(ratios('wall'))), max: fixed(max(ratios('wall'))) },
  batchVsRawCpu: fixed(median(ratios('cpu'))),
  batchVsExplainedCpu: fixed(median(ratios('cpu', 'explainedSessionRun'))),
  files,
}, null, 2));
