/**
 * The reference: today's transport with no work, three bench/pipeline/passthrough-relay.ts processes
 * chained t0 -> t1 -> t2 -> t3 (kafkajs, a transaction per input partition, offsets in the transaction).
 */
import { integrationEnv, type IntegrationEnv } from '../../test/support/integration.ts';
import { startChild, type ChildService } from '../../test/support/child-service.ts';
import { once, rawTransactionId, type RunningSystem, type SystemUnderTest } from './system-under-test.ts';

/** The four topics of a 3-hop pass-through, in the order records flow through them. */
export function passThroughTopics(env: IntegrationEnv): [string, string, string, string] {
  const n = env.names;
  return [n.transactionsRaw, n.transactionsValid, n.transactionsEnriched, n.transactionsScored];
}

async function stopRelays(relays: readonly ChildService[]): Promise<void> {
  for (const r of relays) r.child.kill('SIGTERM');
  await Promise.all(relays.map((r) => r.exited()));
}

function startRelays(env: IntegrationEnv, topics: readonly string[]): RunningSystem {
  const relays = [0, 1, 2].map((i) =>
    startChild('bench/pipeline/passthrough-relay.ts', { FROM_TOPIC: topics[i]!, TO_TOPIC: topics[i + 1]!, GROUP_ID: env.uniqueGroup(`relay${i + 1}`) }),
  );
  const stop = once(() => stopRelays(relays));
  return { pids: new Map(relays.map((r, i) => [`relay${i + 1}`, r.child.pid!])), stop };
}

export async function referenceSystem(): Promise<SystemUnderTest> {
  const env = await integrationEnv('lat-ref');
  const topics = passThroughTopics(env);
  let running: RunningSystem | undefined;
  return {
    name: 'reference',
    input: topics[0],
    output: topics[3],
    idOf: rawTransactionId,
    async start() {
      running = startRelays(env, topics);
      return running;
    },
    dispose: once(async () => {
      await running?.stop();
      await env.cleanup();
    }),
  };
}
