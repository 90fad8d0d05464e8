/**
 * Scenario 3 of the fault suite: a network partition of one broker from the clients. A private 3-node
 * cluster whose clients reach each broker through a TCP proxy of the test's own (test/support/
 * proxied-cluster.ts); the brokers replicate directly. Mid-stream, the proxy of the broker that
 * coordinates scoring's transactions (and leads partitions) passes no byte for 30 s (10 s in the default
 * profile): that broker stays in the cluster and the ISR, but no client can reach it. Then it heals. The
 * pipeline (split stages and decisions) must end with every valid input scored once, every invalid one
 * dead-lettered, per-card order and the Redis feature state right.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel } from 'kafkajs';
import { createKafka, loadConfig, connectionSchema } from '@riskstream/shared';
import { partitionsOf, transactionCoordinator } from '../support/kafka-cluster.ts';
import { startProxiedCluster, type ProxiedCluster } from '../support/proxied-cluster.ts';
import { FaultHarness, faultProblems, faultProfile, printFaultTable, trainedModel } from './fault-harness.ts';
import { fullProfileOnly } from './fault-profile.ts';

const profile = faultProfile();
const PARTITION_MS = profile.name === 'full' ? 30_000 : 10_000;
// A private 3-node cluster behind proxies costs over a minute and a half: over the default run's budget.
const skip = fullProfileOnly('a private broker cluster', profile);
const model = skip ? { dir: '', cleanup: async () => undefined } : await trainedModel();
test.after(() => model.cleanup());

/** A describeCluster through one address only, with short timeouts and no retries: resolves to the outcome. */
async function describeThrough(address: string, timeoutMs = 4000): Promise<'answered' | string> {
  const config = loadConfig(connectionSchema, { ...process.env, KAFKA_BROKERS: address });
  const admin = createKafka(config, 'partition-check', undefined, { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, retry: { retries: 0 }, logLevel: logLevel.NOTHING }).admin();
  const attempt = (async () => {
    await admin.connect();
    await admin.describeCluster();
    return 'answered';
  })();
  const timer = sleep(timeoutMs * 3).then(() => 'no answer within the deadline');
  try {
    return await Promise.race([attempt.catch((err: Error) => err.message), timer]);
  } finally {
    attempt.catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** The broker to partition: scoring's transaction coordinator; the partitions each broker leads. */
async function pickTarget(h: FaultHarness): Promise<{ node: number; leads: Map<number, number>; coordinator: number }> {
  const topics = [h.names.transactionsRaw, h.names.transactionsValid, h.names.transactionsEnriched, h.names.transactionsScored];
  const leads = new Map<number, number>();
  for (const topic of topics) for (const p of await partitionsOf(h.kafka, topic)) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
  // __transaction_state exists once scoring's first transaction has begun: the stream is under way.
  const coordinator = await transactionCoordinator(h.kafka, `${h.childEnv['SCORING_GROUP_ID']}.scoring-0`);
  const busiest = [...leads].sort((a, b) => b[1] - a[1])[0]![0];
  return { node: (leads.get(coordinator) ?? 0) > 0 ? coordinator : busiest, leads, coordinator };
}

/** The partition really cuts: through its proxy the broker does not answer; directly it does. */
async function assertCut(t: TestContext, cluster: ProxiedCluster, node: number): Promise<void> {
  const [viaProxy, direct] = await Promise.all([describeThrough(`127.0.0.1:${cluster.proxy(node).port}`), describeThrough(cluster.directAddress(node))]);
  t.diagnostic(`broker ${node} partitioned: through its proxy: ${viaProxy}; direct: ${direct}`);
  assert.notEqual(viaProxy, 'answered', 'a client request through the partitioned proxy must not be answered');
  assert.equal(direct, 'answered', 'the broker itself must still answer a direct connection');
}

test(`integration: faults: one broker (transaction coordinator, partition leader) partitioned from the clients for ${PARTITION_MS / 1000} s mid-stream, then healed (${profile.events.toLocaleString('en')} events): 0 lost, 0 duplicates, per-card order, feature state`, { skip }, async (t) => {
  const begun = Date.now();
  const cluster = await startProxiedCluster(3);
  t.diagnostic(`proxied 3-node cluster up in ${((Date.now() - begun) / 1000).toFixed(1)} s`);
  let h: FaultHarness | undefined;
  t.after(async () => {
    await h?.close();
    await cluster.stop();
  });
  h = await FaultHarness.open({ label: 'partition', registryDir: model.dir, kafka: cluster.config });
  await h.startAll();
  const harness = h;
  const log: string[] = [];
  const mark = (what: string) => log.push(`${new Date().toISOString().slice(11, 19)} ${what}`);
  let faulting: Promise<void> | undefined;
  const partition = async () => {
    const target = await pickTarget(harness);
    log.push(`leaders per broker ${JSON.stringify(Object.fromEntries(target.leads))}, scoring-0's transaction coordinator ${target.coordinator}`);
    const started = Date.now();
    const proxy = cluster.proxy(target.node);
    const clear = harness.fault(`broker ${target.node} partitioned from the clients ${PARTITION_MS / 1000} s`);
    proxy.blackhole();
    mark(`broker ${target.node} partitioned`);
    try {
      await assertCut(t, cluster, target.node);
      await sleep(PARTITION_MS - (Date.now() - started));
    } finally {
      proxy.heal();
    }
    clear();
    mark(`broker ${target.node} healed`);
  };
  await h.stream({
    rate: Math.min(profile.rate, Math.ceil(profile.events / (PARTITION_MS / 1000 + 15))),
    onProgress: (sent, total) => {
      if (!faulting && sent >= total * 0.2) {
        faulting = partition();
        // Awaited after the stream; a failure before that must not count as unhandled.
        faulting.catch(() => undefined);
      }
    },
  });
  await faulting;
  t.diagnostic(`3. network partition: ${log.join('; ')}`);
  const report = await h.verify('3. broker partitioned from clients');
  printFaultTable(t, [report]);
  assert.equal(report.faults.length, 1);
  assert.deepEqual(faultProblems(report), []);
});
