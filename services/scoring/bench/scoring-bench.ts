/**
 * Scoring throughput at the service's batch size: the full scoring function (feature maps -> tensors ->
 * onnxruntime -> decision -> top-3 Saabas reasons -> scored records) against a bare onnxruntime-node
 * session.run on prebuilt tensors, same model, same batch size, same thread settings. The difference is
 * what scoring adds on top of inference.
 *
 *   node services/scoring/bench/scoring-bench.ts [--source DIR|URL] [--model NAME] [--version N]
 *                                                [--batch 256] [--seconds 3]
 * 'flagged' is the SCORING_REASONS=flagged policy (reasons only for REVIEW/DECLINE).
 * The model comes from a registry (default MODEL_SOURCE, else <repo>/.riskstream/registry, champion),
 * e.g. one registered by `riskstream train`. Prints one JSON object.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { createModelSource, type NumericProfile } from '@riskstream/shared/model';
import { DEFAULT_MODEL_SOURCE } from '../src/config.ts';
import { loadScoringModel, toColumns } from '../src/scoring-model.ts';
import { featureRows, scoreBatch, type EnrichedTransaction } from '../src/transaction-scorer.ts';

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: process.env['MODEL_SOURCE'] ?? DEFAULT_MODEL_SOURCE },
    model: { type: 'string', default: process.env['MODEL_NAME'] ?? 'fraud' },
    version: { type: 'string' },
    batch: { type: 'string', default: '256' },
    seconds: { type: 'string', default: '3' },
  },
});
const batch = Number(values.batch);
const seconds = Number(values.seconds);
const source = createModelSource(values.source!);
const version = values.version !== undefined ? Number(values.version) : await source.resolve(values.model!, 'champion');
if (version === undefined) {
  process.stderr.write(`no champion for ${values.model} in ${source.location}; train one first (riskstream train --simulated)\n`);
  process.exit(2);
}
const fetched = await source.fetch(values.model!, version);
const model = await loadScoringModel(fetched);
const names = model.featureNames;

/** Deterministic events whose features follow the manifest's reference histograms (5% missing otherwise). */
function syntheticEvents(count: number): EnrichedTransaction[] {
  let state = 12345;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const profiles = fetched.manifest.referenceProfile.features;
  const draw = (name: string): number => {
    const p = profiles[name];
    if (p?.kind === 'numeric') return drawNumeric(p, rand);
    return rand() < 0.05 ? NaN : rand() * 100;
  };
  return Array.from({ length: count }, (_, i) => ({
    transaction_id: `bench-${i}`, card_token: `card-${i % 997}`, terminal_id: `t-${i % 101}`, amount: 10 + (i % 90), currency: 'EUR',
    channel: null, event_time: 1_700_000_000_000 + i, ingest_time: Date.now(), feature_set: 'bench',
    features: Object.fromEntries(names.map((n) => [n, draw(n)])),
  }));
}

function drawNumeric(p: NumericProfile, rand: () => number): number {
  if (rand() < p.missingRate) return NaN;
  let u = rand();
  for (let b = 0; b < p.proportions.length; b++) {
    u -= p.proportions[b]!;
    if (u <= 0 || b === p.proportions.length - 1) return p.binEdges[b]! + rand() * (p.binEdges[b + 1]! - p.binEdges[b]!);
  }
  return p.binEdges[0]!;
}

const BATCHES = 64;
const events = syntheticEvents(BATCHES * batch);
const slices = Array.from({ length: BATCHES }, (_, k) => events.slice(k * batch, (k + 1) * batch));

/**
 * The machine is shared, so load drifts over a run: every variant is measured in each of ROUNDS rounds
 * (seconds / ROUNDS per variant per round, interleaved), rates are medians over rounds, and a ratio is the
 * median of the per-round ratios, whose two sides were measured seconds apart. Everything runs on this
 * thread (onnxruntime-node runs the session synchronously, intra-op threads 1), so rows per CPU second is
 * reported too: it is what other processes' load disturbs least.
 */
