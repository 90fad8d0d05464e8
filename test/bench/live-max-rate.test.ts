import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// Loaded by URL and typed by what the test uses, as soak-verdicts.test.ts explains.
interface RateStep { rate: number; keptUp: boolean; inFlightEnd: number }
interface LiveLoad { sent(): number; scored(): number; pace(rate: number): () => Promise<void> }
interface LiveMaxRateModule {
  keptUp(rate: number, inFlightEnd: number, scoredPerSecond: number): boolean;
  nextRate(keptUpMax: number | undefined, failedMin: number, stepsLeft: number): number | undefined;
  searchLiveMaxRate(load: LiveLoad, upper: number, steps: number, stepSeconds: number, log: (m: string) => void): Promise<{ max: number; steps: RateStep[] }>;
}
const m = (await import(new URL('../../bench/soak/live-max-rate.ts', import.meta.url).href)) as LiveMaxRateModule;

/**
 * A pipeline that scores at most `capacity` records a second, in wall-clock time: sent and scored are
 * computed from the time elapsed when they are read, so a loaded machine that delays timers changes
 * nothing (a queue with a constant drain rate, advanced at every read and every change of the send rate).
 */
function fakePipeline(capacity: number): LiveLoad {
  let sent = 0;
  let scored = 0;
  let rate = 0;
  let at = performance.now();
  const advance = () => {
    const now = performance.now();
    const dt = (now - at) / 1000;
    at = now;
    sent += rate * dt;
    scored = Math.min(sent, scored + capacity * dt);
  };
  return {
    sent: () => (advance(), Math.floor(sent)),
    scored: () => (advance(), Math.floor(scored)),
    pace(r) {
      advance();
      rate = r;
      return async () => {
        advance();
        rate = 0;
      };
    },
  };
}

describe('live max-rate search', () => {
  it('keeps up: a bounded backlog and the rate scored; falls behind otherwise', () => {
    assert.equal(m.keptUp(3000, 2000, 2990), true);
    assert.equal(m.keptUp(3000, 12_000, 2990), false, 'a growing backlog');
    assert.equal(m.keptUp(3000, 500, 2500), false, 'scored slower than sent');
    assert.equal(m.keptUp(100, 900, 99), true, 'a low rate still gets a batch of allowance');
  });

  it('steps down a quarter until one rate is kept up with, then bisects', () => {
    assert.equal(m.nextRate(undefined, 4000, 3), 3000);
    assert.equal(m.nextRate(3000, 4000, 2), 3500);
    assert.equal(m.nextRate(3000, 4000, 0), undefined);
  });

  it('finds the capacity of a pipeline from an overstated upper bound, within the bisection\'s resolution', async () => {
    // 1 s steps at a 600/s capacity from an upper bound of 1,000/s: 1,000 and 750 fall behind, 563 keeps
    // up, then bisection between them. A rate up to 1/0.95 of capacity may pass (the scored-rate share).
    const r = await m.searchLiveMaxRate(fakePipeline(600), 1000, 5, 1, () => {});
    const steps = JSON.stringify(r.steps);
    assert.equal(r.steps.length, 5);
    assert.ok(r.max >= 540 && r.max <= 600 / 0.95, `max ${r.max}: ${steps}`);
    assert.ok(r.steps.filter((s) => s.rate > 600 / 0.95).every((s) => !s.keptUp), steps);
    assert.ok(r.steps.filter((s) => s.rate < 570).every((s) => s.keptUp), steps);
  });

  it('stops at the upper bound when the pipeline keeps up with it', async () => {
    const r = await m.searchLiveMaxRate(fakePipeline(2000), 800, 5, 0.5, () => {});
    assert.deepEqual(r.steps.map((s) => s.rate), [800]);
    assert.equal(r.max, 800);
  });
});
