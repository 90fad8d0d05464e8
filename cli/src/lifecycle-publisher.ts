import { DEFAULT_MODEL_SERVER_URL, lifecycleEvent, sendLifecycleEvents, type LifecycleAnnouncement } from '@riskstream/shared';
import type { CommandIo } from './command.ts';
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

/**
 * Announces a change the registry already holds (so it is durable whatever happens here): nothing with
 * RISKSTREAM_NO_PUBLISH=1; a line naming `what` once Kafka acknowledged it; exit code 1 with a message
 * when Kafka failed, as scoring then catches up on its next registry read.
 */
export async function announceRegistryChange(io: CommandIo, event: LifecycleAnnouncement, what: string): Promise<number> {
  if (io.env['RISKSTREAM_NO_PUBLISH'] === '1') return 0;
  try {
    await publishLifecycle(io.env, event);
    io.stdout.write(`announced ${event.action} ${what} on models.lifecycle.v1\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`the registry is updated, but announcing it on Kafka failed (${(err as Error).message}); scoring picks it up when it next reads the registry\n`);
    return 1;
  }
}
