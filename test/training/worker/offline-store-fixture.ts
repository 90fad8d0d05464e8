/**
 * Writes a JsonlOfflineStore (training/src/data/offline-store.ts layout) from a simulation: the
 * transactions of [fromMs, toMs) with their point-in-time features as the feature service serves them
 * (featurizeOffline replays exactly its calls), and one label per transaction, known `labelDelayMs`
 * after the transaction.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FEATURE_NAMES } from '@riskstream/shared/features';
import { featurizeOffline, simulate, transactionAt, type SimulationResult } from '@riskstream/training';

export const DAY = 86_400_000;

export interface StoreSummary {
  readonly transactions: number;
  readonly frauds: number;
}

export async function writeSimulatedStore(root: string, sim: SimulationResult, o: { fromMs: number; toMs: number; labelDelayMs?: number }): Promise<StoreSummary> {
  const ds = featurizeOffline(sim.transactions);
  const tx: Map<string, string[]> = new Map();
  const labels: Map<string, string[]> = new Map();
  let transactions = 0;
  let frauds = 0;
  for (let i = 0; i < sim.transactions.length; i++) {
    const t = sim.transactions.eventTimeMs[i]!;
    if (t < o.fromMs || t >= o.toMs) continue;
    const r = transactionAt(sim, i);
    const features: Record<string, number | null> = {};
    FEATURE_NAMES.forEach((name, j) => {
      const v = ds.x[i * ds.cols + j]!;
      features[name] = Number.isNaN(v) ? null : v;
    });
    const date = new Date(t).toISOString().slice(0, 10);
    push(tx, date, {
      transaction_id: r.transaction_id,
      event_time: r.event_time,
      card_token: `cust-${r.customer_id}`,
      terminal_id: r.terminal_id,
      amount: r.amount,
      currency: r.currency,
      channel: r.channel,
      features,
    });
    push(labels, date, { transaction_id: r.transaction_id, terminal_id: r.terminal_id, event_time: r.event_time, is_fraud: r.is_fraud, labelled_at: r.event_time + (o.labelDelayMs ?? 0) });
    transactions++;
    if (r.is_fraud) frauds++;
  }
  await writePartitions(root, 'transactions', tx);
  await writePartitions(root, 'labels', labels);
  return { transactions, frauds };
}

function push(map: Map<string, string[]>, date: string, record: unknown): void {
  let lines = map.get(date);
  if (!lines) map.set(date, (lines = []));
  lines.push(JSON.stringify(record));
}

async function writePartitions(root: string, table: string, map: Map<string, string[]>): Promise<void> {
  for (const [date, lines] of map) {
    const dir = join(root, table, `event_date=${date}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'part-0.jsonl'), `${lines.join('\n')}\n`);
  }
}

/** A small simulation the worker tests share: ~750 transactions a day, a few percent fraud. */
export function smallSimulation(seed = 11): SimulationResult {
  return simulate({ nCustomers: 400, nTerminals: 800, nbDays: 45, seed });
}

/** Epoch ms of the day after the simulation's last day (00:00 UTC). */
export function simulationEnd(sim: SimulationResult): number {
  return sim.startTimeMs + sim.options.nbDays * DAY;
}
