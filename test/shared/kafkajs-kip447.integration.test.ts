import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { connectionSchema, createKafka, createLogger, loadConfig } from '@riskstream/shared';
import { uniqueId } from '../support/integration.ts';

// KIP-447 in kafkajs as installed in node_modules (scripts/patch-dependencies.mjs adds TxnOffsetCommit v2/v3
// and OffsetFetch v5-v7 to kafkajs 2.2.4 at npm install): a transactional producer's offsets carry the
// consumer group generation so a zombie member is fenced by the group, and a member that is assigned a
// partition waits for offsets pending in its previous owner's open transaction.
const require = createRequire(import.meta.url);
const kafkajsFile = (path: string) => require.resolve(`kafkajs/src/${path}`);

interface ProtocolRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<{ buffer: Buffer }>;
}
interface ProtocolResponse {
  decode(raw: Buffer): Promise<unknown>;
  parse(data: unknown): Promise<unknown>;
}
type VersionedRequest = (args: object) => { request: ProtocolRequest; response: ProtocolResponse };
interface RequestDefinition {
  versions: string[];
  protocol(o: { version: number }): VersionedRequest;
}
interface ProtocolError extends Error {
  type: string;
  code: number;
  retriable: boolean;
}

const txnOffsetCommit = require(kafkajsFile('protocol/requests/txnOffsetCommit/index.js')) as RequestDefinition;
const offsetFetch = require(kafkajsFile('protocol/requests/offsetFetch/index.js')) as RequestDefinition;
const { lookup } = require(kafkajsFile('protocol/requests/index.js')) as {
  lookup: (versions: Record<number, { minVersion: number; maxVersion: number }>) => (apiKey: number, definition: RequestDefinition) => VersionedRequest;
};
const encodeRequest = require(kafkajsFile('protocol/request.js')) as (o: {
  correlationId: number;
  clientId: string;
  request: ProtocolRequest;
}) => Promise<{ buffer: Buffer }>;

const TXN_OFFSET_COMMIT = 28;
const OFFSET_FETCH = 9;
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string) => Buffer.from(s, 'utf8').toString('hex');

