import { setTimeout as sleep } from 'node:timers/promises';
import { sendRecords, type OutputRecord } from '@riskstream/shared';
import type { CommandIo } from './command.ts';
import { createProgress } from './progress-bar.ts';
import { connectTopicProducer } from './topic-producer.ts';

export interface ProducibleTransaction {
  readonly card_number: string;
  readonly transaction_id: string;
  readonly [field: string]: unknown;
}

export interface ProduceOptions {
  /** Transactions per second; 0 = as fast as the broker takes them. */
  readonly rate: number;
  readonly total: number;
  readonly quiet: boolean;
  /** JSON (what most clients send) or Confluent-framed Avro. */
  readonly format: 'avro' | 'json';
  /** Also publish each transaction's fraud label to transactions.labels.v1. */
  readonly labels?: (tx: ProducibleTransaction) => Record<string, unknown> | undefined;
  /** Called after each acknowledged batch with the count sent so far; the next batch waits for it (backpressure). */
  readonly pace?: (sent: number) => Promise<void>;
  /** Called with a batch's transaction ids when it is handed to the producer (end-to-end latency starts there). */
  readonly onSend?: (transactionIds: readonly string[], at: number) => void;
}

/**
 * Produces transactions to transactions.raw.v1 (keyed by card number, as a client would) at a steady
 * rate, with a progress bar, stopping cleanly on Ctrl-C. One place for `produce` and `simulate --kafka`.
 */
export async function produceTransactions(source: Iterable<ProducibleTransaction>, io: CommandIo, o: ProduceOptions): Promise<number> {
  const { producer, codec, names } = await connectTopicProducer(io.env, 'produce', ['transactionsRaw', 'transactionsLabels']);
  const progress = createProgress(io.stderr, !o.quiet);
  const batchSize = o.rate > 0 ? Math.max(1, Math.min(500, Math.round(o.rate / 20))) : 500;
  let sent = 0;
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGINT', onSignal);
  const t0 = Date.now();
  const flush = async (batch: OutputRecord[], count: number, ids: readonly string[]) => {
    o.onSend?.(ids, Date.now());
    await sendRecords(producer, codec, batch);
    sent += count;
    progress('produce', sent, o.total);
    await o.pace?.(sent);
    if (o.rate > 0) {
      const ahead = (sent / o.rate) * 1000 - (Date.now() - t0);
      if (ahead > 0) await sleep(ahead);
    }
  };
  try {
    let batch: OutputRecord[] = [];
    let ids: string[] = [];
    let count = 0;
    for (const tx of source) {
      if (stop || sent + count >= o.total) break;
      batch.push({ topic: 'transactionsRaw', key: tx.card_number, value: o.format === 'json' ? Buffer.from(JSON.stringify(tx)) : tx });
      ids.push(tx.transaction_id);
      const label = o.labels?.(tx);
      if (label) batch.push({ topic: 'transactionsLabels', key: tx.transaction_id, value: label });
      count++;
      if (count < batchSize) continue;
      await flush(batch, count, ids);
      batch = [];
      ids = [];
      count = 0;
    }
    if (count > 0 && !stop) await flush(batch, count, ids);
  } finally {
    process.off('SIGINT', onSignal);
    progress.finish();
    await producer.disconnect();
  }
  io.stdout.write(`produced ${sent} transactions to ${names.transactionsRaw} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}
