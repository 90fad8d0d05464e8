/**
 * What one transactional hop costs on this machine, with nothing else in it: the latency floor of a
 * pipeline whose every hop writes its outputs and input offsets in one Kafka transaction and whose
 * readers read committed. Two measurements, kafkajs against the running stack (riskstream stack up):
 *
 *  1. isolated hop: begin -> send 1 record -> sendOffsets -> commit -> a read_committed consumer has it.
 *     Each transaction waits for the previous one to be visible, so no transaction queues behind another.
 *  2. back-to-back: transactions on one transactional id, each started as soon as the previous committed,
 *     as a busy partition does; the first send of each meets CONCURRENT_TRANSACTIONS while the markers
 *     of the previous one are written. Once with the kafkajs client's default retry, once with ours.
 *  3. broker capacity: 1, 6 and 18 transactional ids committing back to back at once (18 = three
 *     stages x six input partitions, one transactional id per input partition as the pipeline runs).
 *     Transactions/s and the time of each. The broker's transaction throughput bounds a stage's fetch
 *     cycle: every partition with new records commits one transaction per cycle, so with 18 ids the
 *     cycle cannot be shorter than 18 / (transactions/s), whatever the input rate.
 *
 *   node bench/pipeline/transaction-floor.ts [--transactions 200]
 * Prints one JSON object.
 */
import type { Kafka, Producer } from 'kafkajs';
import { TRANSACTIONAL_RETRY } from '@riskstream/shared';
import { integrationEnv } from '../../test/support/integration.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--transactions', 200);
const WARMUP = 20;

function percentiles(values: number[]): { p50: number; p90: number; p99: number } {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(v[Math.min(v.length - 1, Math.floor(v.length * q))]! * 10) / 10;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

function transactionalProducer(kafka: Kafka, id: string, retry: object | undefined): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: id, transactionTimeout: 60000, ...(retry ? { retry } : {}) });
}

const env = await integrationEnv('tx-floor');
const topic = env.names.transactionsRaw;
const group = env.uniqueGroup('tx-floor');

const seen = new Map<string, number>();
const reader = env.kafka.consumer({ groupId: env.uniqueGroup('reader'), readUncommitted: false, maxWaitTimeInMs: 100 });
await reader.connect();
await reader.subscribe({ topics: [topic], fromBeginning: true });
await reader.run({ eachMessage: async ({ message }) => void seen.set(message.value!.toString(), performance.now()) });

async function oneTransaction(p: Producer, value: string, offset: number): Promise<{ send: number; commitDone: number; started: number }> {
  const started = performance.now();
  const tx = await p.transaction();
  await tx.send({ topic, acks: -1, messages: [{ partition: 0, key: 'k', value }] });
  const send = performance.now() - started;
  await tx.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: String(offset) }] }] });
  await tx.commit();
  return { send, commitDone: performance.now(), started };
}

async function isolated(): Promise<number[]> {
  const p = transactionalProducer(env.kafka, `${group}-isolated`, TRANSACTIONAL_RETRY);
  await p.connect();
  const totals: number[] = [];
  for (let i = 0; i < N + WARMUP; i++) {
    const value = `iso-${i}`;
    const t = await oneTransaction(p, value, i);
    while (!seen.has(value)) {
      if (performance.now() - t.commitDone > 10_000) throw new Error(`${value} not visible 10 s after commit`);
      await new Promise((r) => setImmediate(r));
    }
    if (i >= WARMUP) totals.push(seen.get(value)! - t.started);
  }
  await p.disconnect();
  return totals;
}

async function backToBack(label: string, retry: object | undefined): Promise<number[]> {
  const p = transactionalProducer(env.kafka, `${group}-${label}`, retry);
  await p.connect();
  const sends: number[] = [];
  for (let i = 0; i < N + WARMUP; i++) {
    const t = await oneTransaction(p, `${label}-${i}`, i);
    if (i >= WARMUP) sends.push(t.send);
  }
  await p.disconnect();
  return sends;
}

/** K transactional ids, each committing back to back (1 record + its input offset per transaction). */
async function concurrent(k: number, perId: number): Promise<{ ids: number; transactionsPerSecond: number; transactionMs: { p50: number; p90: number; p99: number } }> {
  const producers = await Promise.all(
    Array.from({ length: k }, async (_, i) => {
      const p = transactionalProducer(env.kafka, `${group}-conc${k}-${i}`, TRANSACTIONAL_RETRY);
      await p.connect();
      return p;
    }),
  );
  const times: number[] = [];
  const started = performance.now();
  let done = 0;
  await Promise.all(
    producers.map(async (p, i) => {
      for (let j = 0; j < perId + WARMUP; j++) {
        const t = await oneTransaction(p, `conc${k}-${i}-${j}`, j);
        if (j >= WARMUP) times.push(t.commitDone - t.started);
        done++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(producers.map((p) => p.disconnect()));
  return { ids: k, transactionsPerSecond: Math.round(done / seconds), transactionMs: percentiles(times) };
}

await new Promise((r) => setTimeout(r, 2000)); // the reader's group join
const hop = percentiles(await isolated());
const clientDefault = percentiles(await backToBack('default-retry', undefined));
const ours = percentiles(await backToBack('our-retry', TRANSACTIONAL_RETRY));
const capacity = [];
for (const k of [1, 6, 18]) capacity.push(await concurrent(k, Math.max(20, Math.round(N / 2))));
await reader.disconnect();
await env.cleanup();

process.stdout.write(
  `${JSON.stringify({
    transactions: N,
    isolatedHopMs: hop,
    // Three transactional hops (ingest, features, scoring) cannot beat three isolated hops.
    threeHopFloorMs: { p50: Math.round(hop.p50 * 3 * 10) / 10, p90: Math.round(hop.p90 * 3 * 10) / 10 },
    backToBackFirstSendMs: { kafkajsDefaultRetry: clientDefault, transactionalRetry: ours },
    transactionalRetry: TRANSACTIONAL_RETRY,
    concurrentTransactionalIds: capacity,
  })}\n`,
);
