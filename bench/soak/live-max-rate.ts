/**
 * The soak's "measured maximum": the highest steady rate the pipeline keeps up with live, found by
 * bisection. A backlog drained as fast as possible is scored in big batches and overstates what live
 * traffic (small batches, a transaction each) can sustain, so the backlog's rate is only the upper bound
 * the search starts from. Each step sends `rate`/s for `stepSeconds`, then waits for the pipeline to
 * catch up before the next.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** In-flight records (sent, not yet read scored) a live pipeline may hold at the end of a step: this many seconds of input. */
export const LIVE_BACKLOG_SECONDS = 3;
/** ... and never fewer than this (a low rate's allowance would be one batch). */
const LIVE_BACKLOG_MIN_RECORDS = 1000;
/** The second half's scored rate must reach this share of the step's rate. */
const KEPT_UP_SHARE = 0.95;
/** Between steps, the backlog must drain within this long, or the search stops at what it has. */
const CATCH_UP_TIMEOUT_MS = 180_000;

export interface RateStep {
  readonly rate: number;
  /** Sent minus scored at the end of the step. */
  readonly inFlightEnd: number;
  /** Scored records per second over the step's second half. */
  readonly scoredPerSecond: number;
  readonly keptUp: boolean;
}

/** Whether a step at `rate` was kept up with: a bounded in-flight count at its end, scored as fast as sent. */
export function keptUp(rate: number, inFlightEnd: number, scoredPerSecond: number): boolean {
  return inFlightEnd <= Math.max(LIVE_BACKLOG_MIN_RECORDS, rate * LIVE_BACKLOG_SECONDS) && scoredPerSecond >= rate * KEPT_UP_SHARE;
}

/**
 * The next rate to try, or undefined when `stepsLeft` is 0: bisection between the highest rate kept up
 * with and the lowest not, stepping down by a quarter while none has been kept up with yet.
 */
export function nextRate(keptUpMax: number | undefined, failedMin: number, stepsLeft: number): number | undefined {
  if (stepsLeft <= 0) return undefined;
  return Math.round(keptUpMax === undefined ? failedMin * 0.75 : (keptUpMax + failedMin) / 2);
}

/** What a step reads: how many were sent and scored so far, and a paced sender. */
export interface LiveLoad {
  sent(): number;
  scored(): number;
  /** Sends `rate`/s until the returned function is called; that resolves when the sends have settled. */
  pace(rate: number): () => Promise<void>;
}

export interface LiveMaxRate {
  /** NaN when no step kept up. */
  readonly max: number;
  readonly steps: readonly RateStep[];
}

export async function searchLiveMaxRate(load: LiveLoad, upper: number, steps: number, stepSeconds: number, log: (m: string) => void): Promise<LiveMaxRate> {
  const done: RateStep[] = [];
  let best: number | undefined;
  let failedMin = upper;
  let rate: number | undefined = Math.round(upper);
  while (rate !== undefined && rate > 0) {
    const step = await runStep(load, rate, stepSeconds);
    done.push(step);
    log(`live rate ${rate}/s for ${stepSeconds} s: ${step.keptUp ? 'kept up' : 'fell behind'} (scored ${step.scoredPerSecond}/s, in flight at the end ${step.inFlightEnd})`);
    if (step.keptUp) best = Math.max(best ?? 0, rate);
    else failedMin = Math.min(failedMin, rate);
    if (step.keptUp && rate >= upper) break;
    if (!(await caughtUp(load))) {
      log(`the pipeline did not catch up within ${CATCH_UP_TIMEOUT_MS / 1000} s after the step: the search stops here`);
      break;
    }
    rate = nextRate(best, failedMin, steps - done.length);
  }
  return { max: best ?? Number.NaN, steps: done };
}

async function runStep(load: LiveLoad, rate: number, stepSeconds: number): Promise<RateStep> {
  const stop = load.pace(rate);
  await sleep((stepSeconds * 1000) / 2);
  const half = { at: performance.now(), scored: load.scored() };
  await sleep((stepSeconds * 1000) / 2);
  const scoredPerSecond = Math.round((load.scored() - half.scored) / ((performance.now() - half.at) / 1000));
  const inFlightEnd = load.sent() - load.scored();
  await stop();
  return { rate, inFlightEnd, scoredPerSecond, keptUp: keptUp(rate, inFlightEnd, scoredPerSecond) };
}

async function caughtUp(load: LiveLoad): Promise<boolean> {
  const deadline = performance.now() + CATCH_UP_TIMEOUT_MS;
  while (load.scored() < load.sent()) {
    if (performance.now() > deadline) return false;
    await sleep(250);
  }
  return true;
}
