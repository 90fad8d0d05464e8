/**
 * Shared setup for the scoring tests: temp registries, small models (hand-made or trained on simulated
 * data in well under a second) registered the way training does it, and enriched events built from the
 * offline featuriser so their features are exactly what the features service would attach.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { sha256Hex, treeMargin, validateManifest, type DecisionThresholds, type FetchedModel, type Model, type TreeEnsembleModel } from '@riskstream/shared/model';
import { FEATURE_SET_VERSION } from '@riskstream/shared/features';
import { exportOnnx, featurizeOffline, fitPlatt, ModelRegistry, simulate, trainGbdt, withCalibration } from '@riskstream/training';
import type { Dataset, ManifestDraft, GateResult } from '@riskstream/training';
import type { EnrichedTransaction } from '../../../services/scoring/src/transaction-scorer.ts';

export async function tempDir(t: TestContext, prefix = 'scoring-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function manifestDraft(featureNames: readonly string[], thresholds: DecisionThresholds = { review: 0.3, decline: 0.8 }): ManifestDraft {
  return {
    kind: 'tree-ensemble',
    featureNames: [...featureNames],
    inputSchema: Object.fromEntries(featureNames.map((n) => [n, { type: 'float' as const, description: `feature ${n}` }])),
    metrics: { roc_auc: 0.9 },
    dataHash: 'sha256:test',
    referenceProfile: {
      features: {},
      score: { kind: 'numeric', binEdges: [0, 0.5, 1], proportions: [0.98, 0.02], missingRate: 0 },
    },
    thresholds,
    trainingConfig: { test: true },
  };
}

export function passingGate(): GateResult {
  return {
    promote: true, reasons: ['test'], metric: 'roc_auc', challenger: 0.9, champion: 0.85, hasChampion: true,
    delta: 0.05, ci: [0.03, 0.07], pValue: 0.001, skippedResamples: 0,
  };
}

export interface Registered {
  readonly version: number;
  readonly onnx: Uint8Array;
  readonly sha256: string;
}

/** Registers `model` (exported to ONNX) and, with `promote`, makes it the champion. */
export async function registerModel(
  registry: ModelRegistry,
  name: string,
  model: Model,
  options: { promote?: boolean; thresholds?: DecisionThresholds } = {},
): Promise<Registered> {
  const onnx = exportOnnx(model);
  const version = await registry.register(name, { onnx, manifest: { ...manifestDraft(model.featureNames, options.thresholds), kind: model.kind } });
  if (options.promote) await registry.promote(name, version, passingGate());
  const entry = await registry.get(name, version);
  return { version, onnx, sha256: entry.manifest.onnxSha256 };
}

export interface SimulatedData {
  readonly dataset: Dataset;
  readonly customer: Int32Array;
  readonly terminal: Int32Array;
  readonly amount: Float64Array;
  readonly eventTimeMs: Float64Array;
}

export function simulatedData(nCustomers: number, seed: number): SimulatedData {
  const sim = simulate({ nCustomers, nTerminals: 200, nbDays: 10, seed });
  const tx = sim.transactions;
  return { dataset: featurizeOffline(tx), customer: tx.customer, terminal: tx.terminal, amount: tx.amount, eventTimeMs: tx.eventTimeMs };
}

/** A small calibrated GBDT on the simulated features; `rounds` and `seed` make distinct versions. */
export function trainedModel(data: SimulatedData, options: { rounds: number; seed: number; maxLeaves?: number }): TreeEnsembleModel {
  const result = trainGbdt(data.dataset, { rounds: options.rounds, earlyStoppingRounds: 0, seed: options.seed, maxLeaves: options.maxLeaves ?? 8, learningRate: 0.1 });
  const model = result.model;
  const margins = Float64Array.from({ length: data.dataset.rows }, (_, i) => treeMargin(model, data.dataset.x, i * data.dataset.cols));
  return withCalibration(model, fitPlatt(margins, data.dataset.y));
}

