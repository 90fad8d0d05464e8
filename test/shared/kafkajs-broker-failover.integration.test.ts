import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { Kafka, Producer } from 'kafkajs';
import {
  createIdempotentProducer,
  createKafka,
  createLogger,
  ensureTopics,
  replicationSettings,
  topicNames,
} from '@riskstream/shared';
import { runStackCommand } from '../../cli/src/commands/stack-command.ts';
import type { ComponentStatus } from '../../cli/src/stack/stack-lifecycle.ts';
import { readTopic, uniqueId } from '../support/integration.ts';
import { partitionsOf, startLocalCluster, transactionCoordinator, type LocalCluster } from '../support/kafka-cluster.ts';

// A private 3-node cluster (`stack up --brokers 3` in a temporary stack dir, on free ports): the shared
// stack is a single broker, and these tests kill brokers. Runs in `npm test`; FAILOVER_RUNS=10 repeats the
// kill test more often.
const RUNS = Number(process.env['FAILOVER_RUNS'] ?? 3);
const TRANSACTIONS = 5;
const RECORDS = 100;

let cluster: LocalCluster;
let kafka: Kafka;

before(async () => {
  cluster = await startLocalCluster(3);
  kafka = createKafka(cluster.config, 'test-failover', createLogger('test-failover', { level: 'silent' }));
});

after(async () => {
  await cluster?.stop();
});

/** A fresh catalog topic (6 partitions, their leaders spread over the nodes), created as the services create theirs. */
async function freshTopic(label: string): Promise<string> {
  const names = topicNames(`t-${label}-${uniqueId()}.`);
  await ensureTopics(kafka, names, { keys: ['transactionsScored'], ...replicationSettings(cluster.config) });
  return names.transactionsScored;
}

function records(from: number, count: number): Array<{ key: string; value: string }> {
  // Keys spread the records over every partition, so every transaction writes to all three leaders.
  return Array.from({ length: count }, (_, i) => ({ key: `card-${(from + i) % 37}`, value: `record-${from + i}` }));
}

interface Tally {
  readonly read: number;
  readonly duplicates: number;
  readonly lost: number;
}

async function tally(topic: string, expected: number): Promise<Tally> {
  const out = await readTopic(kafka, topic, { count: expected, timeoutMs: 60_000, settleMs: 2000 });
  const counts = new Map<string, number>();
  for (const m of out) counts.set(String(m.value), (counts.get(String(m.value)) ?? 0) + 1);
  return { read: out.length, duplicates: out.length - counts.size, lost: expected - counts.size };
}

/** One transaction as an application writes it: on failure, abort and send the same records again. */
async function commitOnce(
  producer: Producer,
  topic: string,
  batches: ReadonlyArray<ReturnType<typeof records>>,
  options: { beforeBatch?: (i: number) => Promise<void>; errors?: string[] } = {},
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const txn = await producer.transaction();
    let step = 'send';
    try {
      for (const [i, messages] of batches.entries()) {
        if (attempt === 1) await options.beforeBatch?.(i);
        await txn.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 });
      }
      step = 'commit';
      await txn.commit();
      return attempt;
    } catch (err) {
      options.errors?.push(`${step}: ${(err as Error).message}`);
      await txn.abort().catch(() => undefined);
      if (attempt >= 5) throw err;
    }
  }
}

/** `call` again while it fails with an error kafkajs marks retriable, for up to 30 s. */
async function retriable<T>(call: () => Promise<T>): Promise<T> {
  for (const deadline = Date.now() + 30_000; ; ) {
    try {
      return await call();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function stackCommand(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        into.push(chunk.toString());
        done();
      },
    });
  const code = await runStackCommand(args, { stdout: sink(out), stderr: sink(err), env: cluster.stackEnv });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

test('integration: stack status lists every node of the 3-node cluster; stack up keeps its size and refuses another', async () => {
  // Each node is healthy once it has registered itself; on a loaded machine a node can be fenced for a
  // late heartbeat (status then exits 1) and its view of the others lag, for seconds.
  let status = { code: -1, stdout: '', stderr: '' };
  let nodes: ComponentStatus[] = [];
  for (const deadline = Date.now() + 60_000; ; ) {
    status = await stackCommand(['status', '--json', '--only', 'kafka']);
    nodes = (JSON.parse(status.stdout) as { components: ComponentStatus[] }).components;
    if ((status.code === 0 && nodes.every((c) => c.detail.startsWith('3 brokers'))) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.equal(status.code, 0, status.stdout);
  assert.deepEqual(nodes.map((c) => [c.name, c.kind, c.state, c.healthy]), [
    ['kafka', 'kafka', 'managed', true],
    ['kafka-2', 'kafka', 'managed', true],
    ['kafka-3', 'kafka', 'managed', true],
  ]);
  assert.deepEqual(nodes.map((c) => c.url), [...cluster.brokers]);
  for (const c of nodes) assert.match(c.detail, /^3 brokers, cluster /);
  const again = await stackCommand(['up', '--only', 'kafka']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^kafka-3: already running \(pid \d+\)$/m);
  assert.match(again.stdout, new RegExp(`KAFKA_BROKERS=${cluster.brokers.join(',')}$`, 'm'));
  const resize = await stackCommand(['up', '--brokers', '1', '--only', 'kafka']);
  assert.equal(resize.code, 1);
  assert.match(resize.stderr, /holds a 3-node Kafka cluster; it cannot become 1 node in place/);
});

test('integration: on a 3-broker cluster, ensureTopics creates topics with replication factor 3 and min.insync.replicas 2 (defaults from cluster metadata)', async () => {
  const topic = await freshTopic('rf');
  const partitions = await partitionsOf(kafka, topic);
  assert.ok(partitions.length > 1);
  for (const p of partitions) {
    assert.equal(p.replicas.length, 3, `partition ${p.partitionId} replicas ${p.replicas.join(',')}`);
    assert.equal(new Set(p.replicas).size, 3);
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Any node answers for the topic; one that has not applied the creation yet says UNKNOWN_TOPIC_OR_PARTITION.
    const { resources } = await retriable(() =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: 2 /* TOPIC */, name: topic, configNames: ['min.insync.replicas'] },
          { type: 4 /* BROKER */, name: '2', configNames: ['default.replication.factor', 'min.insync.replicas', 'unclean.leader.election.enable', 'transaction.state.log.min.isr', 'transaction.state.log.replication.factor', 'offsets.topic.replication.factor'] },
        ],
      }),
    );
    const values = (name: string) => Object.fromEntries(resources.find((r) => r.resourceName === name)!.configEntries.map((e) => [e.configName, e.configValue]));
    assert.equal(values(topic)['min.insync.replicas'], '2');
    assert.deepEqual(values('2'), {
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
      'unclean.leader.election.enable': 'false',
      'transaction.state.log.min.isr': '2',
      'transaction.state.log.replication.factor': '3',
      'offsets.topic.replication.factor': '3',
    });
  } finally {
    await admin.disconnect();
  }
});

