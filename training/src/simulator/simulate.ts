/**
 * The transaction simulator: a seeded, deterministic TypeScript port of the Fraud Detection Handbook's
 * simulator ("Transaction data simulator"). Defaults are the handbook's dataset: 5,000 customers,
 * 10,000 terminals, 183 days from 2018-04-01, radius 5 (~1.75M transactions, ~0.8% fraud).
 * Same options and seed -> identical output, on any machine.
 *
 * Two sources of randomness (`rng`):
 * - 'riskstream' (default): our own seeded streams (random.ts); statistically the handbook's dataset,
 *   not the same draws.
 * - 'handbook': exact reimplementations of the generators the handbook's Python code uses (numpy's
 *   legacy RandomState, CPython's random, numpy's quicksort), see handbook-generator.ts. With seed 0 the
 *   default options reproduce the handbook's dataset bit for bit. Every seed the handbook uses (0 for
 *   customer profiles, 1 for terminals, the customer id, the day) becomes `base + seed * 1_000_003`, so
 *   seeds must lie in [0, maxHandbookSeed(nCustomers, nbDays)] (4294 at the default sizes) to keep
 *   numpy's seeds within [0, 2^32 - 1].
 */

import { ConfigError } from '@riskstream/shared';
import type { ConfigIssue } from '@riskstream/shared';
import { MAX_CARD_CUSTOMERS } from './card-number.ts';
import { generateCustomerProfiles } from './customers.ts';
import type { CustomerProfiles } from './customers.ts';
import { applyHandbookFraudScenarios } from './fraud-scenarios.ts';
import { generateHandbookDataset, maxHandbookSeed } from './handbook-generator.ts';
import { generateTerminalProfiles, terminalsWithinRadius } from './terminals.ts';
import type { AvailableTerminals, TerminalProfiles } from './terminals.ts';
import { generateTransactions } from './transactions.ts';
import type { TransactionColumns } from './transactions.ts';

export interface SimulationOptions {
  nCustomers?: number;
  nTerminals?: number;
  nbDays?: number;
  /** First simulated day, `YYYY-MM-DD`, taken as 00:00 UTC. */
  startDate?: string;
  /** Customers use terminals closer than this (grid units, grid is 100 x 100). */
  radius?: number;
  seed?: number;
  /**
   * Source of randomness: 'riskstream' (default, our own streams) or 'handbook' (the handbook's numpy /
   * CPython generators, reproducing its dataset exactly at seed 0; seed in [0, maxHandbookSeed]).
   */
  rng?: SimulationRng;
}

export const SIMULATION_RNGS = ['riskstream', 'handbook'] as const;
export type SimulationRng = (typeof SIMULATION_RNGS)[number];

export type ResolvedSimulationOptions = Readonly<Required<SimulationOptions>>;

export const DEFAULT_SIMULATION_OPTIONS: ResolvedSimulationOptions = Object.freeze({
  nCustomers: 5_000,
  nTerminals: 10_000,
  nbDays: 183,
  startDate: '2018-04-01',
  radius: 5,
  seed: 0,
  rng: 'riskstream',
});

/** What a drift scenario did, for tests and monitoring checks that need to know where to look. */
export interface DriftReport {
  readonly kind: string;
  /** Rows changed or added. */
  readonly affectedRows: number;
  /** Terminals involved (terminal-surge), otherwise empty. */
  readonly terminals: readonly number[];
  readonly fromTimeMs: number;
  readonly untilTimeMs: number;
}

export interface SimulationResult {
  readonly options: ResolvedSimulationOptions;
  /** Epoch ms of `startDate` 00:00 UTC. */
  readonly startTimeMs: number;
  readonly customers: CustomerProfiles;
  readonly terminals: TerminalProfiles;
  readonly availableTerminals: AvailableTerminals;
  /** Sorted by event time. */
  readonly transactions: TransactionColumns;
  /** Drift scenarios applied on top of the handbook simulation, in order. */
  readonly drift: readonly DriftReport[];
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch ms of a `YYYY-MM-DD` date at 00:00 UTC, or NaN when it is not a real calendar date. */
export function parseUtcDate(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) return Number.NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === date ? ms : Number.NaN;
}

function resolveOptions(options: SimulationOptions): { resolved: ResolvedSimulationOptions; startTimeMs: number } {
  const resolved = Object.freeze({ ...DEFAULT_SIMULATION_OPTIONS, ...stripUndefined(options) });
  const issues: ConfigIssue[] = [];
  const int = (field: keyof SimulationOptions, min: number, max: number): void => {
    const v = resolved[field] as number;
    if (!Number.isInteger(v) || v < min || v > max) {
      issues.push({ field, problem: `must be an integer in [${min}, ${max}], got ${v}` });
    }
  };
  int('nCustomers', 1, MAX_CARD_CUSTOMERS - 1);
  int('nTerminals', 1, 2 ** 31 - 1);
  // Times are int32 seconds since the start date.
  int('nbDays', 1, 24_000);
  int('seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (!(SIMULATION_RNGS as readonly unknown[]).includes(resolved.rng)) {
    issues.push({
      field: 'rng',
      problem: `must be one of ${SIMULATION_RNGS.map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(resolved.rng)}`,
    });
  } else if (resolved.rng === 'handbook' && Number.isInteger(resolved.nCustomers) && Number.isInteger(resolved.nbDays)) {
    // numpy takes seeds in [0, 2^32 - 1]; the handbook's seeds are offset by seed * 1_000_003.
    const max = maxHandbookSeed(resolved.nCustomers, resolved.nbDays);
    if (!Number.isInteger(resolved.seed) || resolved.seed < 0 || resolved.seed > max) {
      issues.push({ field: 'seed', problem: `with rng 'handbook' must be an integer in [0, ${max}], got ${resolved.seed}` });
    }
  }
  if (!(resolved.radius > 0) || !Number.isFinite(resolved.radius)) {
    issues.push({ field: 'radius', problem: `must be a finite number > 0, got ${resolved.radius}` });
  }
  const startTimeMs = parseUtcDate(resolved.startDate);
  if (Number.isNaN(startTimeMs)) {
    issues.push({ field: 'startDate', problem: `must be a YYYY-MM-DD date, got ${JSON.stringify(resolved.startDate)}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { resolved, startTimeMs };
}

function stripUndefined(options: SimulationOptions): SimulationOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SimulationOptions;
}

export function simulate(options: SimulationOptions = {}): SimulationResult {
  const { resolved, startTimeMs } = resolveOptions(options);
  if (resolved.rng === 'handbook') {
    const dataset = generateHandbookDataset({ ...resolved, startTimeMs });
    return { options: resolved, startTimeMs, ...dataset, drift: [] };
  }
  const customers = generateCustomerProfiles(resolved.nCustomers, resolved.seed);
  const terminals = generateTerminalProfiles(resolved.nTerminals, resolved.seed);
  const availableTerminals = terminalsWithinRadius(customers, terminals, resolved.radius);
  const transactions = generateTransactions(customers, availableTerminals, {
    nbDays: resolved.nbDays,
    startTimeMs,
    seed: resolved.seed,
  });
  applyHandbookFraudScenarios(transactions, customers.count, terminals.count, resolved.seed);
  return { options: resolved, startTimeMs, customers, terminals, availableTerminals, transactions, drift: [] };
}

/** Share of fraudulent rows. */
export function fraudRate(result: SimulationResult): number {
  const tx = result.transactions;
  let frauds = 0;
  for (let i = 0; i < tx.length; i++) frauds += tx.isFraud[i]!;
  return tx.length > 0 ? frauds / tx.length : 0;
}