test('the installed kafkajs has the KIP-447 patches', () => {
  for (const path of ['protocol/requests/txnOffsetCommit/index.js', 'protocol/requests/offsetFetch/index.js', 'consumer/consumerGroup.js', 'broker/index.js', 'producer/index.js']) {
    assert.match(readFileSync(kafkajsFile(path), 'utf8'), /riskstream's replacement/, path);
  }
  assert.ok(txnOffsetCommit.versions.includes('3'));
  assert.ok(offsetFetch.versions.includes('7'));
});

test('TxnOffsetCommit v3 request bytes follow the protocol spec (flexible: compact strings and arrays, tag buffers, header v2)', async () => {
  const { request } = txnOffsetCommit.protocol({ version: 3 })({
    transactionalId: 'tx',
    groupId: 'g',
    producerId: 7,
    producerEpoch: 1,
    generationId: 5,
    memberId: 'm-1',
    topics: [{ topic: 'in', partitions: [{ partition: 2, offset: '10' }] }],
  });
  assert.equal(request.apiKey, TXN_OFFSET_COMMIT);
  assert.equal(request.apiVersion, 3);
  const body = Buffer.concat([
    hex('00'), // request header tagged fields: none (request header v2)
    hex(`03 ${str('tx')}`), // transactional_id COMPACT_STRING: length + 1, bytes
    hex(`02 ${str('g')}`), // group_id COMPACT_STRING
    hex('0000000000000007'), // producer_id INT64
    hex('0001'), // producer_epoch INT16
    hex('00000005'), // generation_id INT32
    hex(`04 ${str('m-1')}`), // member_id COMPACT_STRING
    hex('00'), // group_instance_id COMPACT_NULLABLE_STRING: null
    hex('02'), // topics COMPACT_ARRAY: length + 1
    hex(`03 ${str('in')}`), //   name COMPACT_STRING
    hex('02'), //   partitions COMPACT_ARRAY
    hex('00000002'), //     partition_index INT32
    hex('000000000000000a'), //     committed_offset INT64
    hex('ffffffff'), //     committed_leader_epoch INT32: -1
    hex('00'), //     committed_metadata COMPACT_NULLABLE_STRING: null
    hex('00'), //     partition tagged fields
    hex('00'), //   topic tagged fields
    hex('00'), // tagged fields
  ]);
  assert.equal((await request.encode()).buffer.toString('hex'), body.toString('hex'));

  // The whole frame: size, api key, version, correlation id, client_id (a non-compact STRING in header
  // v2, as in v1), then the body above, which starts with the header's empty tag buffer.
  const framed = (await encodeRequest({ correlationId: 9, clientId: 'c', request })).buffer;
  const header = hex(`001c 0003 00000009 0001 ${str('c')}`);
  assert.equal(framed.readInt32BE(0), framed.length - 4);
  assert.equal(framed.subarray(4, 4 + header.length).toString('hex'), header.toString('hex'));
  assert.equal(framed.subarray(4 + header.length).toString('hex'), body.toString('hex'));
});

test('TxnOffsetCommit v3 without a generation sends -1, an empty member id and a null instance id (no generation check)', async () => {
  const { request } = txnOffsetCommit.protocol({ version: 3 })({
    transactionalId: 'tx',
    groupId: 'g',
    producerId: 7,
    producerEpoch: 1,
    topics: [],
  });
  const expected = hex(`00 03${str('tx')} 02${str('g')} 0000000000000007 0001 ffffffff 01 00 01 00`);
  assert.equal((await request.encode()).buffer.toString('hex'), expected.toString('hex'));
});

test('the broker version decides: v3 from a Kafka 2.5+ broker; a generation for an older broker is refused, not dropped', async () => {
  const args = { transactionalId: 'tx', groupId: 'g', producerId: 7, producerEpoch: 1, generationId: 5, memberId: 'm', topics: [] };
  const newBroker = lookup({ [TXN_OFFSET_COMMIT]: { minVersion: 0, maxVersion: 4 } })(TXN_OFFSET_COMMIT, txnOffsetCommit);
  assert.equal(newBroker(args).request.apiVersion, 3);
  const oldBroker = lookup({ [TXN_OFFSET_COMMIT]: { minVersion: 0, maxVersion: 2 } })(TXN_OFFSET_COMMIT, txnOffsetCommit);
  assert.throws(() => oldBroker(args), /cannot carry the consumer group generation/);
  const { generationId: _g, memberId: _m, ...unfenced } = args;
  assert.equal(oldBroker(unfenced).request.apiVersion, 2);
});

test('a TxnOffsetCommit v3 response with ILLEGAL_GENERATION is thrown as a non-retriable protocol error', async () => {
  const { response } = txnOffsetCommit.protocol({ version: 3 })({ transactionalId: 'tx', groupId: 'g', producerId: 7, producerEpoch: 1, topics: [] });
  // header tags (one unknown tagged field: tag 3, 2 bytes), throttle 0, [in: [partition 0: error 22]], tags
  const raw = hex(`01 03 02 abcd  00000000  02 03${str('in')} 02 00000000 0016 00 00  00`);
  const decoded = await response.decode(raw);
  assert.deepEqual(decoded, { throttleTime: 0, clientSideThrottleTime: 0, topics: [{ topic: 'in', partitions: [{ partition: 0, errorCode: 22 }] }] });
  const error = (await response.parse(decoded).then(() => null, (e: unknown) => e)) as ProtocolError;
  assert.equal(error?.type, 'ILLEGAL_GENERATION');
  assert.equal(error.retriable, false);
});

test('OffsetFetch v7 request bytes follow the protocol spec (require_stable after the topics)', async () => {
  const { request } = offsetFetch.protocol({ version: 7 })({
    groupId: 'g',
    topics: [{ topic: 'in', partitions: [{ partition: 0 }, { partition: 2 }] }],
    requireStable: true,
  });
  assert.equal(request.apiKey, OFFSET_FETCH);
  assert.equal(request.apiVersion, 7);
  // header tags, group_id, topics [name, partition_indexes [0, 2], tags], require_stable, tags
  const expected = hex(`00 02${str('g')} 02 03${str('in')} 03 00000000 00000002 00 01 00`);
  assert.equal((await request.encode()).buffer.toString('hex'), expected.toString('hex'));

  // No topics: a null array (all the group's topics), as kafkajs sends from v3 on; require_stable false.
  const all = offsetFetch.protocol({ version: 7 })({ groupId: 'g', topics: [] }).request;
  assert.equal((await all.encode()).buffer.toString('hex'), hex(`00 02${str('g')} 00 00 00`).toString('hex'));

  const newBroker = lookup({ [OFFSET_FETCH]: { minVersion: 0, maxVersion: 9 } })(OFFSET_FETCH, offsetFetch);
  assert.equal(newBroker({ groupId: 'g', topics: [], requireStable: true }).request.apiVersion, 7);
});

test('an OffsetFetch v7 response with UNSTABLE_OFFSET_COMMIT (88) is thrown as a retriable protocol error', async () => {
  const { response } = offsetFetch.protocol({ version: 7 })({ groupId: 'g', topics: [], requireStable: true });
  // header tags, throttle 0, [in: [p0 offset -1 epoch -1 metadata "" error 88, p1 offset 4 epoch 0 metadata null error 0]], error 0, tags
  const raw = hex(`00 00000000 02 03${str('in')} 03
    00000000 ffffffffffffffff ffffffff 01 0058 00
    00000001 0000000000000004 00000000 00 0000 00
    00  0000 00`);
  const decoded = (await response.decode(raw)) as { responses: unknown; errorCode: number };
  assert.deepEqual(decoded.responses, [
    {
      topic: 'in',
      partitions: [
        { partition: 0, offset: '-1', metadata: '', errorCode: 88 },
        { partition: 1, offset: '4', metadata: null, errorCode: 0 },
      ],
    },
  ]);
  const error = (await response.parse(decoded).then(() => null, (e: unknown) => e)) as ProtocolError;
  assert.equal(error?.type, 'UNSTABLE_OFFSET_COMMIT');
  assert.equal(error.code, 88);
  assert.equal(error.retriable, true);
});

interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  sendOffsets(o: object): Promise<void>;
  abort(): Promise<void>;
}
const createEosManager = require(kafkajsFile('producer/eosManager/index.js')) as (o: object) => EosManager;

