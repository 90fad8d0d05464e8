/**
 * The one load generator every system gets: hand-built transactions in the raw topic's JSON shape
 * (schemas/transaction-raw.avsc), keyed by card number, sent by a plain kafkajs producer with acks -1.
 * Each generator is a fresh run: its own card numbers (a random simulator seed) and transaction ids, so
 * ingest's duplicate check and the feature store never see an earlier run's records.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Message, Producer } from 'kafkajs';
import { memoizedDefaultPartitioner } from '@riskstream/shared';
import { cardNumberFor } from '@riskstream/training';
import { uniqueId } from '../../test/support/integration.ts';
import { pipelinedSends } from '../pipelined-sends.ts';

/** Cards and terminals per run: enough that a card's features see a few transactions a minute at 1,000/s. */
const CARDS = 5000;
const TERMINALS = 2000;
const BACKLOG_BATCH = 1000;
/** Sends not yet acknowledged, at most: past this the generator waits rather than queueing without bound. */
const MAX_IN_FLIGHT = 1000;

export interface LoadGenerator {
  /** Sends `count` transactions as fast as the broker takes them. */
  backlog(count: number): Promise<void>;
  /** Sends `rate` transactions a second for `seconds`; returns each one's send time (performance.now()). */
  paced(rate: number, seconds: number): Promise<Map<string, number>>;
  close(): Promise<void>;
}

interface Transaction {
  readonly id: string;
  readonly message: Message;
}

function transactionFactory(): () => Transaction {
  const run = uniqueId();
  const seed = randomInt(1, 2 ** 31);
  let n = 0;
  return () => {
    const i = n++;
    const card = cardNumberFor(seed, randomInt(CARDS));
    const id = `lat-${run}-${i}`;
    const value = {
      transaction_id: id,
      card_number: card,
      customer_id: `c-${run}-${card.slice(-6)}`,
      terminal_id: `t-${run}-${randomInt(TERMINALS)}`,
      amount: Math.round(Math.random() * 20000) / 100,
      currency: 'EUR',
      channel: 'pos',
      event_time: Date.now(),
    };
    return { id, message: { key: card, value: JSON.stringify(value) } };
  };
}

/**
 * A generator with a producer of its own: a kafkajs producer keeps refreshing the metadata of every topic
 * it ever wrote, and fails once one of them (an earlier system's) has been deleted.
 */
export async function openLoadGenerator(kafka: Kafka, topic: string): Promise<LoadGenerator> {
  const producer = kafka.producer({ createPartitioner: memoizedDefaultPartitioner });
  await producer.connect();
  return loadGenerator(producer, topic);
}

function loadGenerator(producer: Producer, topic: string): LoadGenerator {
  const next = transactionFactory();
  const { send, settle } = pipelinedSends(producer, topic, 'load generator');

  return {
    async backlog(count) {
      for (let sent = 0; sent < count; sent += BACKLOG_BATCH) {
        send(Array.from({ length: Math.min(BACKLOG_BATCH, count - sent) }, () => next().message));
        await settle(4);
      }
      await settle(0);
    },
    async paced(rate, seconds) {
      const sentAt = new Map<string, number>();
      const total = Math.round(rate * seconds);
      const t0 = performance.now();
      while (sentAt.size < total) {
        // Everything due by now goes in one request, so a late timer never makes the rate drift.
        const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
        const batch: Message[] = [];
        const now = performance.now();
        while (sentAt.size < due) {
          const tx = next();
          sentAt.set(tx.id, now);
          batch.push(tx.message);
        }
        if (batch.length > 0) send(batch);
        await settle(MAX_IN_FLIGHT);
        await sleep(Math.max(0, t0 + (sentAt.size / rate) * 1000 - performance.now()));
      }
      await settle(0);
      return sentAt;
    },
    close: () => producer.disconnect(),
  };
}
