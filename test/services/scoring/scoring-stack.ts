/**
 * The scoring service against the real stack for the integration tests: enriched events in, scored
 * records out (with their partitions and offsets), lifecycle events, and the service run in-process so a
 * test can read its serving set and metrics.
 */
import type { TestContext } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { createIdempotentProducer, loadConfig, runService, sendRecords, type OutputRecord, type RunningService } from '@riskstream/shared';
import { loadOnnxModel, scoreRows } from '@riskstream/training';
import { buildScoring, type ScoringParts } from '../../../services/scoring/src/app.ts';
import { checkScoringConfig, scoringConfigSchema } from '../../../services/scoring/src/config.ts';
import type { LifecycleEvent } from '../../../services/scoring/src/model-manager.ts';
import type { EnrichedTransaction, ScoredTransaction } from '../../../services/scoring/src/transaction-scorer.ts';
import type { IntegrationEnv } from '../../support/integration.ts';
import { waitFor } from '../../support/child-service.ts';
import { eventMatrix, type Registered } from './scoring-fixtures.ts';

export async function produceEnriched(env: IntegrationEnv, events: readonly EnrichedTransaction[]): Promise<void> {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  try {
    const records: OutputRecord[] = events.map((e) => ({ topic: 'transactionsEnriched', key: e.card_token, value: e }));
    for (let i = 0; i < records.length; i += 500) await sendRecords(producer, env.codec, records.slice(i, i + 500));
  } finally {
    await producer.disconnect();
  }
}

export async function publishLifecycle(env: IntegrationEnv, event: Omit<LifecycleEvent, 'event_id' | 'at' | 'reasons' | 'previous_version' | 'artifact_uri'>): Promise<void> {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  try {
    await sendRecords(producer, env.codec, [{
      topic: 'modelsLifecycle',
      key: event.model_name,
      value: { ...event, event_id: randomUUID(), previous_version: null, artifact_uri: 'test', reasons: ['test'], at: Date.now() },
    }]);
  } finally {
    await producer.disconnect();
  }
}

export interface ScoredMessage {
  readonly partition: number;
  readonly offset: number;
  readonly value: ScoredTransaction;
}

export async function readScored(env: IntegrationEnv, count: number, timeoutMs = 90_000): Promise<ScoredMessage[]> {
  // readTopic collects without partition info; re-read with partitions via the message's own fields.
  const messages: (KafkaMessage & { partition?: number })[] = [];
  const consumer = env.kafka.consumer({ groupId: env.uniqueGroup('reader'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: env.names.transactionsScored, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void messages.push({ ...message, partition }) });
  try {
    await waitFor(`${count} scored events`, () => messages.length >= count, timeoutMs, 250);
    // Keep listening: a duplicate would arrive after the count was reached.
    await new Promise((r) => setTimeout(r, 2500));
  } finally {
    await consumer.disconnect();
  }
  const out: ScoredMessage[] = [];
  for (const m of messages) {
    out.push({ partition: m.partition!, offset: Number(m.offset), value: (await env.codec.decode('transactionsScored', m.value)) as ScoredTransaction });
  }
  return out;
}

/** Offline reference: the same ONNX bytes through onnxruntime (training's session), keyed by transaction id. */
export async function offlineScores(reg: Registered, featureNames: readonly string[], events: readonly EnrichedTransaction[]): Promise<Map<string, number>> {
  const loaded = await loadOnnxModel(reg.onnx, { featureNames });
  try {
    const scores = await scoreRows(loaded.session, featureNames, eventMatrix(events, featureNames), events.length);
    return new Map(events.map((e, i) => [e.transaction_id, scores[i]!]));
  } finally {
    await loaded.session.release();
  }
}

export interface InProcess {
  readonly running: RunningService;
  readonly parts: ScoringParts;
  readonly url: string;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

export async function startInProcess(t: TestContext, env: IntegrationEnv, root: string): Promise<InProcess> {
  const config = loadConfig(
    scoringConfigSchema,
    {
      ...process.env,
      TOPIC_NAMESPACE: env.namespace,
      MODEL_SOURCE: root,
      HTTP_PORT: '0',
      SCORING_GROUP_ID: env.uniqueGroup('scoring'),
      SCORING_MODEL_POLL_MS: '300',
      // Off: these tests must see lifecycle events do the swap, not the registry reconciliation.
      SCORING_MODEL_RECONCILE_MS: '0',
      LOG_LEVEL: 'silent',
    },
    checkScoringConfig,
  );
  let parts: ScoringParts | undefined;
  const running = await runService('scoring', config, async (ctx) => (parts = await buildScoring(ctx, config)), { installSignalHandlers: false });
  t.after(() => running.stop());
  const metric = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
    const m = running.ctx.registry.getSingleMetric(name);
    if (!m) return 0;
    const { values } = await m.get();
    return values
      .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
      .reduce((s, v) => s + v.value, 0);
  };
  return { running, parts: parts!, url: `http://127.0.0.1:${running.port}`, metric };
}

/** Waits until the lifecycle consumer is positioned: with fromBeginning=false an event sent before that is never seen. */
export async function lifecycleListening(env: IntegrationEnv, svc: InProcess): Promise<void> {
  await waitFor('lifecycle consumer hears events', async () => {
    await publishLifecycle(env, { model_name: 'fraud', action: 'REGISTERED', version: 1, onnx_sha256: '0'.repeat(64) });
    await new Promise((r) => setTimeout(r, 700));
    return (await svc.metric('scoring_lifecycle_events_total', { action: 'REGISTERED' })) > 0;
  }, 60_000, 0);
}

export async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

