/**
 * Labelled traffic for an experiment replay, from the simulator and models trained by the project's
 * trainer on it, by default a good one (the default GBDT) and a deliberately worse one (the same trainer
 * on shuffled labels: it learned nothing, yet it is Platt-calibrated and has its own thresholds, so its
 * scores are honest about knowing little). A shallow one (two two-leaf trees) sits between. All are scored with their exported ONNX artifacts through onnxruntime-node (training's
 * scoreRows, the artifact the scoring service serves) and decided at their manifests' thresholds with
 * the scoring service's rule. The replayed events are every transaction after the training week (the
 * label-delay week and the test week), in event-time order; a card's token is its customer number.
 */
import { decisionAt } from '@riskstream/shared';
import { loadOnnxModel, scoreRows, simulate, simulatedTrainingData, takeRows, trainModel, type Dataset, type GbdtOptions, type TrainOutcome } from '@riskstream/training';
import { createRng } from '../../../../training/src/random.ts';
import type { ReplayEvent } from '../../../../services/drift-monitor/src/experiments/experiment-replay.ts';

/** A model to train as an arm: the trainer's GBDT options (the default GBDT when absent). */
export interface TrafficArm {
  readonly name: string;
  readonly seed: number;
  readonly gbdt?: Partial<GbdtOptions>;
  /** Train on the labels shuffled (seeded): a model that learned nothing. */
  readonly shuffleLabels?: boolean;
}

export interface TrafficOptions {
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
  /** Defaults to [WORSE_ARM, GOOD_ARM]. */
  readonly arms?: readonly TrafficArm[];
}

export interface LabelledTraffic {
  readonly events: readonly ReplayEvent[];
  /** In the order of the arms. */
  readonly models: readonly { readonly name: string; readonly auc: number; readonly thresholds: { readonly review: number; readonly decline: number } }[];
  readonly fraudRate: number;
  readonly trainSeconds: number;
}

/** The default GBDT on shuffled labels (as the rollback test's bad model). */
export const WORSE_ARM: TrafficArm = { name: 'worse', seed: 2, shuffleLabels: true };
/** Two two-leaf trees with a tiny learning rate: ranks clearly worse than the default (see train-model.test.ts). */
export const SHALLOW_ARM: TrafficArm = { name: 'shallow', seed: 3, gbdt: { rounds: 2, learningRate: 0.01, maxLeaves: 2, earlyStoppingRounds: 0 } };
/** The trainer's default GBDT. */
export const GOOD_ARM: TrafficArm = { name: 'good', seed: 1 };

function withShuffledLabels<T extends { readonly dataset: Dataset }>(data: T, seed: number): T {
  const y = data.dataset.y.slice();
  const rng = createRng(seed);
  for (let i = y.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [y[i], y[j]] = [y[j]!, y[i]!];
  }
  return { ...data, dataset: { ...data.dataset, y } };
}

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
  const arms = o.arms ?? [WORSE_ARM, GOOD_ARM];
  const models: TrainOutcome[] = [];
  for (const arm of arms) {
    const armData = arm.shuffleLabels ? withShuffledLabels(data, arm.seed) : data;
    models.push(await trainModel(armData, { name: 'fraud', seed: arm.seed, ...(arm.gbdt ? { gbdt: arm.gbdt } : {}) }));
  }
  const trainSeconds = (performance.now() - started) / 1000;

  const tx = sim.transactions;
  let trainEnd = Number.NEGATIVE_INFINITY;
  for (const i of data.trainIndex) trainEnd = Math.max(trainEnd, tx.eventTimeMs[i]!);
  const replay = Uint32Array.from({ length: tx.length }, (_, i) => i)
    .filter((i) => tx.eventTimeMs[i]! > trainEnd)
    .sort((a, b) => tx.eventTimeMs[a]! - tx.eventTimeMs[b]! || a - b);
  const rows = takeRows(data.dataset, replay);
  const scores = await Promise.all(models.map((m) => onnxScores(m, rows.x, rows.rows)));

  let frauds = 0;
  const events: ReplayEvent[] = Array.from(replay, (i, r) => {
    frauds += tx.isFraud[i]!;
    const s = scores.map((col) => col[r]!);
    return {
      transactionId: `tx-${i}`,
      cardToken: `card-${tx.customer[i]!}`,
      eventTime: tx.eventTimeMs[i]!,
      amount: tx.amount[i]!,
      isFraud: tx.isFraud[i] === 1,
      scores: s,
      decisions: s.map((p, a) => decisionAt(p, models[a]!.manifest.thresholds)),
    };
  });
  return {
    events,
    models: models.map((m, a) => ({ name: arms[a]!.name, auc: m.candidate.roc_auc ?? Number.NaN, thresholds: m.manifest.thresholds })),
    fraudRate: frauds / events.length,
    trainSeconds,
  };
}
