/**
 * A world for the trainer tests: a registry whose champion v1 is a deliberately weak model (two shallow
 * trees) trained on a small simulation, and a JsonlOfflineStore holding the last 21 days of that
 * simulation with served features and labels. A retrain over it reliably beats the champion.
 *
 * The expensive part (simulation, champion training, store) is built once per process; each test copies
 * the template directories.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RetrainRequested } from '@riskstream/shared';
import { ModelRegistry, simulatedTrainingData, trainModel } from '@riskstream/training';
import { DAY, simulationEnd, smallSimulation, writeSimulatedStore } from './offline-store-fixture.ts';

export const STORE_DAYS = 21;

export interface TrainerWorld {
  readonly root: string;
  readonly registryDir: string;
  readonly storeDir: string;
  /** End of the stored data (exclusive), the cutoff requests use. */
  readonly end: number;
  readonly transactions: number;
  readonly frauds: number;
}

let template: Promise<TrainerWorld> | undefined;

async function buildTemplate(): Promise<TrainerWorld> {
  const root = await mkdtemp(join(tmpdir(), 'trainer-template-'));
  process.once('exit', () => void rm(root, { recursive: true, force: true }));
  const sim = smallSimulation();
  const registryDir = join(root, 'registry');
  const registry = await ModelRegistry.open(registryDir);
  const champion = await trainModel(simulatedTrainingData({ seed: 1, simulation: sim }), {
    name: 'fraud',
    seed: 1,
    registry,
    gate: { metric: 'roc_auc', margin: 0.002, iterations: 200, confidence: 0.95 },
    gbdt: { rounds: 2, learningRate: 0.01, maxLeaves: 2, earlyStoppingRounds: 0 },
  });
  if (!champion.promoted) throw new Error(`the template champion was not promoted: ${champion.gate.reasons.join('; ')}`);
  const end = simulationEnd(sim);
  const storeDir = join(root, 'store');
  const summary = await writeSimulatedStore(storeDir, sim, { fromMs: end - STORE_DAYS * DAY, toMs: end, labelDelayMs: DAY / 2 });
  return { root, registryDir, storeDir, end, ...summary };
}

/** A fresh copy of the template world, removed after the test. */
export async function trainerWorld(t: { after: (fn: () => Promise<void>) => void }): Promise<TrainerWorld> {
  template ??= buildTemplate();
  const tpl = await template;
  const root = await mkdtemp(join(tmpdir(), 'trainer-world-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await cp(tpl.registryDir, join(root, 'registry'), { recursive: true });
  return { ...tpl, root, registryDir: join(root, 'registry') };
}

export function request(over: Partial<RetrainRequested> & { event_id: string }): RetrainRequested {
  return {
    model_name: 'fraud',
    model_version: 1,
    alert_name: 'FraudFeatureDrift',
    action: 'RETRAIN',
    source: 'alertmanager',
    fingerprint: 'fp-1',
    starts_at: 0,
    range_start: 0,
    range_end: 0,
    drifted_features: ['TX_AMOUNT'],
    evidence_json: JSON.stringify({ alert: { annotations: { summary: 'drift on TX_AMOUNT' } } }),
    created_at: 0,
    ...over,
  };
}

/** Worker settings for the world: 14 training days, 7 holdout days, labels known half a day later. */
export const WORLD_ENV: Readonly<Record<string, string>> = {
  TRAINER_WINDOW_DAYS: String(STORE_DAYS),
  TRAINER_HOLDOUT_DAYS: '7',
  TRAINER_LABEL_DELAY_DAYS: '0',
  TRAINER_MIN_TRAIN_FRAUDS: '20',
  TRAINER_MIN_HOLDOUT_FRAUDS: '10',
  GATE_BOOTSTRAP_ITERATIONS: '200',
};
