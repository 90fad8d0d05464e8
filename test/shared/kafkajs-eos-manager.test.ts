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

/** A cluster with one transaction coordinator (node 1) and one group coordinator (node 2), counting lookups. */
function fakeCluster() {
  const calls: string[] = [];
  const failNext = new Map<string, string[]>();
  const broker = (nodeId: number) => {
    const request = (name: string) => async () => {
      calls.push(`${name}@${nodeId}`);
      const queued = failNext.get(name);
      if (queued?.length) throw new ProtocolError(queued.shift()!);
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
      return broker(coordinatorType === 1 ? 1 : 2);
    },
    findBroker: async ({ nodeId }: { nodeId: number }) => broker(nodeId),
  };
  return { cluster, calls, failNext };
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

test('a stale group coordinator during the offsets commit is replaced and the commit retried', async () => {
  const { cluster, calls, failNext } = fakeCluster();
  const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx-1' });
  await eos.initProducerId();
  await oneTransaction(eos, 0);
  failNext.set('txnOffsetCommit', ['NOT_COORDINATOR']);
  const before = lookups(calls);
  await oneTransaction(eos, 1);
  assert.equal(lookups(calls), before + 1, 'the group coordinator was looked up again');
  assert.equal(calls.filter((c) => c === 'txnOffsetCommit@2').length, 3, 'first commit, failed attempt, retry');
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