/** Enriched events for rows [from, from + count) of the simulated data, with unique transaction ids. */
export function enrichedEvents(data: SimulatedData, from: number, count: number, idPrefix: string): EnrichedTransaction[] {
  const { dataset } = data;
  if (from + count > dataset.rows) throw new RangeError(`rows ${from}..${from + count} exceed the ${dataset.rows} simulated rows`);
  const out: EnrichedTransaction[] = [];
  for (let i = from; i < from + count; i++) {
    const features: Record<string, number> = {};
    for (let j = 0; j < dataset.cols; j++) features[dataset.featureNames[j]!] = dataset.x[i * dataset.cols + j]!;
    out.push({
      transaction_id: `${idPrefix}-${String(i).padStart(6, '0')}`,
      card_token: `card-${data.customer[i]}`,
      terminal_id: data.terminal[i]! >= 0 ? `term-${data.terminal[i]}` : null,
      amount: data.amount[i]!,
      currency: 'EUR',
      channel: null,
      event_time: data.eventTimeMs[i]!,
      ingest_time: Date.now(),
      feature_set: FEATURE_SET_VERSION,
      features,
    });
  }
  return out;
}

/** Row-major float32 matrix of events' features in `featureNames` order (missing -> NaN). */
export function eventMatrix(events: readonly EnrichedTransaction[], featureNames: readonly string[]): Float32Array {
  const x = new Float32Array(events.length * featureNames.length);
  events.forEach((e, i) => featureNames.forEach((n, j) => (x[i * featureNames.length + j] = e.features[n] ?? NaN)));
  return x;
}

/** A hand-made two-tree ensemble whose leaf values and expectations are exact binary fractions. */
export function handMadeEnsemble(): TreeEnsembleModel {
  return {
    kind: 'tree-ensemble',
    featureNames: ['amount', 'velocity', 'night'],
    baseMargin: -2,
    trees: [
      {
        // amount <= 100 ? (velocity <= 3 ? -0.5 : 0.25) : 1.5
        feature: Int32Array.from([0, 1, -1, -1, -1]),
        threshold: Float32Array.from([100, 3, 0, 0, 0]),
        left: Int32Array.from([1, 2, -1, -1, -1]),
        right: Int32Array.from([4, 3, -1, -1, -1]),
        missingLeft: Uint8Array.from([1, 0, 0, 0, 0]),
        value: Float64Array.from([0, 0, -0.5, 0.25, 1.5]),
      },
      {
        // night <= 0.5 ? -0.125 : 0.75
        feature: Int32Array.from([2, -1, -1]),
        threshold: Float32Array.from([0.5, 0, 0]),
        left: Int32Array.from([1, -1, -1]),
        right: Int32Array.from([2, -1, -1]),
        missingLeft: Uint8Array.from([0, 0, 0]),
        value: Float64Array.from([0, -0.125, 0.75]),
      },
    ],
  };
}

/** A model onnxruntime loads but that scores NaN: margin overflows float32 to Inf, then Platt a=0 gives 0*Inf. */
export function nanModel(featureNames: readonly string[]): TreeEnsembleModel {
  return {
    kind: 'tree-ensemble',
    featureNames: [...featureNames],
    baseMargin: 0,
    trees: [{
      feature: Int32Array.from([-1]),
      threshold: Float32Array.from([0]),
      left: Int32Array.from([-1]),
      right: Int32Array.from([-1]),
      missingLeft: Uint8Array.from([0]),
      value: Float64Array.from([1e300]),
    }],
    calibration: { kind: 'platt', a: 0, b: 0 },
  };
}

/** What a ModelSource would hand out for `model`, without a registry (manifest built like the registry's). */
export function fetchedModel(model: Model, version: number, options: { onnx?: Uint8Array; thresholds?: DecisionThresholds; name?: string } = {}): FetchedModel {
  const onnx = options.onnx ?? exportOnnx(model);
  const manifest = validateManifest({
    ...manifestDraft(model.featureNames, options.thresholds),
    kind: model.kind,
    name: options.name ?? 'fraud',
    version,
    createdAt: '2025-01-01T00:00:00.000Z',
    onnxSha256: sha256Hex(onnx),
  });
  return { manifest, onnx };
}
