import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { createLogger, createMetricsRegistry, pipelineMetrics } from '@riskstream/shared';
import { TransactionCadence } from '../../../shared/src/runner/transaction-cadence.ts';

interface Committed {
  outputs: number;
  offsets: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  generationId: number;
}

/** A kafkajs stand-in: records each transaction's sends and offsets; `failNext` makes one commit fail. */
function fakeKafka() {
  const committed: Committed[] = [];
  const state = { failNext: undefined as Error | undefined, producers: 0 };
  const kafka = {
    producer: () => {
      state.producers++;
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        transaction: async () => {
          let outputs = 0;
          let offsets: Committed['offsets'] = [];
          let generationId = -2;
          return {
            sendBatch: async ({ topicMessages }: { topicMessages: Array<{ messages: unknown[] }> }) => {
              outputs += topicMessages.reduce((n, tm) => n + tm.messages.length, 0);
            },
            sendOffsets: async (o: { topics: Committed['offsets']; generationId: number }) => {
              offsets = o.topics;
              generationId = o.generationId;
            },
            commit: async () => {
              const err = state.failNext;
              state.failNext = undefined;
              if (err) throw err;
              committed.push({ outputs, offsets, generationId });
            },
            abort: async () => undefined,
          };
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, committed, state };
}

function cadence(kafka: Kafka, intervalMs: number, maxRecords: number, restarts = { count: 0 }) {
  const log = createLogger('cadence-test', { level: 'silent' });
  return new TransactionCadence({
    kafka,
    groupId: 'g',
    transactionalId: 'g.m1',
    cadence: { intervalMs, maxRecords },
    maxRequestBytes: 1_000_000,
    retry: { initialMs: 1, maxMs: 10, signal: new AbortController().signal, log },
    metrics: pipelineMetrics(createMetricsRegistry('cadence-test', { defaultMetrics: false })),
    log,
    restartConsumer: async () => void restarts.count++,
  });
}

const out = (n: number) => [{ topic: 'out', messages: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: Buffer.from('v') })) }];

test('work of several partitions and adds goes into one transaction when the interval is up', async () => {
  const { kafka, committed } = fakeKafka();
  const c = cadence(kafka, 30, 1000);
  c.joined({ generationId: 7, memberId: 'm1' });
  const a = c.add(7, 'in', 0, '12', out(2), 2)!;
  const b = c.add(7, 'in', 1, '6', out(1), 1)!;
  c.add(7, 'in', 0, '15', out(3), 3);
  await sleep(10);
  assert.equal(committed.length, 0, 'not before the interval');
  await Promise.all([a, b]);
  assert.equal(committed.length, 1);
  assert.equal(committed[0]!.outputs, 6);
  assert.equal(committed[0]!.generationId, 7);
  assert.deepEqual(committed[0]!.offsets, [{ topic: 'in', partitions: [{ partition: 0, offset: '15' }, { partition: 1, offset: '6' }] }]);
});

test('maxRecords commits at once, and the pending work reports backpressure until then', async () => {
  const { kafka, committed } = fakeKafka();
  const c = cadence(kafka, 60_000, 5);
  c.joined({ generationId: 1, memberId: 'm1' });
  c.add(1, 'in', 0, '3', out(3), 3);
  assert.equal(c.backlogged, false);
  const full = c.add(1, 'in', 0, '6', out(3), 3)!;
  await full;
  assert.equal(committed.length, 1);
  assert.equal(c.backlogged, false);
});

test('work of an older generation is refused, and a new generation drops what was pending', async () => {
  const { kafka, committed } = fakeKafka();
  const c = cadence(kafka, 60_000, 1000);
  c.joined({ generationId: 1, memberId: 'm1' });
  const pending = c.add(1, 'in', 0, '3', out(3), 3)!;
  c.joined({ generationId: 2, memberId: 'm1' });
  await assert.rejects(pending, /rebalanced/);
  assert.equal(c.add(1, 'in', 0, '4', out(1), 1), undefined, 'old generation refused');
  const next = c.add(2, 'in', 0, '3', out(3), 3)!;
  await c.flush();
  await next;
  assert.equal(committed.length, 1);
  assert.equal(committed[0]!.generationId, 2);
});

test('a failed commit settles with a new producer, restarts the consumer, and refuses work meanwhile', async () => {
  const { kafka, committed, state } = fakeKafka();
  const restarts = { count: 0 };
  const c = cadence(kafka, 5, 1000, restarts);
  c.joined({ generationId: 3, memberId: 'm1' });
  state.failNext = Object.assign(new Error('timed out'), { type: 'REQUEST_TIMED_OUT' });
  const failing = c.add(3, 'in', 0, '110', out(10), 10)!;
  c.add(3, 'in', 1, '9', out(2), 2);
  await assert.rejects(failing, /transaction of 12 inputs failed: timed out/);
  assert.equal(c.add(3, 'in', 0, '111', out(1), 1), undefined, 'refused while recovering');
  await c.flush();
  for (let i = 0; i < 50 && restarts.count === 0; i++) await sleep(5);
  assert.equal(restarts.count, 1, 'the consumer resumes from the committed offsets');
  assert.equal(state.producers, 2, 'the failed attempt is settled by a new producer with the same id');
  // The restarted consumer joins as a new member and processes the records again.
  c.joined({ generationId: 4, memberId: 'm2' });
  let again: Promise<void> | undefined;
  for (let i = 0; i < 50 && !again; i++) {
    again = c.add(4, 'in', 0, '110', out(10), 10);
    if (!again) await sleep(5);
  }
  await c.flush();
  await again;
  assert.equal(committed.length, 1);
  assert.equal(committed[0]!.generationId, 4);
});

test('flush commits what is pending without waiting for the interval', async () => {
  const { kafka, committed } = fakeKafka();
  const c = cadence(kafka, 60_000, 1000);
  c.joined({ generationId: 1, memberId: 'm1' });
  c.add(1, 'in', 0, '1', out(1), 1);
  await c.flush();
  assert.equal(committed.length, 1);
  await c.close();
});
