/**
 * The latency bench's command line: parsed and checked once, then frozen.
 */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: node bench/latency/latency-bench.ts [options]

End-to-end latency, CPU per event and backlog throughput of riskstream (its services started by
\`riskstream services up\`), of the reference (three kafkajs pass-through relays with per-partition
transactions, bench/pipeline/passthrough-relay.ts) and of a Kafka Streams exactly-once-v2 3-hop
pass-through (bench/kafka-streams/), with one load generator and one read_committed reader. Needs the
stack (riskstream stack up). Prints one JSON object on stdout; progress on stderr.

Options:
  --topology LIST          riskstream topologies, comma-separated (default fused,split; those
                           \`services up --help\` does not offer are skipped and listed in the output)
  --rates LIST             offered rates in events/s (default 200,1000)
  --seconds N              measured seconds per rate and repeat (default 30)
  --warmup N               seconds sent at the rate before each measurement, not counted (default 5)
  --repeats N              latency measurements per system and rate (default 2)
  --backlog N              events of the backlog produced before each system starts (default 100000)
  --streams-commit-ms LIST Kafka Streams commit.interval.ms values (default 100,10; "none" skips it)
  --no-reference           skip the kafkajs pass-through (the ratios then have nothing to divide by)
  -h, --help               this help`;

export interface LatencyOptions {
  readonly topologies: readonly string[];
  readonly rates: readonly number[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly repeats: number;
  readonly backlog: number;
  readonly streamsCommitMs: readonly number[];
  readonly reference: boolean;
}

export class LatencyUsageError extends Error {
  readonly code = 'LATENCY_BENCH_USAGE';
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new LatencyUsageError(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

function intList(flag: string, text: string, min: number): number[] {
  if (text === 'none') return [];
  return text.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < min) throw new LatencyUsageError(`${flag} takes integers >= ${min}, got "${part}"`);
    return n;
  });
}

/** Parsed options, or undefined when --help was asked for. */
export function parseLatencyOptions(argv: readonly string[]): LatencyOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      topology: { type: 'string', default: 'fused,split' },
      rates: { type: 'string', default: '200,1000' },
      seconds: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' },
      repeats: { type: 'string', default: '2' },
      backlog: { type: 'string', default: '100000' },
      'streams-commit-ms': { type: 'string', default: '100,10' },
      'no-reference': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  return Object.freeze({
    topologies: values.topology.split(',').map((t) => t.trim()).filter((t) => t !== ''),
    rates: intList('--rates', values.rates, 1),
    seconds: positiveInt('--seconds', values.seconds),
    warmupSeconds: Number(values.warmup) === 0 ? 0 : positiveInt('--warmup', values.warmup),
    repeats: positiveInt('--repeats', values.repeats),
    backlog: positiveInt('--backlog', values.backlog),
    streamsCommitMs: intList('--streams-commit-ms', values['streams-commit-ms'], 0),
    reference: !values['no-reference'],
  });
}
