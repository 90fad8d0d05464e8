import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

// kafkajs's produce path as installed in node_modules (scripts/patch-dependencies.mjs replaces kafkajs's
// own at npm install: a retry used to resend in-flight requests and skip partitions whose leader moved).
const require = createRequire(import.meta.url);
const sendMessagesPath = require.resolve('kafkajs/src/producer/sendMessages.js');
const createSendMessages = require(sendMessagesPath) as (o: object) => (r: object) => Promise<Array<{ topicName: string; partition: number }>>;
const createRetry = require('kafkajs/src/retry') as (o: object) => unknown;
const { KafkaJSConnectionError } = require('kafkajs/src/errors') as { KafkaJSConnectionError: new (m: string, o?: object) => Error };
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode: (code: number) => Error };

const CONCURRENT_TRANSACTIONS = 51;
const TOPIC = 'out';

interface Message {
  key: string | null;
  value: string;
}

interface PartitionRequest {
  partition: number;
  firstSequence: number;
  messages: Message[];
}

/**
 * Three brokers leading partitions 0, 1 and 2 of one topic. Each partition's log deduplicates like a
 * broker with an idempotent producer: a batch whose sequence was already appended is acknowledged and
 * dropped, any other batch is appended. `script` decides how each produce request ends.
 */
function fakeCluster(script: (nodeId: number, call: number) => Promise<void>) {
  const leaders = new Map([
    [0, 1],
    [1, 2],
    [2, 3],
  ]);
  let movesOnRefresh: Array<[number, number]> = [];
  const logs = new Map<number, string[]>([0, 1, 2].map((p) => [p, []]));
  const nextSequence = new Map<number, number>([0, 1, 2].map((p) => [p, 0]));
  const calls = new Map<number, number>();
  const requests: string[] = [];

  const broker = (nodeId: number) => ({
    nodeId,
    async produce({ topicData }: { topicData: Array<{ topic: string; partitions: PartitionRequest[] }> }) {
      const call = (calls.get(nodeId) ?? 0) + 1;
      calls.set(nodeId, call);
      const partitions = topicData.flatMap((t) => t.partitions);
      requests.push(`node ${nodeId}: ${partitions.map((p) => `p${p.partition}@${p.firstSequence}x${p.messages.length}`).join(' ')}`);
      for (const p of partitions) {
        if (leaders.get(p.partition) !== nodeId) throw createErrorFromCode(6 /* NOT_LEADER_OR_FOLLOWER */);
      }
      await script(nodeId, call);
      for (const p of partitions) {
        const expected = nextSequence.get(p.partition)!;
        if (p.firstSequence < expected) continue; // a duplicate of an appended batch
        assert.equal(p.firstSequence, expected, `p${p.partition}: OUT_OF_ORDER_SEQUENCE_NUMBER`);
        logs.get(p.partition)!.push(...p.messages.map((m) => m.value));
        nextSequence.set(p.partition, expected + p.messages.length);
      }
      return { topics: topicData.map((t) => ({ topicName: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0' })) })) };
    },
  });
  const brokers = new Map([1, 2, 3].map((id) => [id, broker(id)]));
  const partitionMetadata = () => [0, 1, 2].map((partitionId) => ({ partitionId, leader: leaders.get(partitionId)! }));

  const cluster = {
    targetTopics: new Set([TOPIC]),
    addMultipleTargetTopics: async () => undefined,
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => {
      for (const [p, leader] of movesOnRefresh) leaders.set(p, leader);
      movesOnRefresh = [];
    },
    isConnected: () => true,
    removeBroker: () => undefined,
    findTopicPartitionMetadata: () => partitionMetadata(),
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[leaders.get(p)!] ??= []).push(p);
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: number | string }) => brokers.get(Number(nodeId))!,
  };
  return {
    cluster,
    logs,
    requests,
    /** Leadership changes that the next metadata refresh reveals. */
    moveOnRefresh: (partition: number, leader: number) => movesOnRefresh.push([partition, leader]),
  };
}

/** kafkajs's sequence bookkeeping and per-broker locks, with an optional AddPartitionsToTxn step. */
function fakeEosManager(addPartitions?: (partitions: number[]) => Promise<void>) {
  const sequences = new Map<string, number>();
  const locks = new Map<number, Promise<void>>();
  const releases = new Map<number, () => void>();
  return {
    isTransactional: () => addPartitions !== undefined,
    getTransactionalId: () => 'tx',
    getProducerId: () => 7,
    getProducerEpoch: () => 0,
    getSequence: (topic: string, partition: number) => sequences.get(`${topic}:${partition}`) ?? 0,
    updateSequence: (topic: string, partition: number, n: number) => sequences.set(`${topic}:${partition}`, (sequences.get(`${topic}:${partition}`) ?? 0) + n),
    addPartitionsToTransaction: async (topicData: Array<{ partitions: Array<{ partition: number }> }>) =>
      addPartitions?.(topicData.flatMap((t) => t.partitions.map((p) => p.partition))),
    async acquireBrokerLock(broker: { nodeId: number }) {
      while (locks.has(broker.nodeId)) await locks.get(broker.nodeId);
      locks.set(broker.nodeId, new Promise<void>((resolve) => releases.set(broker.nodeId, resolve)));
    },
    releaseBrokerLock(broker: { nodeId: number }) {
      locks.delete(broker.nodeId);
      releases.get(broker.nodeId)?.();
    },
  };
}

const logger = { debug() {}, info() {}, warn() {}, error() {} };

function send(cluster: object, eosManager: object, messages: Message[], partitioner = byKey) {
  const sendMessages = createSendMessages({
    logger,
    cluster,
    eosManager,
    partitioner,
    // The project's transactional retry starts at 1 ms: the retry comes while other requests are in flight.
    retrier: createRetry({ initialRetryTime: 1, maxRetryTime: 20, retries: 10 }),
  });
  return sendMessages({ acks: -1, timeout: 30000, topicMessages: [{ topic: TOPIC, messages }] });
}

function byKey({ message }: { message: Message }): number {
  return Number(message.key) % 3;
}

const records = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: String(i), value: `r${i}` }));

