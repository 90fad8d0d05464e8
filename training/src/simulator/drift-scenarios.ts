/**
 * Injectable drift, for monitoring tests: each scenario changes a simulation from a boundary onwards
 * (a day since the start date, or the event time of a given row) and optionally until another one.
 *
 * - `amount-shift`: amounts x (1 + relativeChange), e.g. 0.2 = +20%. Labels are kept: pure covariate
 *   shift, so the model's inputs move while the fraud mechanism does not.
 * - `new-fraud-pattern` (`card-testing`): bursts of small ecom payments on random cards at random
 *   terminals, all fraud (scenario 4) — a mode the handbook's three scenarios never produce.
 * - `terminal-surge`: a few random terminals get extra POS traffic from customers near them (genuine,
 *   except amounts > 220, which the handbook's scenario 1 makes fraud).
 * - `missing-field-surge`: a share of events lose an optional field (channel or terminal_id).
 *
 * Every scenario draws from its own stream (seed, scenario position), so results are deterministic.
 * Added rows get fresh transaction numbers after the largest existing one; rows are re-sorted by event
 * time. The input result is never modified.
 */

import { ConfigError } from '@riskstream/shared';
import type { ConfigIssue } from '@riskstream/shared';
import { FRAUD_AMOUNT_THRESHOLD, FRAUD_SCENARIO } from './fraud-scenarios.ts';
import { createSimulationRandom, STREAM } from './random.ts';
import type { SimulationRandom } from './random.ts';
import type { DriftReport, SimulationResult } from './simulate.ts';
import {
  CHANNEL_CODE,
  CHANNEL_MISSING,
  eventTimeOrder,
  roundToCents,
  SECONDS_PER_DAY,
  takeTransactions,
  TERMINAL_MISSING,
  TransactionColumnsBuilder,
} from './transactions.ts';
import type { TransactionColumns } from './transactions.ts';

/**
 * Where a scenario starts or ends: a day since the start date (00:00 UTC of it), or the event time of a
 * row (of the table as it is when this scenario runs, i.e. after earlier scenarios added rows).
 */
export type DriftBoundary = { readonly day: number } | { readonly eventIndex: number };

interface DriftWindow {
  readonly from: DriftBoundary;
  /** Exclusive; default: the end of the simulation. */
  readonly until?: DriftBoundary;
}

export interface AmountShiftDrift extends DriftWindow {
  readonly kind: 'amount-shift';
  /** Multiply amounts by (1 + relativeChange); 0.2 = +20%. */
  readonly relativeChange: number;
}

export interface NewFraudPatternDrift extends DriftWindow {
  readonly kind: 'new-fraud-pattern';
  readonly pattern: 'card-testing';
  readonly burstsPerDay: number;
  readonly txPerBurst: number;
  /** Amounts are U(0.5, maxAmount). */
  readonly maxAmount: number;
}

export interface TerminalSurgeDrift extends DriftWindow {
  readonly kind: 'terminal-surge';
  readonly terminalCount: number;
  /** Mean extra transactions per surging terminal per day (Poisson). */
  readonly extraTxPerDay: number;
}

export interface MissingFieldSurgeDrift extends DriftWindow {
  readonly kind: 'missing-field-surge';
  readonly field: 'channel' | 'terminal_id';
  /** Share of events in the window that lose the field, in [0, 1]. */
  readonly share: number;
}

export type DriftScenario = AmountShiftDrift | NewFraudPatternDrift | TerminalSurgeDrift | MissingFieldSurgeDrift;

export const CARD_TESTING_MIN_AMOUNT = 0.5;

interface Span {
  /** [from, until) in seconds since the start date. */
  readonly from: number;
  readonly until: number;
}

function boundarySeconds(b: DriftBoundary, tx: TransactionColumns, endSeconds: number): number {
  if ('day' in b) return b.day * SECONDS_PER_DAY;
  return b.eventIndex >= tx.length ? endSeconds : tx.timeSeconds[b.eventIndex]!;
}

