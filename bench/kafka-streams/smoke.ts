/**
 * Smoke test and usage example for the Kafka Streams reference: 2,000 records at ~200/s through the
 * three exactly-once hops, read back read_committed, at commit.interval.ms 100 and 10. Prints one JSON
 * line per interval. Needs the stack's broker (node cli/bin/riskstream.ts stack up).
 *   node bench/kafka-streams/smoke.ts
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { startStreamsPassThrough, type RunningStreams } from './kafka-streams-passthrough.ts';

const BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const RECORDS = 2_000;
const RATE_PER_S = 200;
const CARDS = 500;
const PARTITIONS = 6;
// Records still missing this long after the last send are counted as lost, not waited for.
const DRAIN_TIMEOUT_MS = 30_000;
// Extra wait after the last record so that a late duplicate would still be seen.
const DUPLICATE_GRACE_MS = 2_000;
// The first seconds after RUNNING run slower (JIT, first metadata and transaction round trips); a bench
// should warm up for as long, so the smoke reports the rest separately.
const WARMUP_RECORDS = 600;

const kafka = new Kafka({ clientId: 'kafka-streams-smoke', brokers: BROKERS.split(','), logLevel: logLevel.ERROR });

function percentile(sorted: readonly number[], p: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : null;
}

function summary(latencies: number[]) {
  const sorted = latencies.toSorted((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null };
}

async function runOnce(commitIntervalMs: number) {
  const run = `ks-smoke-${randomUUID().slice(0, 8)}`;
  const topics = [0, 1, 2, 3].map((i) => `${run}-t${i}`) as [string, string, string, string];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })) });

  let app: RunningStreams | undefined;
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  try {
    const startedAt = Date.now();
    app = await startStreamsPassThrough({ brokers: BROKERS, applicationId: `${run}-app`, topics, commitIntervalMs });
    const startupMs = Date.now() - startedAt;

    const received = new Set<number>();
    const latencies: number[] = [];
    const afterWarmup: number[] = [];
    let duplicates = 0;
    let allReceived!: () => void;
    const done = new Promise<void>((resolve) => (allReceived = resolve));

    consumer = kafka.consumer({ groupId: `${run}-reader`, readUncommitted: false });
    const joined = new Promise((resolve) => consumer!.on(consumer!.events.GROUP_JOIN, resolve));
    await consumer.connect();
    await consumer.subscribe({ topic: topics[3], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const now = Date.now();
        const { seq, sentAt } = JSON.parse(message.value!.toString()) as { seq: number; sentAt: number };
        if (received.has(seq)) duplicates++;
        else {
          received.add(seq);
          latencies.push(now - sentAt);
          if (seq >= WARMUP_RECORDS) afterWarmup.push(now - sentAt);
          if (received.size === RECORDS) allReceived();
        }
      },
    });
    // Producing before the reader owns its partitions would only add join time to the first latencies.
    await joined;

    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sends: Promise<unknown>[] = [];
    const produceStart = Date.now();
    for (let seq = 0; seq < RECORDS; seq++) {
      // Paced against the start time, not the previous send, so the rate holds without drift.
      const due = produceStart + (seq * 1000) / RATE_PER_S;
      if (due > Date.now()) await sleep(due - Date.now());
      const card = `card-${String(seq % CARDS).padStart(4, '0')}`;
      const value = JSON.stringify({ seq, card, amount: 10 + (seq % 90), sentAt: Date.now() });
      sends.push(producer.send({ topic: topics[0], acks: -1, messages: [{ key: card, value }] }));
    }
    await Promise.all(sends);
    const produceSeconds = (Date.now() - produceStart) / 1000;

    await Promise.race([done, sleep(DRAIN_TIMEOUT_MS)]);
    await sleep(DUPLICATE_GRACE_MS);

    return {
      commitIntervalMs,
      sent: RECORDS,
      received: received.size,
      duplicates,
      producedPerS: Math.round(RECORDS / produceSeconds),
      latencyMs: summary(latencies),
      [`latencyMsAfterFirst${WARMUP_RECORDS}`]: summary(afterWarmup),
      startupMs,
      // Two cores shared with the broker: other work on the machine moves these numbers a lot.
      loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
    };
  } finally {
    await producer?.disconnect();
    await consumer?.disconnect();
    await app?.stop();
    await admin.deleteTopics({ topics });
    await admin.deleteGroups([`${run}-reader`]).catch(() => {});
    await admin.disconnect();
  }
}

for (const commitIntervalMs of [100, 10]) {
  console.log(JSON.stringify(await runOnce(commitIntervalMs)));
}
