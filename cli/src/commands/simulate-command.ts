import { resolve } from 'node:path';
import { UsageError } from '@riskstream/shared';
import { applyDrift, fraudRate, simulate, transactionsInOrder, writeCsv, type DriftScenario, type SimulationRng } from '@riskstream/training';
import { parseCommandArgs, type Command } from '../command.ts';
import { produceTransactions } from '../transaction-producer.ts';

const USAGE = `Usage: riskstream simulate [--days N] [--seed N] [--rng riskstream|handbook] [--customers N] [--terminals N]
                           [--drift SPEC]... (--out FILE.csv | --kafka [--rate N] [--limit N])

Runs the fraud-detection handbook's transaction simulator (5,000 customers, 10,000 terminals,
183 days from 2018-04-01 by default; seeded and deterministic) and writes the transactions to a CSV
file, or produces them to transactions.raw.v1 (Avro, keyed by card) at a given rate.

Drift scenarios (repeatable), applied from a simulated day:
  amount-shift:0.2@120           amounts x1.2 from day 120
  new-fraud-pattern:5@120        5 card-testing bursts a day from day 120
  terminal-surge:3@120           3 terminals get a traffic surge from day 120
  missing-field-surge:0.3@120    30% of events lose their channel from day 120

Options:
  --rng KIND          riskstream (default): our seeded streams; handbook: the handbook's own numpy and
                      CPython generators, so --seed 0 writes exactly the handbook's 1,754,155 transactions
  --out FILE.csv      write CSV
  --kafka             produce to Kafka (KAFKA_BROKERS, SCHEMA_REGISTRY_URL; TOPIC_NAMESPACE optional)
  --rate N            transactions per second to Kafka (default 1000; 0 = as fast as possible)
  --limit N           stop after N transactions
  --quiet             no progress output
  -h, --help          this help`;

export function parseDrift(spec: string): DriftScenario {
  const m = /^([a-z-]+):([0-9.]+)@(\d+)$/.exec(spec);
  if (!m) throw new UsageError(`--drift "${spec}" is not KIND:VALUE@DAY`);
  const [, kind, raw, day] = m;
  const value = Number(raw);
  const from = { day: Number(day) };
  switch (kind) {
    case 'amount-shift':
      return { kind, relativeChange: value, from };
    case 'new-fraud-pattern':
      return { kind, pattern: 'card-testing', burstsPerDay: value, txPerBurst: 10, maxAmount: 5, from };
    case 'terminal-surge':
      return { kind, terminalCount: value, extraTxPerDay: 200, from };
    case 'missing-field-surge':
      if (value > 1) throw new UsageError('missing-field-surge takes a share in [0, 1]');
      return { kind, field: 'channel', share: value, from };
    default:
      throw new UsageError(`unknown drift kind "${kind}"`);
  }
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate card transactions (handbook simulator) to CSV or Kafka',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      days: { type: 'string' },
      seed: { type: 'string' },
      rng: { type: 'string' },
      customers: { type: 'string' },
      terminals: { type: 'string' },
      drift: { type: 'string', multiple: true },
      out: { type: 'string' },
      kafka: { type: 'boolean' },
      rate: { type: 'string' },
      limit: { type: 'string' },
      quiet: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (Boolean(values.out) === Boolean(values.kafka)) throw new UsageError('give exactly one of --out FILE.csv or --kafka');
    const num = (flag: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a non-negative integer, got "${v}"`);
      return Number(v);
    };
    const drift = (values.drift ?? []).map(parseDrift);
    // Every flag is checked before the (seconds-long) simulation runs.
    const rate = num('--rate', values.rate) ?? 1000;
    const limit = num('--limit', values.limit);
    const started = Date.now();
    let sim = simulate({
      ...(num('--days', values.days) !== undefined ? { nbDays: num('--days', values.days)! } : {}),
      ...(num('--seed', values.seed) !== undefined ? { seed: num('--seed', values.seed)! } : {}),
      ...(values.rng !== undefined ? { rng: values.rng as SimulationRng } : {}),
      ...(num('--customers', values.customers) !== undefined ? { nCustomers: num('--customers', values.customers)! } : {}),
      ...(num('--terminals', values.terminals) !== undefined ? { nTerminals: num('--terminals', values.terminals)! } : {}),
    });
    if (drift.length > 0) sim = applyDrift(sim, drift);
    if (!values.quiet) {
      io.stderr.write(`simulated ${sim.transactions.length} transactions (${(fraudRate(sim) * 100).toFixed(3)}% fraud) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
    if (values.out) {
      const rows = await writeCsv(sim, resolve(values.out));
      io.stdout.write(`wrote ${rows} transactions to ${resolve(values.out)}\n`);
      return 0;
    }
    const total = Math.min(limit ?? Number.MAX_SAFE_INTEGER, sim.transactions.length);
    const raw = (function* () {
      for (const { is_fraud: _f, fraud_scenario: _s, ...tx } of transactionsInOrder(sim)) yield tx;
    })();
    return produceTransactions(raw, io, { rate, total, quiet: values.quiet === true, format: 'avro' });
  },
};
