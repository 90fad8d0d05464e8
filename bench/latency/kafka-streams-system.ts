/**
 * Kafka Streams exactly-once-v2, the same three pass-through hops in one JVM (bench/kafka-streams/), at
 * a given commit.interval.ms: how far a stock framework gets on this broker.
 */
import { integrationEnv } from '../../test/support/integration.ts';
import { startStreamsPassThrough } from '../kafka-streams/kafka-streams-passthrough.ts';
import { passThroughTopics } from './reference-system.ts';
import { once, rawTransactionId, type RunningSystem, type SystemUnderTest } from './system-under-test.ts';

export async function kafkaStreamsSystem(commitIntervalMs: number): Promise<SystemUnderTest> {
  const env = await integrationEnv(`lat-ks${commitIntervalMs}`);
  const topics = passThroughTopics(env);
  let running: RunningSystem | undefined;
  return {
    name: `kafka-streams-${commitIntervalMs}`,
    input: topics[0],
    output: topics[3],
    idOf: rawTransactionId,
    async start() {
      const jvm = await startStreamsPassThrough({ brokers: env.config.kafkaBrokers.join(','), applicationId: env.uniqueGroup('streams'), topics, commitIntervalMs });
      running = { pids: new Map([['jvm', jvm.pid]]), stop: once(() => jvm.stop()) };
      return running;
    },
    dispose: once(async () => {
      await running?.stop();
      await env.cleanup();
    }),
  };
}