test('the transaction manager sends the generation with the offsets and throws a stale generation at once (no retry)', async () => {
  for (const type of ['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID', 'REBALANCE_IN_PROGRESS']) {
    const commits: object[] = [];
    const broker = {
      nodeId: 1,
      initProducerId: async () => ({ producerId: 7, producerEpoch: 0 }),
      addOffsetsToTxn: async () => ({}),
      endTxn: async () => ({}),
      txnOffsetCommit: async (request: object) => {
        commits.push(request);
        throw Object.assign(new Error(type), { type, retriable: false });
      },
    };
    const cluster = {
      retry: { retries: 5, initialRetryTime: 1, maxRetryTime: 2 },
      refreshMetadataIfNecessary: async () => undefined,
      findGroupCoordinator: async () => broker,
      findBroker: async () => broker,
    };
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx-1' });
    await eos.initProducerId();
    eos.beginTransaction();
    const topics = [{ topic: 'in', partitions: [{ partition: 0, offset: '5' }] }];
    await assert.rejects(eos.sendOffsets({ consumerGroupId: 'g', topics, generationId: 3, memberId: 'm-1', groupInstanceId: 'i-1' }), { type });
    assert.equal(commits.length, 1, `${type} was retried`);
    assert.deepEqual(commits[0], { transactionalId: 'tx-1', producerId: 7, producerEpoch: 0, groupId: 'g', generationId: 3, memberId: 'm-1', groupInstanceId: 'i-1', topics });
    await eos.abort();
  }
});