const ROUNDS = 6;

interface Rate {
  /** rows per wall-clock second */
  readonly wall: number;
  /** rows per second of this process's CPU time: what load from other processes disturbs least */
  readonly cpu: number;
}

async function rowsPerSecond(run: (k: number) => Promise<unknown>, ms: number): Promise<Rate> {
  let rows = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let k = 0; performance.now() - start < ms; k = (k + 1) % BATCHES) {
    await run(k);
    rows += batch;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { wall: rows / ((performance.now() - start) / 1000), cpu: rows / ((cpu.user + cpu.system) / 1e6) };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((p, q) => p - q);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

// Raw: the same bytes in a session of our own, tensors built before the clock starts.
const raw = await ort.InferenceSession.create(fetched.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
const feeds = slices.map((s) => {
  const columns = toColumns(featureRows(s, names), batch, names.length);
  return Object.fromEntries(names.map((n, j) => [n, new ort.Tensor('float32', columns[j]!, [batch, 1])]));
});
const serving = { champion: model };
const variants = {
  rawSessionRun: (k: number) => raw.run(feeds[k]!),
  featuresAndInference: (k: number) => model.score(toColumns(featureRows(slices[k]!, names), batch, names.length), batch),
  // The explained graph (scores + contributions in one call) with the same feature extraction.
  featuresAndExplainedInference: (k: number) => model.scoreExplained(featureRows(slices[k]!, names), batch),
  scoringFunction: (k: number) => scoreBatch(serving, slices[k]!),
  scoringFunctionReasonsFlaggedOnly: (k: number) => scoreBatch(serving, slices[k]!, { reasonsFor: 'flagged' }),
};
type Variant = keyof typeof variants;
const rates = Object.fromEntries(Object.keys(variants).map((v) => [v, [] as Rate[]])) as Record<Variant, Rate[]>;
for (const run of Object.values(variants)) for (let k = 0; k < 16; k++) await run(k % BATCHES);
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run] of Object.entries(variants)) rates[name as Variant].push(await rowsPerSecond(run, (seconds * 1000) / ROUNDS));
}
/** Median over rounds of variant / raw, both measured in the same round. */
const vsRaw = (variant: Variant, clock: keyof Rate): number =>
  Number(median(rates[variant].map((rate, r) => rate[clock] / rates.rawSessionRun[r]![clock])).toFixed(3));
const perRound = (variant: Variant): number[] => rates[variant].map((rate, r) => Number((rate.wall / rates.rawSessionRun[r]!.wall).toFixed(3)));
const medianRates = (clock: keyof Rate): Record<string, number> =>
  Object.fromEntries(Object.entries(rates).map(([name, values]) => [name, Math.round(median(values.map((v) => v[clock])))]));
let flagged = 0;
for (const s of slices) flagged += (await scoreBatch(serving, s)).scored.filter((r) => r.decision !== 'APPROVE').length;

await raw.release();
await model.release();
console.log(JSON.stringify({
  model: { name: fetched.manifest.name, version, kind: fetched.manifest.kind, features: names.length, onnxBytes: fetched.onnx.byteLength, trainingConfig: fetched.manifest.trainingConfig },
  batch,
  threads: 1,
  rounds: ROUNDS,
  rowsPerSecond: medianRates('wall'),
  rowsPerCpuSecond: medianRates('cpu'),
  flaggedShare: Number((flagged / events.length).toFixed(4)),
  scoringVsRaw: vsRaw('scoringFunction', 'wall'),
  scoringVsRawPerRound: perRound('scoringFunction'),
  scoringVsRawCpu: vsRaw('scoringFunction', 'cpu'),
  flaggedVsRaw: vsRaw('scoringFunctionReasonsFlaggedOnly', 'wall'),
  flaggedVsRawCpu: vsRaw('scoringFunctionReasonsFlaggedOnly', 'cpu'),
}, null, 2));
