/**
 * How the decision API records a decision before answering, measured both ways at the same offered load
 * (issue 12: "choose the mechanism by measurement"):
 *
 *  - outbox: ONE record (the valid, enriched and scored records in an envelope) on
 *    transactions.decisions.v1 with the idempotent producer, acks=all; requests that queue while a send
 *    is in flight go in the next one (OutboxPublisher, what services/decisions runs). A relay copies the
 *    outbox to the three topics in transactions, off the answer path.
 *  - transaction: the three records written directly to valid, enriched and scored in a Kafka
 *    transaction; requests that queue while one commits go in the next one (group commit).
 *
 * Per request: the time from "decided" to "recorded" (what the answer waits for), and the broker's CPU
 * per 1,000 decisions. Rounds alternate the two so machine noise hits both.
 *
 *   node bench/decisions/recording-bench.ts [--rate 1000] [--seconds 10] [--rounds 2]
 * Prints one JSON object.
 */
import type { Producer } from 'kafkajs';
import { quantileSorted } from 'simple-statistics';
import { createIdempotentProducer, encodeRecords, sendEncoded, sendRecords, type OutputRecord } from '@riskstream/shared';
import { integrationEnv } from '../../test/support/integration.ts';
import { OutboxPublisher } from '../../services/decisions/src/outbox-publisher.ts';
import { outboxEnvelope, outboxRecord } from '../../services/decisions/src/outbox.ts';
import { processCpuSeconds, stackPid } from '../pipeline/process-cpu.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const RATE = arg('--rate', 1000);
const SECONDS = arg('--seconds', 10);
const ROUNDS = arg('--rounds', 2);

const env = await integrationEnv('recording');
const kafkaPid = stackPid('kafka');

/** Records shaped like one decision's (sizes matter to the broker). */
function decisionRecords(i: number): OutputRecord[] {
  const id = `tx-${i}-${Math.random().toString(36).slice(2)}`;
  const token = `tok${(i % 5000).toString().padStart(8, '0')}`;
  const base = { transaction_id: id, card_token: token, terminal_id: `t${i % 10000}`, amount: 42.5, currency: 'EUR', channel: 'POS', event_time: Date.now(), ingest_time: Date.now() };
  const features: Record<string, number> = {};
  for (const name of ['TX_AMOUNT', 'TX_DURING_WEEKEND', 'TX_DURING_NIGHT', 'CUSTOMER_ID_NB_TX_1DAY_WINDOW', 'CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW', 'CUSTOMER_ID_NB_TX_7DAY_WINDOW', 'CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW', 'CUSTOMER_ID_NB_TX_30DAY_WINDOW', 'CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW', 'TERMINAL_ID_NB_TX_1DAY_WINDOW', 'TERMINAL_ID_RISK_1DAY_WINDOW', 'TERMINAL_ID_NB_TX_7DAY_WINDOW', 'TERMINAL_ID_RISK_7DAY_WINDOW', 'TERMINAL_ID_NB_TX_30DAY_WINDOW', 'TERMINAL_ID_RISK_30DAY_WINDOW']) features[name] = Math.random();
  return [
    { topic: 'transactionsValid', key: token, value: { ...base, card_key_id: 'k1', card_bin: '400000', card_last4: '1234', customer_id: `c${i % 5000}` } },
    { topic: 'transactionsEnriched', key: token, value: { ...base, feature_set: 'handbook-baseline-v1', features } },
    {
      topic: 'transactionsScored',
      key: token,
      value: { transaction_id: id, event_time: base.event_time, card_token: token, terminal_id: base.terminal_id, amount: 42.5, score: 0.01, decision: 'APPROVE', model_name: 'fraud', model_version: 1, reasons: [{ feature: 'TX_AMOUNT', contribution: 0.1 }], latency_ms: 3, challenger_score: null, challenger_version: null },
    },
  ];
}

/** Group commit in Kafka transactions: what queues while one commits goes in the next. */
function transactionalRecorder(producer: Producer): (records: readonly OutputRecord[]) => Promise<void> {
  let queue: { records: readonly OutputRecord[]; done: (err?: unknown) => void }[] = [];
  let running = false;
  async function pump(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const encoded = await encodeRecords(env.codec, batch.flatMap((b) => b.records));
        const tx = await producer.transaction();
        await sendEncoded(tx, encoded);
        await tx.commit();
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err);
      }
    }
    running = false;
  }
  return (records) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ records, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!running) void pump();
    });
}

async function offered(record: (records: readonly OutputRecord[]) => Promise<void>): Promise<{ p50: number; p90: number; p99: number; max: number; errors: number; brokerCpuMsPer1000: number | null }> {
  const latencies: number[] = [];
  let errors = 0;
  const cpu0 = kafkaPid ? processCpuSeconds(kafkaPid) : undefined;
  const total = RATE * SECONDS;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const started = performance.now();
    pending.push(record(decisionRecords(i)).then(() => void latencies.push(performance.now() - started), (err: unknown) => void (errors++ === 0 && process.stderr.write(`first error: ${(err as Error).message}\n`))));
  }
  await Promise.all(pending);
  const cpu1 = kafkaPid ? processCpuSeconds(kafkaPid) : undefined;
  const sorted = latencies.sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    p50: r(quantileSorted(sorted, 0.5)),
    p90: r(quantileSorted(sorted, 0.9)),
    p99: r(quantileSorted(sorted, 0.99)),
    max: r(sorted.at(-1)!),
    errors,
    brokerCpuMsPer1000: cpu0 !== undefined && cpu1 !== undefined ? r(((cpu1 - cpu0) * 1000 * 1000) / total) : null,
  };
}

const idempotent = createIdempotentProducer(env.kafka);
const transactional = createIdempotentProducer(env.kafka, `${env.namespace}recording-bench`);
await Promise.all([idempotent.connect(), transactional.connect()]);
const outbox = new OutboxPublisher((records) => sendRecords(idempotent, env.codec, records), 10_000);
const viaOutbox = (records: readonly OutputRecord[]) =>
  outbox.publish([outboxRecord(String(records[0]!.key), outboxEnvelope(String((records[0]!.value as { transaction_id: string }).transaction_id), records))]);
const viaTransaction = transactionalRecorder(transactional);

// Warm-up: metadata, the transaction coordinator, JIT.
await offered(viaOutbox);
await offered(viaTransaction);
const rounds: { outbox: Awaited<ReturnType<typeof offered>>; transaction: Awaited<ReturnType<typeof offered>> }[] = [];
for (let i = 0; i < ROUNDS; i++) {
  process.stderr.write(`round ${i + 1}/${ROUNDS}\n`);
  rounds.push({ outbox: await offered(viaOutbox), transaction: await offered(viaTransaction) });
}
await Promise.all([idempotent.disconnect(), transactional.disconnect()]);
await env.cleanup();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  JSON.stringify({
    ratePerSecond: RATE,
    seconds: SECONDS,
    rounds,
    outboxP99Ms: median(rounds.map((r) => r.outbox.p99)),
    transactionP99Ms: median(rounds.map((r) => r.transaction.p99)),
    p99TransactionVsOutbox: Math.round((median(rounds.map((r) => r.transaction.p99)) / median(rounds.map((r) => r.outbox.p99))) * 100) / 100,
  }),
);
