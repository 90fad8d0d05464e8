import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { UsageError } from '@riskstream/shared';
import { applyDrift, simulate, transactionsInOrder } from '@riskstream/training';
import { parseCommandArgs, type Command } from '../command.ts';
import { simulatedTraffic } from '../simulated-traffic.ts';
import { produceTransactions, type ProducibleTransaction } from '../transaction-producer.ts';
import { parseDrift } from './simulate-command.ts';

const USAGE = `Usage:
  riskstream produce --simulated [--days N] [--seed N] [--drift SPEC]... [options]
  riskstream produce --file FILE.jsonl [options]

Produces card transactions to transactions.raw.v1 (keyed by card number), at a steady rate, with a
progress bar; Ctrl-C stops cleanly. --simulated uses the handbook simulator (see riskstream simulate
--help for drift specs); --file sends one JSON object per line.

Options:
  --rate N           transactions per second (default 500; 0 = as fast as possible)
  --limit N          stop after N transactions
  --format F         json (default) or avro (Confluent wire format)
  --labels           also publish each simulated transaction's fraud label to transactions.labels.v1
  --quiet            no progress output
  -h, --help         this help`;

export const produceCommand: Command = {
  name: 'produce',
  summary: 'produce transactions (simulated or from JSON lines) to transactions.raw.v1',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      simulated: { type: 'boolean' },
      file: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      drift: { type: 'string', multiple: true },
      rate: { type: 'string' },
      limit: { type: 'string' },
      format: { type: 'string' },
      labels: { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (Boolean(values.simulated) === Boolean(values.file)) throw new UsageError('give exactly one of --simulated or --file FILE.jsonl');
    const int = (flag: string, v: string | undefined, def: number) => {
      if (v === undefined) return def;
      if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a non-negative integer, got "${v}"`);
      return Number(v);
    };
    const format = values.format ?? 'json';
    if (format !== 'json' && format !== 'avro') throw new UsageError('--format must be json or avro');
    const rate = int('--rate', values.rate, 500);
    const limit = int('--limit', values.limit, Number.MAX_SAFE_INTEGER);
    if (values.labels && !values.simulated) throw new UsageError('--labels needs --simulated (a file has no labels)');
    if (values.simulated) {
      let sim = simulate({ nbDays: int('--days', values.days, 183), seed: int('--seed', values.seed, 0) });
      const drift = (values.drift ?? []).map(parseDrift);
      if (drift.length > 0) sim = applyDrift(sim, drift);
      const total = Math.min(limit, sim.transactions.length);
      const traffic = simulatedTraffic(transactionsInOrder(sim), { labels: values.labels === true });
      return produceTransactions(traffic.transactions, io, {
        rate,
        total,
        quiet: values.quiet === true,
        format,
        ...(values.labels ? { labels: traffic.labelOf } : {}),
      });
    }
    return produceTransactions(await readJsonLines(resolve(values.file!)), io, { rate, total: limit, quiet: values.quiet === true, format });
  },
};

async function readJsonLines(path: string): Promise<ProducibleTransaction[]> {
  const out: ProducibleTransaction[] = [];
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path) })) {
    line++;
    if (text.trim() === '') continue;
    try {
      out.push(JSON.parse(text) as ProducibleTransaction);
    } catch (err) {
      throw new UsageError(`${path}:${line}: not JSON (${(err as Error).message})`);
    }
  }
  return out;
}
