/**
 * Per-event cost of the drift monitor's hot path (target: <= 2 microseconds per feature per event) and
 * proof that it does not allocate:
 *
 *  - core:     DriftCore.addFeatures on prepared value vectors (bins, count ring, tumbling window);
 *  - records:  DriftMonitor.addEnriched / addScored on decoded-record objects, i.e. what the service
 *              does per event (feature lookup by name, score windows, CBPE window, label-join insert);
 *  - recompute: one full recompute (every statistic, both performance windows, the gauges).
 *
 * The reference profile is synthetic but shaped like the handbook's: 13 numeric features of 10
 * quantile bins and 2 binary categoricals, i.e. the 15 features of the shared feature set.
 *
 *   node bench/drift/drift-bench.ts [--events 2000000]
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createLogger, createMetricsRegistry, type EnrichedTransaction, type ScoredTransaction } from '@riskstream/shared';
import type { FeatureProfile, ModelManifest, ReferenceProfile } from '@riskstream/shared/model';
import { DriftCore } from '../../services/drift-monitor/src/drift-core.ts';
import { driftMetrics } from '../../services/drift-monitor/src/drift-metrics.ts';
import { DriftMonitor } from '../../services/drift-monitor/src/drift-monitor.ts';
import { mulberry32 } from '../../training/bench/random-model.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { values: args } = parseArgs({ options: { events: { type: 'string' } } });
const EVENTS = Number(args.events ?? 2_000_000);
const NUMERIC = 13;
const CATEGORICAL = 2;
const F = NUMERIC + CATEGORICAL;

const names = Array.from({ length: F }, (_, j) => (j < NUMERIC ? `NUM_${j}` : `CAT_${j}`));
const features: Record<string, FeatureProfile> = {};
for (let j = 0; j < F; j++) {
  features[names[j]!] = j < NUMERIC
    ? { kind: 'numeric', binEdges: Array.from({ length: 11 }, (_, i) => i / 10), proportions: Array(10).fill(0.1), missingRate: 0.01 }
    : { kind: 'categorical', frequencies: { '0': 0.7, '1': 0.3 } };
}
const profile: ReferenceProfile = {
  features,
  score: { kind: 'numeric', binEdges: Array.from({ length: 11 }, (_, i) => i / 10), proportions: Array(10).fill(0.1), missingRate: 0 },
};
const settings = {
  countWindow: 5000, timeWindowMs: 3_600_000, allowedLatenessMs: 600_000, alpha: 0.01, correction: 'benjamini-hochberg' as const,
  psiFloor: 0.02, minEvents: 2000, datasetDriftShare: 0,
};

const rnd = mulberry32(42);
// A pool of prepared events, cycled: generating inputs must not be what is timed.
const POOL = 65_536;
const matrix = new Float64Array(POOL * F);
for (let i = 0; i < POOL * F; i++) {
  const j = i % F;
  matrix[i] = j < NUMERIC ? (rnd() < 0.01 ? Number.NaN : rnd()) : rnd() < 0.3 ? 1 : 0;
}
const times = Float64Array.from({ length: POOL }, (_, i) => 1_700_000_000_000 + i * 400);

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

// 1. the core alone
const core = new DriftCore(profile, names, settings);
const row = new Float64Array(F);
const coreRun = (n: number, t0: number): void => {
  for (let e = 0; e < n; e++) {
    const k = e & (POOL - 1);
    for (let j = 0; j < F; j++) row[j] = matrix[k * F + j]!;
    core.addFeatures(row, t0 + e * 400);
  }
};
coreRun(200_000, 1_700_000_000_000); // warm-up (JIT)
let heapBefore = heapAfterGc();
let started = process.hrtime.bigint();
coreRun(EVENTS, 1_700_000_000_000 + 200_000 * 400);
const coreNs = Number(process.hrtime.bigint() - started);
const coreHeapGrowth = heapAfterGc() - heapBefore;

// 2. the service path on decoded records
const records: EnrichedTransaction[] = [];
const scored: ScoredTransaction[] = [];
for (let k = 0; k < POOL; k++) {
  const f: Record<string, number> = {};
  for (let j = 0; j < F; j++) f[names[j]!] = matrix[k * F + j]!;
  const id = `tx-${k.toString(36).padStart(8, '0')}`;
  records.push({
    transaction_id: id, card_token: 'c', terminal_id: null, amount: 1, currency: 'EUR', channel: null, event_time: times[k]!,
    ingest_time: 0, feature_set: 'bench', features: f,
  });
  scored.push({
    transaction_id: id, event_time: times[k]!, card_token: 'c', terminal_id: null, amount: 1, score: rnd() ** 4, decision: 'APPROVE',
    model_name: 'fraud', model_version: 1, reasons: [], latency_ms: 0, challenger_score: null, challenger_version: null,
  });
}
const manifest = {
  name: 'fraud', version: 1, kind: 'tree-ensemble', featureNames: names, inputSchema: {}, metrics: { roc_auc: 0.9 }, dataHash: 'x',
  referenceProfile: profile, thresholds: { review: 0.3, decline: 0.8 }, createdAt: '2025-01-01T00:00:00Z', trainingConfig: null, onnxSha256: '0'.repeat(64),
} as unknown as ModelManifest;
const monitor = new DriftMonitor({
  modelName: 'fraud', settings, features: 'all', recomputeEveryEvents: 500, recomputeIntervalMs: 1000, performanceWindow: 50_000,
  minPerformanceEvents: 1000, scoreBins: 1000, labelJoinCapacity: 262_144,
  metrics: driftMetrics(createMetricsRegistry('bench', { defaultMetrics: false })), logger: createLogger('bench', { level: 'silent' }),
});
monitor.setChampion({ manifest, version: 1, previousVersion: null });
const BATCH = 500;
const batchE: EnrichedTransaction[] = new Array(BATCH);
const batchS: ScoredTransaction[] = new Array(BATCH);
// Recomputes are timed on their own below, so the per-event numbers leave them out.
const recordRun = (n: number): void => {
  for (let e = 0; e < n; e += BATCH) {
    for (let i = 0; i < BATCH; i++) {
      const k = (e + i) & (POOL - 1);
      batchE[i] = records[k]!;
      batchS[i] = scored[k]!;
    }
    monitor.addEnriched(batchE);
    monitor.addScored(batchS);
  }
};
recordRun(200_000);
heapBefore = heapAfterGc();
started = process.hrtime.bigint();
recordRun(EVENTS);
const recordNs = Number(process.hrtime.bigint() - started);
const recordHeapGrowth = heapAfterGc() - heapBefore;

// 3. recompute
const RECOMPUTES = 2000;
started = process.hrtime.bigint();
for (let i = 0; i < RECOMPUTES; i++) monitor.recompute();
const recomputeUs = Number(process.hrtime.bigint() - started) / 1000 / RECOMPUTES;

const usPerFeatureEvent = coreNs / 1000 / EVENTS / F;
const result = {
  events: EVENTS,
  features: F,
  us_per_feature_event: Number(usPerFeatureEvent.toFixed(4)),
  core: { ns_per_event: Math.round(coreNs / EVENTS), heap_growth_bytes: coreHeapGrowth },
  records: {
    // enriched + scored record per event, all 15 features, CBPE window and label-join insert included
    ns_per_event: Math.round(recordNs / EVENTS),
    us_per_feature_event: Number((recordNs / 1000 / EVENTS / F).toFixed(4)),
    heap_growth_bytes: recordHeapGrowth,
  },
  recompute_us: Number(recomputeUs.toFixed(1)),
  // Recompute every 500 events, amortised per event.
  recompute_us_per_event_at_k500: Number((recomputeUs / 500).toFixed(4)),
  target_us_per_feature_event: 2,
  pass: usPerFeatureEvent <= 2 && recordNs / 1000 / EVENTS / F <= 2,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