function checkScenario(s: DriftScenario, i: number, tx: TransactionColumns): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const at = `drift[${i}]`;
  const checkBoundary = (b: DriftBoundary | undefined, name: string): void => {
    if (b === undefined) return;
    if ('day' in b) {
      if (!Number.isInteger(b.day) || b.day < 0) issues.push({ field: `${at}.${name}.day`, problem: 'must be an integer >= 0' });
    } else if (!Number.isInteger(b.eventIndex) || b.eventIndex < 0 || b.eventIndex > tx.length) {
      issues.push({ field: `${at}.${name}.eventIndex`, problem: `must be an integer in [0, ${tx.length}]` });
    }
  };
  checkBoundary(s.from, 'from');
  checkBoundary(s.until, 'until');
  const positive = (v: number, name: string): void => {
    if (!(v > 0) || !Number.isFinite(v)) issues.push({ field: `${at}.${name}`, problem: `must be a finite number > 0, got ${v}` });
  };
  switch (s.kind) {
    case 'amount-shift':
      if (!(s.relativeChange > -1) || !Number.isFinite(s.relativeChange)) {
        issues.push({ field: `${at}.relativeChange`, problem: `must be a finite number > -1, got ${s.relativeChange}` });
      }
      break;
    case 'new-fraud-pattern':
      if (s.pattern !== 'card-testing') issues.push({ field: `${at}.pattern`, problem: 'must be card-testing' });
      positive(s.burstsPerDay, 'burstsPerDay');
      if (!Number.isInteger(s.txPerBurst) || s.txPerBurst < 1) issues.push({ field: `${at}.txPerBurst`, problem: 'must be an integer >= 1' });
      if (!(s.maxAmount > CARD_TESTING_MIN_AMOUNT)) {
        issues.push({ field: `${at}.maxAmount`, problem: `must be > ${CARD_TESTING_MIN_AMOUNT}` });
      }
      break;
    case 'terminal-surge':
      if (!Number.isInteger(s.terminalCount) || s.terminalCount < 1) {
        issues.push({ field: `${at}.terminalCount`, problem: 'must be an integer >= 1' });
      }
      positive(s.extraTxPerDay, 'extraTxPerDay');
      break;
    case 'missing-field-surge':
      if (s.field !== 'channel' && s.field !== 'terminal_id') {
        issues.push({ field: `${at}.field`, problem: 'must be channel or terminal_id' });
      }
      if (!(s.share >= 0 && s.share <= 1)) issues.push({ field: `${at}.share`, problem: 'must be in [0, 1]' });
      break;
    default:
      issues.push({ field: `${at}.kind`, problem: `unknown drift kind ${JSON.stringify((s as { kind: unknown }).kind)}` });
  }
  return issues;
}

function copyColumns(tx: TransactionColumns): TransactionColumns {
  return {
    length: tx.length,
    txNumber: tx.txNumber.slice(),
    timeSeconds: tx.timeSeconds.slice(),
    day: tx.day.slice(),
    eventTimeMs: tx.eventTimeMs.slice(),
    customer: tx.customer.slice(),
    terminal: tx.terminal.slice(),
    amount: tx.amount.slice(),
    channel: tx.channel.slice(),
    isFraud: tx.isFraud.slice(),
    fraudScenario: tx.fraudScenario.slice(),
  };
}

function appendRows(tx: TransactionColumns, added: TransactionColumnsBuilder, startTimeMs: number): TransactionColumns {
  if (added.length === 0) return tx;
  const extra = added.build(startTimeMs);
  const n = tx.length + extra.length;
  const cat = <T extends Int32Array | Float64Array | Uint8Array>(a: T, b: T, out: T): T => {
    out.set(a as never, 0);
    out.set(b as never, a.length);
    return out;
  };
  const merged: TransactionColumns = {
    length: n,
    txNumber: cat(tx.txNumber, extra.txNumber, new Int32Array(n)),
    timeSeconds: cat(tx.timeSeconds, extra.timeSeconds, new Int32Array(n)),
    day: cat(tx.day, extra.day, new Int32Array(n)),
    eventTimeMs: cat(tx.eventTimeMs, extra.eventTimeMs, new Float64Array(n)),
    customer: cat(tx.customer, extra.customer, new Int32Array(n)),
    terminal: cat(tx.terminal, extra.terminal, new Int32Array(n)),
    amount: cat(tx.amount, extra.amount, new Float64Array(n)),
    channel: cat(tx.channel, extra.channel, new Uint8Array(n)),
    isFraud: cat(tx.isFraud, extra.isFraud, new Uint8Array(n)),
    fraudScenario: cat(tx.fraudScenario, extra.fraudScenario, new Uint8Array(n)),
  };
  return takeTransactions(merged, eventTimeOrder(merged));
}

function nextTxNumber(tx: TransactionColumns): number {
  let max = -1;
  for (let i = 0; i < tx.length; i++) if (tx.txNumber[i]! > max) max = tx.txNumber[i]!;
  return max + 1;
}

/** Seconds of `day` in [span.from, span.until) at which new events may be placed, as [lo, hi). */
function daySlice(day: number, span: Span): [number, number] | null {
  const lo = Math.max(day * SECONDS_PER_DAY, span.from);
  const hi = Math.min((day + 1) * SECONDS_PER_DAY, span.until);
  return hi > lo ? [lo, hi] : null;
}

