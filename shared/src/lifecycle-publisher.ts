/**
 * The one way a registry change is announced on models.lifecycle.v1, which every scoring instance follows
 * to hot-swap (PROMOTED, ROLLED_BACK, SHADOW_STARTED). The CLI (`riskstream models promote|rollback`) and
 * the trainer worker both build their events here, so the artifact URI, key and field conventions cannot
 * drift apart.
 *
 * The artifact URI names the model server route, so instances without the registry's filesystem can fetch
 * the bytes (and check them against onnx_sha256).
 *
 * Announcing is at-least-once: a caller that is unsure whether a send went through sends again, and
 * consumers treat a repeated event (same action and version) as a no-op.
 */
import { randomUUID } from 'node:crypto';
import type { Producer, Transaction } from 'kafkajs';
import type { PipelineMetrics } from './metrics.ts';
import { sendRecords, type OutputRecord } from './producer.ts';
import type { TopicCodec } from './schema-registry.ts';
import { experimentRecord, type ExperimentSpec } from './model/experiment.ts';
import type { LifecycleAction, ModelLifecycleEvent } from './topic-records.ts';

/** Where `riskstream models serve` listens by default; MODEL_SERVER_URL overrides it. */
export const DEFAULT_MODEL_SERVER_URL = 'http://127.0.0.1:8095';

/** What an announcement needs of a registered model (a training RegisteredModel fits). */
export interface LifecycleModelRef {
  readonly name: string;
  readonly version: number;
  readonly manifest: { readonly onnxSha256: string };
}

export interface LifecycleAnnouncement {
  readonly action: LifecycleAction;
  /**
   * The model the event is about. A REJECTED retrain that never produced a model names the champion that
   * stays (or version 0 with an empty hash and URI when there is none).
   */
  readonly model: LifecycleModelRef;
  readonly previousVersion?: number;
  readonly reasons: readonly string[];
  /** Defaults to a random UUID; pass a stable one to make a re-send recognisable as the same event. */
  readonly eventId?: string;
  /** Epoch ms; defaults to now. */
  readonly at?: number;
  /** EXPERIMENT_* and ARM_WEIGHTS: the experiment as it is after the event. */
  readonly experiment?: ExperimentSpec;
}

/** The model server route of one version's ONNX file. */
export function artifactUri(modelServerUrl: string, name: string, version: number): string {
  return `${modelServerUrl.replace(/\/+$/, '')}/v1/models/${encodeURIComponent(name)}/${version}/model.onnx`;
}

export function lifecycleEvent(a: LifecycleAnnouncement, modelServerUrl: string = DEFAULT_MODEL_SERVER_URL): ModelLifecycleEvent {
  const hasArtifact = a.model.version > 0;
  return {
    event_id: a.eventId ?? randomUUID(),
    model_name: a.model.name,
    action: a.action,
    version: a.model.version,
    previous_version: a.previousVersion ?? null,
    onnx_sha256: a.model.manifest.onnxSha256,
    artifact_uri: hasArtifact ? artifactUri(modelServerUrl, a.model.name, a.model.version) : '',
    reasons: [...a.reasons],
    at: a.at ?? Date.now(),
    experiment: a.experiment ? experimentRecord(a.experiment) : null,
  };
}

/** Keyed by model name: one model's events stay in order on one partition. */
export function lifecycleRecord(event: ModelLifecycleEvent): OutputRecord {
  return { topic: 'modelsLifecycle', key: event.model_name, value: event };
}

/** Sends lifecycle events in order and resolves when every one is acknowledged (acks=-1). */
export async function sendLifecycleEvents(
  sender: Producer | Transaction,
  codec: TopicCodec,
  events: readonly ModelLifecycleEvent[],
  metrics?: PipelineMetrics,
): Promise<void> {
  await sendRecords(sender, codec, events.map(lifecycleRecord), metrics);
}
