/**
 * The soak's load: transactions in the raw topic's JSON shape, keyed by card number, acks -1, numbered
 * `soak-<run>-<n>` so the reader can tell lost and duplicate records by number without keeping a map of
 * every id for half an hour. Each carries its send time as event_time (epoch ms): the scored record keeps
 * event_time, so a record's latency needs nothing from this process but its clock.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Message, Producer } from 'kafkajs';
import { memoizedDefaultPartitioner } from '@riskstream/shared';
import { cardNumberFor } from '@riskstream/training';
import { uniqueId } from '../../test/support/integration.ts';
import { pipelinedSends } from '../pipelined-sends.ts';

const CARDS = 5000;
const TERMINALS = 2000;
const BACKLOG_BATCH = 1000;
/** Sends not yet acknowledged, at most: past this the generator waits rather than queueing without bound. */
const MAX_IN_FLIGHT = 64;

export interface SteadyLoad {
  /** The id prefix; a record's number follows it. */
  readonly idPrefix: string;
  /** Transactions acknowledged by the broker so far. */
  acknowledged(): number;
  /** Sends `count` transactions as fast as the broker takes them. */
  backlog(count: number): Promise<void>;
  /** Sends `rate` transactions a second until `stop()`; resolves when the last send is acknowledged. Again after that at another rate. */
  paced(rate: number): Promise<void>;
  /** Stops the paced run. */
  stop(): void;
  /** Stops a paced run (waiting for its sends to settle, whatever their outcome) and disconnects. */
  close(): Promise<void>;
}

/** The record number of a soak transaction id, or -1 when the id is not this run's. */
export function recordNumber(idPrefix: string, id: string): number {
  return id.startsWith(idPrefix) ? Number(id.slice(idPrefix.length)) : -1;
}

export async function openSteadyLoad(kafka: Kafka, topic: string): Promise<SteadyLoad> {
  const producer = kafka.producer({ createPartitioner: memoizedDefaultPartitioner });
  await producer.connect();
  return steadyLoad(producer, topic);
}

function steadyLoad(producer: Producer, topic: string): SteadyLoad {
  const run = uniqueId();
  const idPrefix = `soak-${run}-`;
  const seed = randomInt(1, 2 ** 31);
  let next = 0;
  let stopping = false;
  let closed = false;
  let running: Promise<void> | undefined;
  const { send, settle, acknowledged } = pipelinedSends(producer, topic, 'soak load');

  function transaction(): Message {
    const card = cardNumberFor(seed, randomInt(CARDS));
    const value = {
      transaction_id: `${idPrefix}${next++}`,
      card_number: card,
      customer_id: `c-${run}-${card.slice(-6)}`,
      terminal_id: `t-${run}-${randomInt(TERMINALS)}`,
      amount: Math.round(Math.random() * 20000) / 100,
      currency: 'EUR',
      channel: 'pos',
      event_time: Date.now(),
    };
    return { key: card, value: JSON.stringify(value) };
  }

  return {
    idPrefix,
    acknowledged,
    async backlog(count) {
      for (let sent = 0; sent < count; sent += BACKLOG_BATCH) {
        send(Array.from({ length: Math.min(BACKLOG_BATCH, count - sent) }, transaction));
        await settle(4);
      }
      await settle(0);
    },
    paced(rate) {
      stopping = closed;
      running = pacedRun(rate);
      return running;
    },
    stop: () => void (stopping = true),
    async close() {
      stopping = closed = true;
      await running?.catch(() => undefined);
      await producer.disconnect();
    },
  };

  async function pacedRun(rate: number): Promise<void> {
    const t0 = performance.now();
    let sent = 0;
    while (!stopping) {
      // Everything due by now goes in one request, so a late timer never makes the rate drift.
      const due = Math.floor(((performance.now() - t0) / 1000) * rate) + 1;
      if (due > sent) {
        send(Array.from({ length: due - sent }, transaction));
        sent = due;
      }
      await settle(MAX_IN_FLIGHT);
      await sleep(Math.max(1, t0 + (sent / rate) * 1000 - performance.now()));
    }
    await settle(0);
  }
}
