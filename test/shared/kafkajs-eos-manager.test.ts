import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

// kafkajs's transaction manager as installed in node_modules (scripts/patch-dependencies.mjs replaces
// kafkajs's own at npm install so that coordinators are remembered instead of looked up per request).
const require = createRequire(import.meta.url);
const eosPath = require.resolve('kafkajs/src/producer/eosManager/index.js');
const createEosManager = require(eosPath) as (o: object) => EosManager;

interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  addPartitionsToTransaction(topicData: Array<{ topic: string; partitions: Array<{ partition: number }> }>): Promise<void>;
  sendOffsets(o: { consumerGroupId: string; topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

// As kafkajs classifies them (src/protocol/error.js): these are final, the others retriable.
const NOT_RETRIABLE = new Set(['INVALID_PRODUCER_EPOCH', 'INVALID_TXN_STATE', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

class ProtocolError extends Error {
  readonly type: string;
  readonly retriable: boolean;
  constructor(type: string) {
    super(type);
    this.type = type;
    this.retriable = !NOT_RETRIABLE.has(type);
  }
}

// kafkajs's own protocol errors, named as kafkajs names them (its type), from a Kafka error code.
const { createErrorFromCode } = require(require.resolve('kafkajs/src/protocol/error.js')) as { createErrorFromCode(code: number): Error & { type: string } };
const COORDINATOR_LOAD_IN_PROGRESS = 14;
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;

/**
 * A cluster with one transaction coordinator (node 1) and one group coordinator (node 2, or wherever
 * `coordinators.group` moves it), counting lookups. A queued failure is an error type (a ProtocolError
 * as the tests spell it) or a Kafka error code (kafkajs's own error for it); `name@node` fails only there.
 */
function fakeCluster() {
  const calls: string[] = [];
  const failNext = new Map<string, Array<string | number>>();
  const coordinators = { group: 2 };
  const broker = (nodeId: number) => {
    const request = (name: string) => async () => {
      calls.push(`${name}@${nodeId}`);
      const queued = failNext.get(`${name}@${nodeId}`) ?? failNext.get(name);
      if (queued?.length) {
        const failure = queued.shift()!;
        throw typeof failure === 'number' ? createErrorFromCode(failure) : new ProtocolError(failure);
      }
      return name === 'initProducerId' ? { producerId: 7, producerEpoch: 0 } : {};
    };
    return {
      nodeId,
      initProducerId: request('initProducerId'),
      addPartitionsToTxn: request('addPartitionsToTxn'),
      addOffsetsToTxn: request('addOffsetsToTxn'),
      txnOffsetCommit: request('txnOffsetCommit'),
      endTxn: request('endTxn'),
    };
  };
  const cluster = {
    retry: { retries: 3, initialRetryTime: 1, maxRetryTime: 2 },
    refreshMetadataIfNecessary: async () => undefined,
    findGroupCoordinator: async ({ coordinatorType }: { coordinatorType: number }) => {
      calls.push(`findCoordinator(${coordinatorType})`);
      return broker(coordinatorType === 1 ? 1 : coordinators.group);
    },
    findBroker: async ({ nodeId }: { nodeId: number }) => broker(nodeId),
  };
  return { cluster, calls, failNext, coordinators };
}

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const lookups = (calls: readonly string[]) => calls.filter((c) => c.startsWith('findCoordinator')).length;

async function oneTransaction(eos: EosManager, offset: number): Promise<void> {
  eos.beginTransaction();
  await eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: offset % 3 }] }]);
  await eos.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: String(offset) }] }] });
  await eos.commit();
}

test('the installed kafkajs transaction manager is the patched one', () => {
  assert.match(readFileSync(eosPath, 'utf8'), /riskstream's replacement/);
});

test('coordinators are looked up once, not before every transactional request', async () => {
  const { cluster, calls } = fakeCluster();
  const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx-1' });
  await eos.initProducerId();
  for (let i = 0; i < 10; i++) await oneTransaction(eos, i);
  // kafkajs 2.2.4 as published: 1 + 10 x 4 = 41 lookups.
  assert.equal(lookups(calls), 2, calls.join(' '));
  assert.equal(calls.filter((c) => c === 'endTxn@1').length, 10);
  assert.equal(calls.filter((c) => c === 'txnOffsetCommit@2').length, 10);
});

test('a coordinator that answers NOT_COORDINATOR is forgotten and looked up again', async () => {
  const { cluster, calls, failNext } = fakeCluster();
  const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx-1' });
  await eos.initProducerId();
  eos.beginTransaction();
  failNext.set('addPartitionsToTxn', ['NOT_COORDINATOR']);
  await assert.rejects(eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 0 }] }]), /NOT_COORDINATOR/);
  const before = lookups(calls);
  await eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 0 }] }]);
  assert.equal(lookups(calls), before + 1, 'looked up again after the failure');
  await eos.abort();
});

