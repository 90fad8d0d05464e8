/**
 * Shared setup for the drift-monitor tests: a seeded generator of feature vectors and scores (the
 * "world"), the reference profile of a sample of it built by training's own profile code, manifests and
 * registered models carrying that profile, and enriched / scored / label records drawn from the world,
 * optionally with the amount shifted.
 */
import { FEATURE_SET_VERSION } from '@riskstream/shared/features';
import type { EnrichedTransaction, ScoredTransaction, TransactionLabel } from '@riskstream/shared';
import { sha256Hex, type ModelManifest, type ReferenceProfile } from '@riskstream/shared/model';
import { exportOnnx, type ManifestDraft, type ModelRegistry } from '@riskstream/training';
import { categoricalProfile, numericProfile } from '../../../training/src/build/reference-profile.ts';
import { mulberry32 } from '../../../training/bench/random-model.ts';
import { handMadeEnsemble, passingGate } from '../scoring/scoring-fixtures.ts';

/** The hand-made ensemble's inputs: amount (lognormal), velocity (count-like, 5% missing), night (0/1). */
export const FEATURES = ['amount', 'velocity', 'night'] as const;
export const THRESHOLDS = { review: 0.3, decline: 0.8 };

export interface WorldEvent {
  amount: number;
  velocity: number;
  night: number;
  score: number;
  isFraud: boolean;
}

export function world(seed: number): (amountFactor?: number) => WorldEvent {
  const rand = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  return (amountFactor = 1) => {
    const score = rand() ** 6;
    return {
      amount: Math.round(Math.exp(3.5 + 0.8 * normal()) * amountFactor * 100) / 100,
      velocity: rand() < 0.05 ? Number.NaN : Math.floor(-Math.log(Math.max(rand(), 1e-12)) * 4),
      night: rand() < 0.2 ? 1 : 0,
      score,
      // Labels drawn from the score: the scores are calibrated by construction.
      isFraud: rand() < score,
    };
  };
}

export function referenceProfile(seed: number, rows = 50_000): ReferenceProfile {
  const next = world(seed);
  const cols = { amount: new Float64Array(rows), velocity: new Float64Array(rows), night: new Float64Array(rows), score: new Float64Array(rows) };
  for (let i = 0; i < rows; i++) {
    const e = next();
    cols.amount[i] = e.amount;
    cols.velocity[i] = e.velocity;
    cols.night[i] = e.night;
    cols.score[i] = e.score;
  }
  return {
    features: { amount: numericProfile(cols.amount), velocity: numericProfile(cols.velocity), night: categoricalProfile(cols.night) },
    score: numericProfile(cols.score),
  };
}

export function manifestDraft(profile: ReferenceProfile, metrics: Record<string, number> = { roc_auc: 0.91, average_precision: 0.42 }): ManifestDraft {
  return {
    kind: 'tree-ensemble',
    featureNames: [...FEATURES],
    inputSchema: Object.fromEntries(FEATURES.map((n) => [n, { type: 'float' as const, description: n }])),
    metrics,
    dataHash: 'sha256:drift-test',
    referenceProfile: profile,
    thresholds: THRESHOLDS,
    trainingConfig: { test: true },
  };
}

/** A complete manifest without a registry (what a ModelSource would return). */
export function manifest(version: number, profile: ReferenceProfile, metrics?: Record<string, number>): ModelManifest {
  return { ...manifestDraft(profile, metrics), name: 'fraud', version, createdAt: '2025-01-01T00:00:00.000Z', onnxSha256: sha256Hex(new Uint8Array([version])) };
}

/** Registers the hand-made ensemble with `profile` as its reference; `promote` makes it the champion. */
export async function registerDriftModel(registry: ModelRegistry, profile: ReferenceProfile, options: { promote?: boolean } = {}): Promise<number> {
  const version = await registry.register('fraud', { onnx: exportOnnx(handMadeEnsemble()), manifest: manifestDraft(profile) });
  if (options.promote) await registry.promote('fraud', version, passingGate());
  return version;
}

export interface WorldRecords {
  readonly enriched: EnrichedTransaction[];
  readonly scored: ScoredTransaction[];
  readonly labels: TransactionLabel[];
}

/**
 * `count` events of the world, one every `stepMs` of event time from `startMs`. Every record has the
 * same card token: one partition, so event time reaches the monitor in order (tests only; live traffic
 * advances all partitions together).
 */
export function worldRecords(
  next: (amountFactor?: number) => WorldEvent,
  o: { count: number; startMs: number; stepMs: number; idPrefix: string; version: number; amountFactor?: number },
): WorldRecords {
  const out: WorldRecords = { enriched: [], scored: [], labels: [] };
  for (let i = 0; i < o.count; i++) {
    const e = next(o.amountFactor ?? 1);
    const id = `${o.idPrefix}-${String(i).padStart(6, '0')}`;
    const t = o.startMs + i * o.stepMs;
    out.enriched.push({
      transaction_id: id, card_token: 'tok-drift', terminal_id: 'term-1', amount: e.amount, currency: 'EUR', channel: null, event_time: t,
      ingest_time: t, feature_set: FEATURE_SET_VERSION, features: { amount: e.amount, velocity: e.velocity, night: e.night },
    });
    out.scored.push({
      transaction_id: id, event_time: t, card_token: 'tok-drift', terminal_id: 'term-1', amount: e.amount, score: e.score,
      decision: e.score >= THRESHOLDS.decline ? 'DECLINE' : e.score >= THRESHOLDS.review ? 'REVIEW' : 'APPROVE',
      model_name: 'fraud', model_version: o.version, reasons: [], latency_ms: 1, challenger_score: null, challenger_version: null,
    });
    out.labels.push({ transaction_id: id, terminal_id: 'term-1', event_time: t, is_fraud: e.isFraud, labelled_at: t + 86_400_000 });
  }
  return out;
}
