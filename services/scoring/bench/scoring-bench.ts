/**
 * Scoring throughput at the service's batch size: the full scoring function (feature maps -> tensors ->
 * onnxruntime -> decision -> Saabas reasons -> scored records) against a bare onnxruntime-node
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
import { loadScoringModel } from '../src/scoring-model.ts';
import { featureMatrix, scoreBatch, type EnrichedTransaction } from '../src/transaction-scorer.ts';

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

async function rowsPerSecond(run: (k: number) => Promise<unknown>): Promise<number> {
  for (let k = 0; k < 16; k++) await run(k % BATCHES);
  let rows = 0;
  const start = performance.now();
  for (let k = 0; performance.now() - start < seconds * 1000; k = (k + 1) % BATCHES) {
    await run(k);
    rows += batch;
  }
  return Math.round(rows / ((performance.now() - start) / 1000));
}

// Raw: the same bytes in a session of our own, tensors built before the clock starts.
const raw = await ort.InferenceSession.create(fetched.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
const feeds = slices.map((s) => {
  const m = featureMatrix(s, names);
  return Object.fromEntries(names.map((n, j) => [n, new ort.Tensor('float32', m.columns[j]!, [batch, 1])]));
});
const rawRowsPerSecond = await rowsPerSecond((k) => raw.run(feeds[k]!));
const inferenceOnly = await rowsPerSecond((k) => {
  const m = featureMatrix(slices[k]!, names);
  return model.score(m.columns, batch);
});
const serving = { champion: model };
const scoringRowsPerSecond = await rowsPerSecond((k) => scoreBatch(serving, slices[k]!));
const flaggedRowsPerSecond = await rowsPerSecond((k) => scoreBatch(serving, slices[k]!, { reasonsFor: 'flagged' }));
let flagged = 0;
for (const s of slices) flagged += (await scoreBatch(serving, s)).scored.filter((r) => r.decision !== 'APPROVE').length;

await raw.release();
await model.release();
console.log(JSON.stringify({
  model: { name: fetched.manifest.name, version, kind: fetched.manifest.kind, features: names.length, onnxBytes: fetched.onnx.byteLength, trainingConfig: fetched.manifest.trainingConfig },
  batch,
  threads: 1,
  rowsPerSecond: {
    rawSessionRun: rawRowsPerSecond,
    featuresAndInference: inferenceOnly,
    scoringFunction: scoringRowsPerSecond,
    scoringFunctionReasonsFlaggedOnly: flaggedRowsPerSecond,
  },
  flaggedShare: Number((flagged / events.length).toFixed(4)),
  scoringVsRaw: Number((scoringRowsPerSecond / rawRowsPerSecond).toFixed(3)),
}, null, 2));
