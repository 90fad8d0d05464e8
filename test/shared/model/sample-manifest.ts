/** A complete, valid manifest as plain JSON, for manifest and registry tests. */
import type { ModelManifest } from '@riskstream/shared/model';

export function sampleManifest(overrides: Partial<Record<keyof ModelManifest, unknown>> = {}): Record<string, unknown> {
  return {
    name: 'fraud',
    version: 2,
    kind: 'tree-ensemble',
    featureNames: ['amount', 'velocity_1h'],
    inputSchema: {
      amount: { type: 'float', description: 'transaction amount in EUR' },
      velocity_1h: { type: 'float', description: 'transactions by the card in the last hour' },
    },
    metrics: { roc_auc: 0.91, holdout: { average_precision: 0.42, rows: 50_000 } },
    dataHash: 'sha256:abc',
    referenceProfile: {
      features: {
        amount: { kind: 'numeric', binEdges: [0, 10, 100, 1000], proportions: [0.5, 0.3, 0.2], missingRate: 0.01 },
        mcc: { kind: 'categorical', frequencies: { '5411': 0.7, '5812': 0.3 } },
      },
      score: { kind: 'numeric', binEdges: [0, 0.5, 1], proportions: [0.99, 0.01], missingRate: 0 },
    },
    thresholds: { review: 0.3, decline: 0.8 },
    parentVersion: 1,
    createdAt: '2025-01-02T03:04:05.000Z',
    trainingConfig: { learningRate: 0.1, trees: 300, seed: 7, features: ['amount'] },
    onnxSha256: 'a'.repeat(64),
    ...overrides,
  };
}
