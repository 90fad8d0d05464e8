/**
 * The ceiling the pipeline is measured against: one hop that moves records from one topic to the next
 * with kafkajs and does no work (no decode, no handler), with the same delivery guarantee as the
 * services (a transactional producer per input partition, offsets in the transaction) and the same
 * transport settings as the runner (its retry for transactional producers, its partitioner, every
 * partition's transaction in flight at once), so the ceiling gets every improvement the services get.
 *   FROM_TOPIC=... TO_TOPIC=... GROUP_ID=... node bench/pipeline/passthrough-relay.ts
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { TRANSACTIONAL_RETRY, memoizedDefaultPartitioner } from '@riskstream/shared';

const from = process.env['FROM_TOPIC']!;
const to = process.env['TO_TOPIC']!;
const groupId = process.env['GROUP_ID']!;
const kafka = new Kafka({ clientId: 'passthrough', brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), logLevel: logLevel.ERROR });
const consumer = kafka.consumer({ groupId, readUncommitted: false });
const producers = new Map<number, Producer>();

async function producerFor(partition: number): Promise<Producer> {
  let p = producers.get(partition);
  if (!p) {
    p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: `${groupId}.${from}.${partition}`, retry: { ...TRANSACTIONAL_RETRY }, createPartitioner: memoizedDefaultPartitioner });
    await p.connect();
    producers.set(partition, p);
  }
  return p;
}

await consumer.connect();
await consumer.subscribe({ topic: from, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  partitionsConsumedConcurrently: Number(process.env['PARTITIONS'] ?? 6),
  eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning }) => {
    for (let i = 0; i < batch.messages.length && isRunning(); i += 500) {
      const chunk = batch.messages.slice(i, i + 500);
      const last = chunk[chunk.length - 1]!;
      const tx = await (await producerFor(batch.partition)).transaction();
      await tx.send({ topic: to, acks: -1, messages: chunk.map((m) => ({ key: m.key, value: m.value })) });
      await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: from, partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }] }] });
      await tx.commit();
      resolveOffset(last.offset);
      await heartbeat();
    }
  },
});
const stop = async () => {
  await consumer.disconnect();
  await Promise.all([...producers.values()].map((p) => p.disconnect()));
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
