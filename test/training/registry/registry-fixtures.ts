/** Shared setup for the registry tests: a temp registry root, a small exported model and its manifest draft. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { TreeEnsembleModel } from '@riskstream/shared/model';
import { exportOnnx } from '../../../training/src/export/onnx-export.ts';
import type { ManifestDraft } from '../../../training/src/registry/model-registry.ts';
import type { GateResult } from '../../../training/src/registry/promotion-gate.ts';

export async function tempRoot(t: TestContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'registry-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

export function smallModel(baseMargin = -2): TreeEnsembleModel {
  return {
    kind: 'tree-ensemble',
    featureNames: ['amount', 'velocity_1h'],
    baseMargin,
    trees: [{
      feature: Int32Array.from([0, -1, -1]),
      threshold: Float32Array.from([100, 0, 0]),
      left: Int32Array.from([1, -1, -1]),
      right: Int32Array.from([2, -1, -1]),
      missingLeft: Uint8Array.from([1, 0, 0]),
      value: Float64Array.from([0, -0.5, 0.8]),
    }],
  };
}

export function onnxBytes(baseMargin = -2): Uint8Array {
  return exportOnnx(smallModel(baseMargin));
}

export function draft(overrides: Partial<ManifestDraft> = {}): ManifestDraft {
  return {
    kind: 'tree-ensemble',
    featureNames: ['amount', 'velocity_1h'],
    inputSchema: {
      amount: { type: 'float', description: 'transaction amount in EUR' },
      velocity_1h: { type: 'float', description: 'card transactions in the last hour' },
    },
    metrics: { roc_auc: 0.9, holdout: { average_precision: 0.4 } },
    dataHash: 'sha256:0123',
    referenceProfile: {
      features: { amount: { kind: 'numeric', binEdges: [0, 100, 1000], proportions: [0.8, 0.2], missingRate: 0 } },
      score: { kind: 'numeric', binEdges: [0, 0.5, 1], proportions: [0.98, 0.02], missingRate: 0 },
    },
    thresholds: { review: 0.3, decline: 0.8 },
    trainingConfig: { trees: 1 },
    ...overrides,
  };
}

export function passingGate(): GateResult {
  return {
    promote: true, reasons: ['better'], metric: 'roc_auc', challenger: 0.9, champion: 0.85, hasChampion: true,
    delta: 0.05, ci: [0.03, 0.07], pValue: 0.001, skippedResamples: 0,
  };
}
