/**
 * A real offline store and a registered model for the drift report's end-to-end tests: simulated
 * transactions with a +50% amount shift from day DRIFT_DAY, imported by `riskstream offline import`
 * (Parquet by date, features by the offline featuriser, labels), and a small calibrated GBDT trained on
 * TRAIN_DAYS whose manifest carries the reference profile training's own code builds from those rows.
 */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { predictBatch, treeMargin, type ModelManifest } from '@riskstream/shared/model';
import { applyDrift, exportOnnx, featurizeOffline, fitPlatt, ModelRegistry, simulate, takeRows, trainGbdt, withCalibration, writeCsv } from '@riskstream/training';
import { buildReferenceProfile } from '../../../training/src/build/reference-profile.ts';
import { passingGate } from '../../services/scoring/scoring-fixtures.ts';
import { runCli, tempDir } from '../commands/cli-io.ts';

export const START_DATE = '2026-01-01';
const DAY_MS = 86_400_000;
export const START_MS = Date.parse(`${START_DATE}T00:00:00Z`);
/** Training rows: after the 30-day customer windows and the delayed terminal windows have filled. */
export const TRAIN_DAYS = [38, 45] as const;
export const DRIFT_DAY = 52;
export const DAYS = 59;

export function dayIso(day: number): string {
  return new Date(START_MS + day * DAY_MS).toISOString().slice(0, 10);
}

export interface DriftStore {
  readonly dir: string;
  readonly root: string;
  readonly registry: string;
  readonly manifest: ModelManifest;
  readonly env: Record<string, string>;
}

export async function driftStore(t: Pick<TestContext, 'after'>): Promise<DriftStore> {
  const dir = await tempDir(t, 'drift-report');
  const root = join(dir, 'offline');
  const registryDir = join(dir, 'registry');
  const sim = applyDrift(simulate({ nCustomers: 300, nTerminals: 400, nbDays: DAYS, seed: 5, startDate: START_DATE }), [
    { kind: 'amount-shift', from: { day: DRIFT_DAY }, relativeChange: 0.5 },
  ]);
  const csv = join(dir, 'transactions.csv');
  await writeCsv(sim, csv);
  const env = {
    MODEL_REGISTRY_DIR: registryDir,
    OFFLINE_STORE_DIR: root,
    CARD_TOKEN_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    CARD_TOKEN_ACTIVE_KEY: 'k1',
  };
  const imported = await runCli(['offline', 'import', '--csv', csv, '--quiet'], env);
  if (imported.code !== 0) throw new Error(`offline import failed: ${imported.stderr}`);

  const all = featurizeOffline(sim.transactions);
  const from = START_MS + TRAIN_DAYS[0] * DAY_MS;
  const to = START_MS + TRAIN_DAYS[1] * DAY_MS;
  const rows: number[] = [];
  for (let i = 0; i < all.rows; i++) if (sim.transactions.eventTimeMs[i]! >= from && sim.transactions.eventTimeMs[i]! < to) rows.push(i);
  const train = takeRows(all, Uint32Array.from(rows));
  const fit = trainGbdt(train, { rounds: 25, earlyStoppingRounds: 0, seed: 1, maxLeaves: 8, learningRate: 0.1 });
  const margins = Float64Array.from({ length: train.rows }, (_, i) => treeMargin(fit.model, train.x, i * train.cols));
  const model = withCalibration(fit.model, fitPlatt(margins, train.y));
  const registry = await ModelRegistry.open(registryDir);
  const version = await registry.register('fraud', {
    onnx: exportOnnx(model),
    manifest: {
      kind: 'tree-ensemble',
      featureNames: [...model.featureNames],
      inputSchema: Object.fromEntries(model.featureNames.map((n) => [n, { type: 'float' as const, description: n }])),
      metrics: { roc_auc: 0.8 },
      dataHash: 'sha256:drift-report-test',
      referenceProfile: buildReferenceProfile(train, predictBatch(model, train.x, train.rows)),
      thresholds: { review: 0.05, decline: 0.5 },
      trainingConfig: { test: true },
    },
  });
  await registry.promote('fraud', version, passingGate());
  const manifest = (await registry.get('fraud', version)).manifest;
  return { dir, root, registry: registryDir, manifest, env };
}
