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

/** A pipeline that scores at most `capacity` records a second, in real time (ticks of 10 ms). */
function fakePipeline(capacity: number): LiveLoad {
  let sent = 0;
  let scored = 0;
  const drain = setInterval(() => (scored = Math.min(sent, scored + capacity / 100)), 10);
  drain.unref();
  return {
    sent: () => Math.floor(sent),
    scored: () => Math.floor(scored),
    pace(rate) {
      const sending = setInterval(() => (sent += rate / 100), 10);
      return async () => clearInterval(sending);
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
