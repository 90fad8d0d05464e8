import { randomUUID } from 'node:crypto';
import { sendRecords } from '@riskstream/shared';
import type { RegisteredModel } from '@riskstream/training';
import { connectTopicProducer } from './topic-producer.ts';

export type LifecycleAction = 'REGISTERED' | 'PROMOTED' | 'REJECTED' | 'ROLLED_BACK' | 'SHADOW_STARTED';

/**
 * Announces a registry change on models.lifecycle.v1, which every scoring instance follows to hot-swap.
 * The artifact URI names the model server route, so instances without the registry's filesystem can
 * fetch the bytes (and check them against onnx_sha256).
 */
export async function publishLifecycle(
  env: Readonly<Record<string, string | undefined>>,
  event: { action: LifecycleAction; model: RegisteredModel; previousVersion?: number; reasons: readonly string[] },
): Promise<void> {
  const { producer, codec } = await connectTopicProducer(env, 'lifecycle', ['modelsLifecycle']);
  try {
    const modelServer = env['MODEL_SERVER_URL'] ?? 'http://127.0.0.1:8095';
    await sendRecords(producer, codec, [
      {
        topic: 'modelsLifecycle',
        key: event.model.name,
        value: {
          event_id: randomUUID(),
          model_name: event.model.name,
          action: event.action,
          version: event.model.version,
          previous_version: event.previousVersion ?? null,
          onnx_sha256: event.model.manifest.onnxSha256,
          artifact_uri: `${modelServer}/v1/models/${event.model.name}/${event.model.version}/model.onnx`,
          reasons: [...event.reasons],
          at: Date.now(),
        },
      },
    ]);
  } finally {
    await producer.disconnect();
  }
}