// ---------------------------------------------------------------------------------------------------
// Against the real broker

interface Env {
  kafka: Kafka;
  id: string;
  createTopics(...topics: string[]): Promise<void>;
  /** Disconnected by cleanup(), before the topics are deleted. */
  track<C extends { disconnect(): Promise<void> }>(client: C): C;
  cleanup(): Promise<void>;
}

async function brokerEnv(): Promise<Env> {
  const config = loadConfig(connectionSchema, process.env);
  const kafka = createKafka(config, 'test-kip447', createLogger('test-kip447', { level: 'error' }));
  const topics: string[] = [];
  const clients: Array<{ disconnect(): Promise<void> }> = [];
  const admin = kafka.admin();
  await admin.connect();
  return {
    kafka,
    id: uniqueId(),
    async createTopics(...names) {
      await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
      topics.push(...names);
    },
    track(client) {
      clients.push(client);
      return client;
    },
    async cleanup() {
      for (const c of clients.splice(0)) await c.disconnect().catch(() => undefined);
      try {
        if (topics.length) await admin.deleteTopics({ topics });
      } finally {
        await admin.disconnect();
      }
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Join {
  memberId: string;
  generationId?: number;
}

/** A consumer of `group` that records its GROUP_JOIN events (generationId: riskstream's kafkajs patch). */
async function member(kafka: Kafka, group: string, topic: string, joins: Join[], onMessage: (offset: number) => void = () => {}): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 300, maxWaitTimeInMs: 300 });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joins.push({ memberId: e.payload.memberId, generationId: (e.payload as { generationId?: number }).generationId });
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => onMessage(Number(message.offset)) });
  return consumer;
}

