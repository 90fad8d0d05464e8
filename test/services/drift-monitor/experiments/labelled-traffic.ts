/**
 * Labelled traffic for an experiment replay, from the simulator and two models trained by the project's
 * trainer on it: a good one (the default GBDT) and a deliberately worse one (two two-leaf trees with a
 * tiny learning rate, still Platt-calibrated and with its own thresholds, so its scores are honest but
 * say little). Both are scored with their exported ONNX artifacts through onnxruntime-node (training's
 * scoreRows, the artifact the scoring service serves) and decided at their manifests' thresholds with
 * the scoring service's rule. The replayed events are every transaction after the training week (the
 * label-delay week and the test week), in event-time order; cards get sticky buckets from a seeded RNG.
 */
import { decisionAt } from '@riskstream/shared';
import { loadOnnxModel, scoreRows, simulate, simulatedTrainingData, takeRows, trainModel, type TrainOutcome } from '@riskstream/training';
import { createRng } from '../../../../training/src/random.ts';
import type { ReplayEvent } from '../../../../services/drift-monitor/src/experiments/experiment-replay.ts';

export interface TrafficOptions {
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
}

export interface LabelledTraffic {
  readonly events: readonly ReplayEvent[];
  /** Arm 0 the worse model, arm 1 the good one. */
  readonly models: readonly { readonly name: string; readonly auc: number; readonly thresholds: { readonly review: number; readonly decline: number } }[];
  readonly fraudRate: number;
  readonly trainSeconds: number;
}

/** The worse model's trainer options: it ranks clearly worse than the default (see train-model.test.ts). */
export const WORSE_GBDT = { rounds: 2, learningRate: 0.01, maxLeaves: 2, earlyStoppingRounds: 0 } as const;

async function onnxScores(model: TrainOutcome, x: Float32Array, rows: number): Promise<Float32Array> {
  const loaded = await loadOnnxModel(model.onnx, { featureNames: model.manifest.featureNames });
  try {
    return await scoreRows(loaded.session, loaded.featureNames, x, rows);
  } finally {
    await loaded.session.release();
  }
}

export async function labelledTraffic(o: TrafficOptions): Promise<LabelledTraffic> {
  const started = performance.now();
  const sim = simulate({ nCustomers: o.customers, nTerminals: 2 * o.customers, nbDays: o.days, seed: o.seed });
  const data = simulatedTrainingData({ seed: o.seed, simulation: sim });
  const worse = await trainModel(data, { name: 'fraud', seed: 2, gbdt: WORSE_GBDT });
  const good = await trainModel(data, { name: 'fraud', seed: 1 });
  const trainSeconds = (performance.now() - started) / 1000;

  const tx = sim.transactions;
  let trainEnd = Number.NEGATIVE_INFINITY;
  for (const i of data.trainIndex) trainEnd = Math.max(trainEnd, tx.eventTimeMs[i]!);
  const replay = Uint32Array.from({ length: tx.length }, (_, i) => i)
    .filter((i) => tx.eventTimeMs[i]! > trainEnd)
    .sort((a, b) => tx.eventTimeMs[a]! - tx.eventTimeMs[b]! || a - b);
  const rows = takeRows(data.dataset, replay);
  const models = [worse, good];
  const scores = await Promise.all(models.map((m) => onnxScores(m, rows.x, rows.rows)));

  const rng = createRng(o.seed);
  const buckets = Float64Array.from({ length: o.customers }, () => rng.next());
  let frauds = 0;
  const events: ReplayEvent[] = Array.from(replay, (i, r) => {
    frauds += tx.isFraud[i]!;
    const s = scores.map((col) => col[r]!);
    return {
      transactionId: `tx-${i}`,
      bucket: buckets[tx.customer[i]!]!,
      eventTime: tx.eventTimeMs[i]!,
      amount: tx.amount[i]!,
      isFraud: tx.isFraud[i] === 1,
      scores: s,
      decisions: s.map((p, a) => decisionAt(p, models[a]!.manifest.thresholds)),
    };
  });
  return {
    events,
    models: models.map((m, a) => ({ name: a === 0 ? 'worse' : 'good', auc: m.candidate.roc_auc ?? Number.NaN, thresholds: m.manifest.thresholds })),
    fraudRate: frauds / events.length,
    trainSeconds,
  };
}
