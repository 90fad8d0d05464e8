/**
 * The soak's command line: parsed and checked once, then frozen.
 */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run soak -- [options]     (node bench/soak/soak.ts [options])

Steady load on the pipeline for a long time: its processes run as children against the running stack's
Kafka and registry (riskstream stack up) on a topic namespace and consumer groups of their own, with a
redis-server of their own (the soak's millions of keys would slow everyone's on 6379). First the
measured maximum: a backlog drained as fast as the pipeline can gives an upper bound, then a bisection
of live rates (--search-steps steps of --step-seconds each) finds the highest the pipeline keeps up
with; then --rate events/s (default 80% of that) for --minutes.
Every --sample-seconds: consumer lag, end-to-end latency p50/p99 of the window (event produced ->
scored record read), each process's heap and RSS (every minute also the heap after a full collection
forced through the process's inspector), and the machine's CPU others used. Verdicts: lag bounded,
heap (after collection) and RSS growth under 5% after warm-up, p99 stable, 0 lost and 0 duplicates. Writes
bench/results/soak-<date>.json and prints it; exits 1 when a verdict fails, 2 on a bad option.

Options:
  --minutes N          minutes of steady load, warm-up included (default 30)
  --warmup-minutes N   minutes at the start not judged (default 5, at most a third of --minutes)
  --rate R             events/s (default 80% of the maximum: --max, else the probe's; given, no probe)
  --max R              the maximum events/s to take 80% of, instead of probing it
  --topology T         fused | split (default fused, what services up runs)
  --sample-seconds N   seconds between samples (default 10)
  --probe-events N     backlog size of the upper-bound probe (default 150000)
  --search-steps N     live rates tried at most (default 5)
  --step-seconds N     seconds each live rate runs (default 60)
  -h, --help           this help`;

export type SoakTopology = 'fused' | 'split';

export interface SoakOptions {
  readonly minutes: number;
  readonly warmupMinutes: number;
  /** Undefined: 80 % of `max` or of the probe's measured maximum. */
  readonly rate: number | undefined;
  readonly max: number | undefined;
  readonly topology: SoakTopology;
  readonly sampleSeconds: number;
  readonly probeEvents: number;
  readonly searchSteps: number;
  readonly stepSeconds: number;
}

/** The share of the measured maximum the issue asks the soak to run at. */
export const LOAD_SHARE = 0.8;

export class SoakUsageError extends Error {
  readonly code = 'SOAK_USAGE';
}

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new SoakUsageError(`${flag} must be a positive number, got "${text}"`);
  return n;
}

function topologyOf(text: string): SoakTopology {
  if (text === 'fused' || text === 'split') return text;
  throw new SoakUsageError(`--topology must be fused or split, got "${text}"`);
}

/** Parsed options, or undefined when --help was asked for. */
export function parseSoakOptions(argv: readonly string[]): SoakOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string', default: '30' },
      'warmup-minutes': { type: 'string' },
      rate: { type: 'string' },
      max: { type: 'string' },
      topology: { type: 'string', default: 'fused' },
      'sample-seconds': { type: 'string', default: '10' },
      'probe-events': { type: 'string', default: '150000' },
      'search-steps': { type: 'string', default: '5' },
      'step-seconds': { type: 'string', default: '60' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const minutes = positive('--minutes', values.minutes);
  const warmupMinutes = values['warmup-minutes'] !== undefined ? Number(values['warmup-minutes']) : Math.min(5, minutes / 3);
  if (!Number.isFinite(warmupMinutes) || warmupMinutes < 0 || warmupMinutes >= minutes) throw new SoakUsageError(`--warmup-minutes must be >= 0 and below --minutes, got "${values['warmup-minutes']}"`);
  return Object.freeze({
    minutes,
    warmupMinutes,
    rate: values.rate !== undefined ? Math.round(positive('--rate', values.rate)) : undefined,
    max: values.max !== undefined ? positive('--max', values.max) : undefined,
    topology: topologyOf(values.topology),
    sampleSeconds: positive('--sample-seconds', values['sample-seconds']),
    probeEvents: Math.round(positive('--probe-events', values['probe-events'])),
    searchSteps: Math.round(positive('--search-steps', values['search-steps'])),
    stepSeconds: positive('--step-seconds', values['step-seconds']),
  });
}