test('integration: back-to-back transactions over three partition leaders commit every record once (kafkajs resent in-flight produce requests)', async () => {
  // No fault at all: a transaction begun right after a commit meets CONCURRENT_TRANSACTIONS on one
  // leader's AddPartitionsToTxn while the other leaders' produce requests are in flight; kafkajs retried
  // those too and wrote their records twice.
  const topic = await freshTopic('b2b');
  const producer = createIdempotentProducer(kafka, `t-b2b-${uniqueId()}`);
  await producer.connect();
  const n = 20;
  try {
    for (let t = 0; t < n; t++) await commitOnce(producer, topic, [records(t * RECORDS, RECORDS)]);
  } finally {
    await producer.disconnect();
  }
  const result = await tally(topic, n * RECORDS);
  assert.deepEqual(result, { read: n * RECORDS, duplicates: 0, lost: 0 });
});

test(`integration: kill -9 of a broker mid-transaction, ${RUNS} runs: read_committed output has each of ${TRANSACTIONS} x ${RECORDS} records exactly once (kafkajs resent in-flight requests, dropped a dead leader's partitions, gave up EndTxn on a moved coordinator)`, async (t) => {
  const rows: string[] = [];
  let duplicates = 0;
  let lost = 0;
  let failed = 0;
  for (let run = 1; run <= RUNS; run++) {
    const topic = await freshTopic(`kill${run}`);
    const leaders = [...new Set((await partitionsOf(kafka, topic)).map((p) => p.leader))];
    const transactionalId = `t-kill-${run}-${uniqueId()}`;
    const producer = createIdempotentProducer(kafka, transactionalId);
    await producer.connect();
    const victimKind = run % 2 === 1 ? 'a leader, not the coordinator' : 'the transaction coordinator';
    let victim = 0;
    let attempts = 0;
    const errors: string[] = [];
    const t0 = Date.now();
    try {
      for (let txn = 0; txn < TRANSACTIONS; txn++) {
        const all = records(txn * RECORDS, RECORDS);
        // The third transaction loses a broker between its two sends: a partition leader that is not the
        // transaction coordinator on odd runs, the transaction coordinator on even ones.
        const killBetween = async (i: number) => {
          if (txn !== 2 || i !== 1) return;
          const coordinator = await transactionCoordinator(kafka, transactionalId);
          victim = run % 2 === 1 ? (leaders.find((l) => l !== coordinator) ?? leaders[0]!) : coordinator;
          cluster.kill(victim);
        };
        attempts += await commitOnce(producer, topic, [all.slice(0, RECORDS / 2), all.slice(RECORDS / 2)], { beforeBatch: killBetween, errors });
      }
    } catch (err) {
      failed++;
      errors.push(`gave up: ${(err as Error).message}`);
    } finally {
      await producer.disconnect();
    }
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    const [result] = await Promise.all([tally(topic, TRANSACTIONS * RECORDS), cluster.heal()]);
    duplicates += result.duplicates;
    lost += result.lost;
    rows.push(
      `run ${run}: killed node ${victim} (${victimKind}), ${attempts} attempts in ${seconds}s; read ${result.read}, duplicates ${result.duplicates}, lost ${result.lost}` +
        (errors.length > 0 ? `; errors: ${errors.join('; ')}` : ''),
    );
  }
  for (const row of rows) t.diagnostic(row);
  assert.deepEqual({ duplicates, lost, failed }, { duplicates: 0, lost: 0, failed: 0 }, rows.join('\n'));
});