async function transactionalProducer(kafka: Kafka, id: string): Promise<Producer> {
  const producer = kafka.producer({ transactionalId: `kip447-${id}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

async function committedOffset(kafka: Kafka, groupId: string, topic: string): Promise<string | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return res?.partitions.find((p) => p.partition === 0)?.offset;
  } finally {
    await admin.disconnect();
  }
}

/** read_committed values of `topic` from the beginning, up to and including `last`. */
async function committedValues(kafka: Kafka, topic: string, last: string): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `reader-${uniqueId()}`, readUncommitted: false, maxWaitTimeInMs: 300 });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
    await until(`"${last}" in ${topic}`, () => values.includes(last));
  } finally {
    await consumer.disconnect();
  }
  return values;
}

test("integration: a zombie's TxnOffsetCommit from an old generation is refused", async (t) => {
  const env = await brokerEnv();
  t.after(() => env.cleanup());
  const input = `t-kip447-${env.id}.in`;
  const output = `t-kip447-${env.id}.out`;
  const group = `kip447-zombie-${env.id}`;
  await env.createTopics(input, output);

  // Member A joins generation N and would be the partition's owner...
  const joinsA: Join[] = [];
  env.track(await member(env.kafka, group, input, joinsA));
  await until('A joins', () => joinsA.length > 0);
  const zombie = joinsA[0]!;
  // ...until member B joins: the group moves on to generation N+1 (A rejoins too, and may lose the partition).
  const joinsB: Join[] = [];
  env.track(await member(env.kafka, group, input, joinsB));
  await until('B joins', () => joinsB.length > 0);
  const current = joinsB[joinsB.length - 1]!;

  // A's transaction, still in generation N: its output and offsets must never become visible.
  const producer = env.track(await transactionalProducer(env.kafka, env.id));
  const txn = await producer.transaction();
  await txn.send({ topic: output, messages: [{ value: 'zombie' }] });
  const offsets = { consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }] };
  const refused = await txn
    .sendOffsets({ ...offsets, generationId: zombie.generationId, memberId: zombie.memberId } as typeof offsets)
    .then(() => null, (e: unknown) => e as ProtocolError);
  await txn.abort();
  assert.ok(refused, 'the offsets of generation N were accepted in generation N+1');
  assert.equal(refused.type, 'ILLEGAL_GENERATION');
  assert.equal(refused.retriable, false);
  assert.ok(current.generationId! > zombie.generationId!, `GROUP_JOIN generations: ${zombie.generationId} -> ${current.generationId}`);
  assert.equal(await committedOffset(env.kafka, group, input), '-1', 'no offset committed');

  // The current generation's member commits the same way (the check is the generation, not the path).
  const txn2 = await producer.transaction();
  await txn2.send({ topic: output, messages: [{ value: 'current' }] });
  await txn2.sendOffsets({ ...offsets, topics: [{ topic: input, partitions: [{ partition: 0, offset: '7' }] }], generationId: current.generationId, memberId: current.memberId } as typeof offsets);
  await txn2.commit();
  assert.equal(await committedOffset(env.kafka, group, input), '7');
  assert.deepEqual(await committedValues(env.kafka, output, 'current'), ['current'], 'a read_committed reader sees only the current generation output');
});

/**
 * Group `group` has committed offset 0 for the input's partition 0 and an open transaction holds offset 10
 * for it; a member is then assigned the partition. Returns the offsets it received before the transaction
 * ended (`end`, ~1.5 s after the member joined), and all it received once it reached the last record (19).
 */
async function newOwnerOfPendingOffsets(t: { after(fn: () => unknown): void }, end: 'commit' | 'abort') {
  const env = await brokerEnv();
  t.after(() => env.cleanup());
  const input = `t-kip447-${env.id}.in`;
  const group = `kip447-stable-${env.id}`;
  await env.createTopics(input);
  const plain = env.kafka.producer();
  await plain.connect();
  await plain.send({ topic: input, messages: Array.from({ length: 20 }, (_, i) => ({ value: String(i) })) });
  await plain.disconnect();
  const admin = env.kafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: group, topic: input, partitions: [{ partition: 0, offset: '0' }] });
  await admin.disconnect();

  // The previous owner's transaction: offset 10 pending, not committed yet.
  const producer = env.track(await transactionalProducer(env.kafka, env.id));
  const txn = await producer.transaction();
  await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '10' }] }] });

  const received: number[] = [];
  const joins: Join[] = [];
  const crashes: unknown[] = [];
  const consumer = env.track(env.kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 300, maxWaitTimeInMs: 300 }));
  consumer.on(consumer.events.GROUP_JOIN, (e) => void joins.push({ memberId: e.payload.memberId }));
  consumer.on(consumer.events.CRASH, (e) => void crashes.push(e.payload.error));
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void received.push(Number(message.offset)) });
  await until('the new owner joins', () => joins.length > 0);
  await sleep(1500);
  const beforeEnd = [...received];
  if (end === 'commit') await txn.commit();
  else await txn.abort();
  await until('the last record', () => received.includes(19));
  return { beforeEnd, received, crashes, joins: joins.length };
}

test('integration: a new owner waits for pending transactional offsets (require_stable)', async (t) => {
  const { beforeEnd, received, crashes, joins } = await newOwnerOfPendingOffsets(t, 'commit');
  assert.deepEqual(beforeEnd, [], 'nothing consumed while the offsets were pending');
  assert.deepEqual(received, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'started from the transaction committed offset');
  assert.deepEqual(crashes, [], 'waited without crashing (no restart, no rejoin)');
  assert.equal(joins, 1);
});

test('integration: a new owner whose pending offsets are aborted starts from the last committed offset', async (t) => {
  const { beforeEnd, received, crashes, joins } = await newOwnerOfPendingOffsets(t, 'abort');
  assert.deepEqual(beforeEnd, [], 'nothing consumed while the offsets were pending');
  assert.deepEqual(received, Array.from({ length: 20 }, (_, i) => i), 'the aborted offset 10 was never used');
  assert.deepEqual(crashes, []);
  assert.equal(joins, 1);
});
