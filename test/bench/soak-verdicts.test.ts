import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// bench/ is a project that references test/ (it uses test/support), so test/ cannot import bench/ files
// by name without a circular project graph; the module is loaded by URL and typed by what the test uses.
interface Judged {
  readonly pass: boolean;
  readonly why: string;
}
interface SoakVerdicts {
  floorGrowth(series: readonly number[], window: number): { startBytes: number; endBytes: number; growth: number };
  memoryVerdict(series: ReadonlyArray<{ process: string; heapBytes: readonly number[]; rssBytes: readonly number[] }>, windows: { heap: number; rss: number }): Judged;
  lagVerdict(samples: ReadonlyArray<{ atSeconds: number; lag: number }>, rate: number): Judged & { trendOverRun: number };
  p99Verdict(windowP99Ms: readonly number[], window: number): Judged & { ratio: number };
  deliveryVerdict(sent: number, distinct: number, duplicates: number): Judged & { lost: number };
}
const VERDICTS_URL = new URL('../../bench/soak/soak-verdicts.ts', import.meta.url).href;
const v = (await import(VERDICTS_URL)) as SoakVerdicts;

const MiB = 2 ** 20;
/** A heap that collects every 4 samples: a sawtooth from `floor` up by 40 MiB, the floor rising by `leak` a sample. */
const sawtooth = (n: number, floor: number, leak: number) => Array.from({ length: n }, (_, i) => floor + leak * i + (i % 4) * 10 * MiB);
const steadyRss = (n: number) => Array.from({ length: n }, (_, i) => 300 * MiB + (i % 3) * MiB);
/** 25 minutes of 10-second samples. */
const N = 150;

describe('soak verdicts', () => {
  it('passes a sawtoothing heap whose floor stays put, whatever phase the last sample caught', () => {
    const r = v.memoryVerdict([{ process: 'fused', heapBytes: sawtooth(N + 3, 100 * MiB, 0), rssBytes: steadyRss(N) }], { heap: 6, rss: 6 });
    assert.equal(r.pass, true, r.why);
  });

  it('fails a heap that grows 0.1 MiB every 10 s (15 MiB over 25 minutes on 100 MiB)', () => {
    const r = v.memoryVerdict([{ process: 'fused', heapBytes: sawtooth(N, 100 * MiB, 0.1 * MiB), rssBytes: steadyRss(N) }], { heap: 6, rss: 6 });
    assert.equal(r.pass, false);
    assert.match(r.why, /fused heap 1[45]\.\d%/);
  });

  it('fails a growing RSS of one process among several', () => {
    const rising = Array.from({ length: N }, (_, i) => 300 * MiB + i * 0.2 * MiB);
    const r = v.memoryVerdict([
      { process: 'ingest', heapBytes: sawtooth(N, 80 * MiB, 0), rssBytes: steadyRss(N) },
      { process: 'scoring', heapBytes: sawtooth(N, 80 * MiB, 0), rssBytes: rising },
    ], { heap: 6, rss: 6 });
    assert.equal(r.pass, false);
    assert.match(r.why, /scoring rss/);
    assert.doesNotMatch(r.why, /ingest/);
  });

  it('judges the heap after forced collections (one a minute) on its own window, RSS on the 10-second samples', () => {
    const minutes = 25;
    const noise = (i: number) => ((i * 7919) % 5) * 0.2 * MiB;
    const flat = Array.from({ length: minutes }, (_, i) => 48 * MiB + noise(i));
    const leaking = Array.from({ length: minutes }, (_, i) => 48 * MiB + noise(i) + i * 0.25 * MiB);
    const ok = v.memoryVerdict([{ process: 'fused', heapBytes: flat, rssBytes: steadyRss(N) }], { heap: 3, rss: 18 });
    assert.equal(ok.pass, true, ok.why);
    const leak = v.memoryVerdict([{ process: 'fused', heapBytes: leaking, rssBytes: steadyRss(N) }], { heap: 3, rss: 18 });
    assert.equal(leak.pass, false);
    assert.match(leak.why, /fused heap 1\d\.\d%/);
  });

  it('fails with no memory samples rather than passing on nothing', () => {
    assert.equal(v.memoryVerdict([], { heap: 3, rss: 18 }).pass, false);
    const noHeap = v.memoryVerdict([{ process: 'fused', heapBytes: [], rssBytes: steadyRss(N) }], { heap: 3, rss: 18 });
    assert.equal(noHeap.pass, false);
    assert.match(noHeap.why, /fused heap: no samples after warm-up/);
    assert.ok(Number.isNaN(v.floorGrowth([], 6).growth));
  });

  it('passes a lag that oscillates around a level', () => {
    const samples = Array.from({ length: N }, (_, i) => ({ atSeconds: i * 10, lag: 400 + (i % 5) * 300 }));
    const r = v.lagVerdict(samples, 2000);
    assert.equal(r.pass, true, r.why);
  });

  it('fails a lag that grows 20 records a second (the pipeline 1% short of the offered rate)', () => {
    const samples = Array.from({ length: N }, (_, i) => ({ atSeconds: i * 10, lag: 400 + i * 200 + (i % 5) * 300 }));
    const r = v.lagVerdict(samples, 2000);
    assert.equal(r.pass, false);
    assert.match(r.why, /growing/);
    assert.ok(r.trendOverRun > 25000, `trend ${r.trendOverRun}`);
  });

  it('fails a lag whose second half peaks far above the first even without a steady trend', () => {
    const samples = Array.from({ length: N }, (_, i) => ({ atSeconds: i * 10, lag: i === N - 40 ? 60000 : 500 }));
    const r = v.lagVerdict(samples, 2000);
    assert.equal(r.pass, false);
    assert.match(r.why, /second half max 60000 >/);
  });

  it('passes a steady p99 with noise, fails one that doubles', () => {
    const steady = Array.from({ length: N }, (_, i) => 120 + ((i * 37) % 11) * 4);
    assert.equal(v.p99Verdict(steady, 6).pass, true);
    const doubling = Array.from({ length: N }, (_, i) => 120 + i * 1.2);
    const r = v.p99Verdict(doubling, 6);
    assert.equal(r.pass, false);
    assert.ok(r.ratio > 2);
  });

  it('counts lost and duplicate records', () => {
    assert.equal(v.deliveryVerdict(1000, 1000, 0).pass, true);
    assert.equal(v.deliveryVerdict(1000, 999, 0).lost, 1);
    assert.equal(v.deliveryVerdict(1000, 1000, 2).pass, false);
  });
});