test('CONCURRENT_TRANSACTIONS (the routine retry after a commit) keeps the coordinator', async () => {
  const { cluster, calls, failNext } = fakeCluster();
  const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx-1' });
  await eos.initProducerId();
  eos.beginTransaction();
  failNext.set('addPartitionsToTxn', ['CONCURRENT_TRANSACTIONS']);
  await assert.rejects(eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 0 }] }]), /CONCURRENT_TRANSACTIONS/);
  const before = lookups(calls);
  await eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 0 }] }]);
  assert.equal(lookups(calls), before);
  await eos.commit();
});

test('kafkajs names the coordinator errors by their old group-only names (what the patch matches)', () => {
  assert.equal(createErrorFromCode(COORDINATOR_LOAD_IN_PROGRESS).type, 'GROUP_LOAD_IN_PROGRESS');
  assert.equal(createErrorFromCode(COORDINATOR_NOT_AVAILABLE).type, 'GROUP_COORDINATOR_NOT_AVAILABLE');
  assert.equal(createErrorFromCode(NOT_COORDINATOR).type, 'NOT_COORDINATOR_FOR_GROUP');
});

for (const [name, code] of [['NOT_COORDINATOR', NOT_COORDINATOR], ['COORDINATOR_NOT_AVAILABLE', COORDINATOR_NOT_AVAILABLE]] as const) {
  test(`a group coordinator that moved (${name} on TxnOffsetCommit) is found again and the commit retried there`, async () => {
    const { cluster, calls, failNext, coordinators } = fakeCluster();
    const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx-1' });
    await eos.initProducerId();
    await oneTransaction(eos, 0);
    // The group's coordinator moves to node 3; node 2 still answers, with the error.
    coordinators.group = 3;
    failNext.set('txnOffsetCommit@2', [code]);
    const before = lookups(calls);
    await oneTransaction(eos, 1);
    assert.equal(lookups(calls), before + 1, 'the group coordinator was looked up again');
    assert.deepEqual(calls.filter((c) => c.startsWith('txnOffsetCommit')), ['txnOffsetCommit@2', 'txnOffsetCommit@2', 'txnOffsetCommit@3'], 'first commit, refused attempt, retry at the new coordinator');
    // The coordinator is remembered where it now is: the next transaction goes straight there.
    await oneTransaction(eos, 2);
    assert.equal(lookups(calls), before + 1);
    assert.equal(calls.at(-2), 'txnOffsetCommit@3');
  });
}

test('a group coordinator still loading its state (COORDINATOR_LOAD_IN_PROGRESS on TxnOffsetCommit) is retried until the commit lands', async () => {
  const { cluster, calls, failNext } = fakeCluster();
  const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx-1' });
  await eos.initProducerId();
  failNext.set('txnOffsetCommit', [COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_LOAD_IN_PROGRESS]);
  await oneTransaction(eos, 0);
  assert.equal(calls.filter((c) => c === 'txnOffsetCommit@2').length, 3, 'two refused attempts and the one that landed');
  assert.equal(calls.filter((c) => c === 'endTxn@1').length, 1, 'then committed');
});

test('a fenced group member\'s offsets (ILLEGAL_GENERATION) are not retried', async () => {
  const { cluster, calls, failNext } = fakeCluster();
  const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx-1' });
  await eos.initProducerId();
  failNext.set('txnOffsetCommit', [22]); // ILLEGAL_GENERATION
  await assert.rejects(oneTransaction(eos, 0), /generation/i);
  assert.equal(calls.filter((c) => c === 'txnOffsetCommit@2').length, 1);
});

test('EndTxn is retried while the coordinator loads its state or has moved (looked up again), so the commit lands', async () => {
  const { cluster, calls, failNext } = fakeCluster();
  const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx-1' });
  await eos.initProducerId();
  eos.beginTransaction();
  await eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 0 }] }]);
  // kafkajs's names for NOT_COORDINATOR and COORDINATOR_LOAD_IN_PROGRESS (codes 16 and 14).
  failNext.set('endTxn', ['NOT_COORDINATOR_FOR_GROUP', 'GROUP_LOAD_IN_PROGRESS', 'CONCURRENT_TRANSACTIONS']);
  const before = lookups(calls);
  await eos.commit();
  assert.equal(calls.filter((c) => c === 'endTxn@1').length, 4, calls.join(' '));
  assert.equal(lookups(calls), before + 2, 'looked up again after NOT_COORDINATOR_FOR_GROUP and the load error, not after CONCURRENT_TRANSACTIONS');
  // The producer is usable again: the next transaction begins.
  await oneTransaction(eos, 1);
});

test('a fenced producer\'s EndTxn is not retried', async () => {
  const { cluster, calls, failNext } = fakeCluster();
  const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx-1' });
  await eos.initProducerId();
  eos.beginTransaction();
  await eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 0 }] }]);
  failNext.set('endTxn', ['INVALID_PRODUCER_EPOCH']);
  await assert.rejects(eos.commit(), /INVALID_PRODUCER_EPOCH/);
  assert.equal(calls.filter((c) => c === 'endTxn@1').length, 1);
});