function applyOne(
  result: SimulationResult,
  tx: TransactionColumns,
  s: DriftScenario,
  span: Span,
  rnd: SimulationRandom,
): { tx: TransactionColumns; report: Omit<DriftReport, 'fromTimeMs' | 'untilTimeMs'> } {
  const inSpan = (i: number): boolean => tx.timeSeconds[i]! >= span.from && tx.timeSeconds[i]! < span.until;
  switch (s.kind) {
    case 'amount-shift': {
      const out = copyColumns(tx);
      let affected = 0;
      for (let i = 0; i < tx.length; i++) {
        if (!inSpan(i)) continue;
        out.amount[i] = roundToCents(tx.amount[i]! * (1 + s.relativeChange));
        affected++;
      }
      return { tx: out, report: { kind: s.kind, affectedRows: affected, terminals: [] } };
    }
    case 'missing-field-surge': {
      const out = copyColumns(tx);
      let affected = 0;
      for (let i = 0; i < tx.length; i++) {
        if (!inSpan(i) || rnd.uniform(0, 1) >= s.share) continue;
        if (s.field === 'channel') out.channel[i] = CHANNEL_MISSING;
        else out.terminal[i] = TERMINAL_MISSING;
        affected++;
      }
      return { tx: out, report: { kind: s.kind, affectedRows: affected, terminals: [] } };
    }
    case 'new-fraud-pattern': {
      const added = new TransactionColumnsBuilder();
      let txNumber = nextTxNumber(tx);
      const { customers, terminals } = result;
      for (let day = Math.floor(span.from / SECONDS_PER_DAY); day * SECONDS_PER_DAY < span.until; day++) {
        const slice = daySlice(day, span);
        if (slice === null) continue;
        const bursts = rnd.poisson(s.burstsPerDay);
        for (let b = 0; b < bursts; b++) {
          const customer = rnd.int(customers.count);
          const terminal = rnd.int(terminals.count);
          let t = Math.floor(rnd.uniform(slice[0], slice[1]));
          for (let k = 0; k < s.txPerBurst && t < slice[1]; k++) {
            const amount = roundToCents(rnd.uniform(CARD_TESTING_MIN_AMOUNT, s.maxAmount));
            added.push(txNumber++, t, customer, terminal, amount, CHANNEL_CODE.ecom, 1, FRAUD_SCENARIO.cardTesting);
            // Card testers fire in quick succession: 5 to 60 seconds apart.
            t += 5 + rnd.int(56);
          }
        }
      }
      const affected = added.length;
      return { tx: appendRows(tx, added, result.startTimeMs), report: { kind: s.kind, affectedRows: affected, terminals: [] } };
    }
    case 'terminal-surge': {
      const { customers, terminals, availableTerminals } = result;
      const surging = Array.from(rnd.distinct(terminals.count, s.terminalCount)).sort((a, b) => a - b);
      // Customers who can reach each surging terminal; the surge traffic comes from them.
      const nearby = new Map<number, number[]>(surging.map((t) => [t, []]));
      for (let c = 0; c < customers.count; c++) {
        for (let k = availableTerminals.offsets[c]!; k < availableTerminals.offsets[c + 1]!; k++) {
          nearby.get(availableTerminals.terminals[k]!)?.push(c);
        }
      }
      const added = new TransactionColumnsBuilder();
      let txNumber = nextTxNumber(tx);
      for (let day = Math.floor(span.from / SECONDS_PER_DAY); day * SECONDS_PER_DAY < span.until; day++) {
        const slice = daySlice(day, span);
        if (slice === null) continue;
        for (const terminal of surging) {
          const pool = nearby.get(terminal)!;
          const extra = rnd.poisson(s.extraTxPerDay);
          for (let k = 0; k < extra; k++) {
            const customer = pool.length > 0 ? pool[rnd.int(pool.length)]! : rnd.int(customers.count);
            const t = Math.floor(rnd.uniform(slice[0], slice[1]));
            const mean = customers.meanAmount[customer]!;
            let amount = rnd.normal(mean, customers.stdAmount[customer]!);
            if (amount < 0) amount = rnd.uniform(0, mean * 2);
            amount = roundToCents(amount);
            // The handbook's world rule still holds for the extra traffic: any amount > 220 is fraud.
            const fraud = amount > FRAUD_AMOUNT_THRESHOLD;
            added.push(
              txNumber++,
              t,
              customer,
              terminal,
              amount,
              CHANNEL_CODE.pos,
              fraud ? 1 : 0,
              fraud ? FRAUD_SCENARIO.amountOver220 : FRAUD_SCENARIO.genuine,
            );
          }
        }
      }
      const affected = added.length;
      return { tx: appendRows(tx, added, result.startTimeMs), report: { kind: s.kind, affectedRows: affected, terminals: surging } };
    }
  }
}

/** A new result with `scenarios` applied in order; throws ConfigError listing every invalid field. */
export function applyDrift(result: SimulationResult, scenarios: readonly DriftScenario[]): SimulationResult {
  const endSeconds = result.options.nbDays * SECONDS_PER_DAY;
  let tx = result.transactions;
  const issues = scenarios.flatMap((s, i) => checkScenario(s, i, tx));
  if (issues.length > 0) throw new ConfigError(issues);
  const reports: DriftReport[] = [...result.drift];
  scenarios.forEach((s, i) => {
    const span: Span = {
      from: boundarySeconds(s.from, tx, endSeconds),
      until: s.until === undefined ? endSeconds : boundarySeconds(s.until, tx, endSeconds),
    };
    const rnd = createSimulationRandom(result.options.seed, STREAM.drift, result.drift.length + i);
    const applied = applyOne(result, tx, s, span, rnd);
    tx = applied.tx;
    reports.push({
      ...applied.report,
      fromTimeMs: result.startTimeMs + span.from * 1000,
      untilTimeMs: result.startTimeMs + span.until * 1000,
    });
  });
  return { ...result, transactions: tx, drift: reports };
}