function assertEachOnce(logs: Map<number, string[]>, messages: Message[], requests: readonly string[]): void {
  const written = [...logs.values()].flat().sort();
  assert.deepEqual(written, messages.map((m) => m.value).sort(), `every record once; requests:\n${requests.join('\n')}`);
}

test('the installed kafkajs produce path is the patched one', () => {
  assert.match(readFileSync(sendMessagesPath, 'utf8'), /riskstream's replacement/);
});

test('a leader lost mid-send: the partitions of brokers still answering are not sent again, the lost one goes to its new leader', async () => {
  // Node 3 dies: its request fails at once, and its partition moves to node 1. Nodes 1 and 2 answer only
  // later (acks=all waits until the dead replica leaves the ISR).
  const { cluster, logs, requests, moveOnRefresh } = fakeCluster(async (nodeId, call) => {
    if (nodeId === 3) throw new KafkaJSConnectionError('Connection error: read ECONNRESET', { broker: 'node3:9292' });
    if (call === 1) await sleep(50);
  });
  moveOnRefresh(2, 1);
  const messages = records(30);
  const acks = await send(cluster, fakeEosManager(), messages);
  assertEachOnce(logs, messages, requests);
  assert.deepEqual(acks.map((a) => a.partition).sort(), [0, 1, 2]);
});

test('a retriable AddPartitionsToTxn refusal on one leader does not resend what the other leaders are writing', async () => {
  // CONCURRENT_TRANSACTIONS: the previous transaction's markers are still being written.
  let refusals = 0;
  const eos = fakeEosManager(async (partitions) => {
    if (partitions.includes(1) && refusals++ === 0) throw createErrorFromCode(CONCURRENT_TRANSACTIONS);
  });
  const { cluster, logs, requests } = fakeCluster(async (nodeId, call) => {
    if (nodeId !== 2 && call === 1) await sleep(30);
  });
  const messages = records(30);
  await send(cluster, eos, messages);
  assertEachOnce(logs, messages, requests);
  assert.equal(requests.length, 3, requests.join('\n'));
});

test('keyless records keep the partition they were first given: a retry moves none of them', async () => {
  let next = 0;
  const roundRobin = () => next++ % 3;
  const { cluster, logs, requests } = fakeCluster(async (nodeId, call) => {
    if (nodeId === 2 && call === 1) throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { broker: 'node2:9192' });
  });
  // 32: kafkajs re-ran the partitioner for the retry, which then started at 32 % 3 and shifted every record.
  const messages = records(32).map((m) => ({ ...m, key: null }));
  await send(cluster, fakeEosManager(), messages, roundRobin);
  assertEachOnce(logs, messages, requests);
  assert.deepEqual([...logs.values()].map((log) => log.length), [11, 11, 10]);
  assert.deepEqual(logs.get(2), ['r2', 'r5', 'r8', 'r11', 'r14', 'r17', 'r20', 'r23', 'r26', 'r29']);
});

test('a fencing error ends the send even when another leader failed retriably', async () => {
  const { cluster } = fakeCluster(async (nodeId) => {
    if (nodeId === 1) throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { broker: 'node1:9092' });
    if (nodeId === 2) throw createErrorFromCode(47 /* INVALID_PRODUCER_EPOCH */);
  });
  await assert.rejects(send(cluster, fakeEosManager(), records(30)), (e: unknown) => (e as { type?: string }).type === 'INVALID_PRODUCER_EPOCH');
});
