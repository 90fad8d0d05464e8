import { join } from 'node:path';
import { createIdempotentProducer, sendRecords, type OutputRecord } from '@riskstream/shared';
import { ModelRegistry, simulate, simulatedTrainingData, trainModel, transactionAt, type SimulatedTransaction } from '@riskstream/training';
import type { Kafka } from 'kafkajs';
import { endOffsetSum, readTopic, uniqueId, type IntegrationEnv, type ReadMessage } from '../support/integration.ts';
export { namespaceOn } from '../support/integration.ts';
import { waitFor } from '../support/child-service.ts';

/**
 * What the security tests share: a small trained model, a topic namespace on any Kafka (the shared
 * stack's or a secured private one), simulated transactions in, scored transactions counted out.
 */

/** A registry with a `fraud` champion trained on a small simulation (seconds). */
export async function trainTestModel(dir: string): Promise<string> {
  const registryDir = join(dir, 'registry');
  const registry = await ModelRegistry.open(registryDir);
  const sim = simulate({ nCustomers: 800, nTerminals: 1600, nbDays: 45, seed: 11 });
  await trainModel(simulatedTrainingData({ seed: 11, simulation: sim }), { name: 'fraud', seed: 1, registry });
  return registryDir;
}

/** `n` transactions of a simulation the model has not seen, without their labels. */
export function streamTransactions(n: number, seed = 12): Array<Record<string, unknown>> {
  const nCustomers = Math.max(2500, Math.ceil(n / 40));
  const sim = simulate({ nCustomers, nTerminals: nCustomers * 2, nbDays: Math.max(8, Math.ceil(n / (nCustomers * 1.5))), seed });
  return Array.from({ length: n }, (_, i) => rawOf(transactionAt(sim, i)));
}

function rawOf(tx: SimulatedTransaction): Record<string, unknown> {
  const { is_fraud: _f, fraud_scenario: _s, ...raw } = tx;
  return raw;
}

/** Raw JSON records keyed by card number, as users produce them. */
export async function produceRaw(env: IntegrationEnv, values: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  try {
    const records: OutputRecord[] = values.map((v) => ({ topic: 'transactionsRaw', key: String(v['card_number']), value: Buffer.from(JSON.stringify(v)) }));
    for (let i = 0; i < records.length; i += 1000) await sendRecords(producer, env.codec, records.slice(i, i + 1000));
  } finally {
    await producer.disconnect();
  }
}

/** Waits for `n` scored records, then reads them back read_committed: their distinct transaction ids. */
export async function scoredTransactionIds(env: IntegrationEnv, n: number, timeoutMs: number): Promise<{ records: number; ids: Set<string> }> {
  await waitFor(`${n} scored`, async () => (await endOffsetSum(env.kafka, env.names.transactionsScored)) >= n, timeoutMs, 1000);
  const msgs = await readTopic(env.kafka, env.names.transactionsScored, { count: n, timeoutMs: 120_000, settleMs: 2000 });
  const ids = new Set<string>();
  for (const m of msgs) ids.add(((await env.codec.decode('transactionsScored', m.value)) as { transaction_id: string }).transaction_id);
  return { records: msgs.length, ids };
}

/**
 * Every record of a topic, all partitions, read_committed, from the beginning: done once each non-empty
 * partition has been idle for `idleMs` (an empty topic returns at once).
 */
export async function readWholeTopic(kafka: Kafka, topic: string, options: { idleMs?: number; timeoutMs?: number } = {}): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  if (offsets.every((o) => o.high === o.low)) return [];
  const consumer = kafka.consumer({ groupId: `scan-${uniqueId()}`, readUncommitted: false, maxBytes: 50 * 1024 * 1024 });
  const out: ReadMessage[] = [];
  let last = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      out.push(Object.assign(message, { partition }));
      last = Date.now();
    },
  });
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  const idle = options.idleMs ?? 4000;
  while (Date.now() < deadline && (out.length === 0 || Date.now() - last < idle)) await new Promise((r) => setTimeout(r, 200));
  await consumer.disconnect();
  return out;
}

/** The HTTP port a service process logged at start (`<name> started`, HTTP_PORT=0). */
export function loggedPort(output: string, name: string): number | undefined {
  const m = new RegExp(`"port":(\\d+)[^\\n]*"msg":"${name} started"`).exec(output);
  return m ? Number(m[1]) : undefined;
}
