import { DEFAULT_MODEL_SERVER_URL, lifecycleEvent, sendLifecycleEvents, type LifecycleAnnouncement } from '@riskstream/shared';
import { connectTopicProducer } from './topic-producer.ts';

export type { LifecycleAction } from '@riskstream/shared';

/**
 * The CLI's entry to the shared lifecycle publisher (shared/src/lifecycle-publisher.ts): connects from the
 * environment (TOPIC_NAMESPACE, MODEL_SERVER_URL), announces one registry change, disconnects.
 */
export async function publishLifecycle(env: Readonly<Record<string, string | undefined>>, event: LifecycleAnnouncement): Promise<void> {
  const { producer, codec } = await connectTopicProducer(env, 'lifecycle', ['modelsLifecycle']);
  try {
    await sendLifecycleEvents(producer, codec, [lifecycleEvent(event, env['MODEL_SERVER_URL'] ?? DEFAULT_MODEL_SERVER_URL)]);
  } finally {
    await producer.disconnect();
  }
}
