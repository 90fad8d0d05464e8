import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { binMatrix, binOf, featureEdges, fitBinning, labelBalancedBinWeights } from '../../../training/src/models/binning.ts';
import { createRng } from '../../../training/src/random.ts';

function assertEdgeContract(edges: Float32Array, probes: readonly number[]): void {
  for (let b = 1; b < edges.length; b++) assert.ok(edges[b]! > edges[b - 1]!, 'edges ascend');
  assert.equal(edges[edges.length - 1], Number.POSITIVE_INFINITY);
  for (const x of probes) {
    const bin = binOf(edges, x);
    for (let b = 0; b < edges.length; b++) {
      assert.equal(bin <= b, Math.fround(x) <= edges[b]!, `x=${x} b=${b} bin=${bin} edge=${edges[b]}`);
    }
  }
}

test('bin(x) <= b  <=>  fround(x) <= edges[b], for many bins and unseen values', () => {
  const rng = createRng(1);
  const values = Float32Array.from({ length: 5000 }, () => Math.round(rng.nextNormal() * 1000) / 7);
  const edges = featureEdges(values, 255);
  assert.ok(edges.length <= 255);
  assert.ok(edges.length > 200);
  const probes = [...values.subarray(0, 500), ...Array.from({ length: 500 }, () => rng.nextNormal() * 2000), -1e30, 1e30, 0];
  assertEdgeContract(edges, probes);
  for (const e of edges) assert.equal(e, Math.fround(e), 'edges are float32 values');
});

test('the contract holds for adjacent float32 values (edge clamped below the larger)', () => {
  const a = 1;
  const b = Math.fround(1 + 2 ** -23); // the next float32 after 1
  const edges = featureEdges(Float32Array.from([a, b, b]), 255);
  assert.equal(edges.length, 2);
  assert.equal(binOf(edges, a), 0);
  assert.equal(binOf(edges, b), 1);
  assertEdgeContract(edges, [a, b, 0.5, 2, 1 + 2 ** -30]);
});

test('few distinct values get one bin each with midpoint edges; NaN gets the missing code', () => {
  const edges = featureEdges(Float32Array.from([3, 1, 2, 2, Number.NaN, 1]), 255);
  assert.deepEqual([...edges], [1.5, 2.5, Number.POSITIVE_INFINITY]);
  assert.equal(binOf(edges, Number.NaN), 3);
  assert.equal(binOf(edges, 2.5), 1);
  assert.equal(binOf(edges, 2.6), 2);
});

test('a heavy value gets its own bin and quantile bins stay balanced', () => {
  const rng = createRng(2);
  const values = Float32Array.from({ length: 10_000 }, (_, i) => (i < 4000 ? 0 : rng.next() * 100));
  const edges = featureEdges(values, 16);
  assert.equal(edges.length, 16);
  assert.equal(binOf(edges, 0), 0);
  assert.ok(binOf(edges, 0.01) > 0);
  const counts = new Array(16).fill(0);
  for (const v of values) counts[binOf(edges, v)]++;
  assert.equal(counts[0], 4000);
  for (let b = 1; b < 16; b++) assert.ok(counts[b] > 250 && counts[b] < 600, `bin ${b} has ${counts[b]}`);
});

test('a constant or all-missing feature has a single value bin', () => {
  assert.deepEqual([...featureEdges(Float32Array.from([5, 5, 5]))], [Number.POSITIVE_INFINITY]);
  assert.deepEqual([...featureEdges(Float32Array.from([Number.NaN]))], [Number.POSITIVE_INFINITY]);
});

test('binMatrix codes every cell of a row-major matrix', () => {
  const x = Float32Array.from([1, 10, 2, Number.NaN, 3, 30]);
  const binning = fitBinning(x, 3, ['a', 'b']);
  assert.deepEqual([...binMatrix(binning, x, 3)], [0, 0, 1, 2, 2, 1]);
});

test('maxBins outside [2, 255] is a config error', () => {
  assert.throws(() => featureEdges(new Float32Array(3), 256), ConfigError);
  assert.throws(() => featureEdges(new Float32Array(3), 1), ConfigError);
});

test('weighted edges: a heavy-weight region gets bins in proportion to its weight, not its row count', () => {
  // 10,000 negatives on 0..99.99 and 100 positives on 200..299: by rows the positives' range is ~1% of
  // the data and gets 2-3 bins; with the positives carrying half the weight it gets about half of them.
  const values = new Float32Array(10_100);
  const y = new Uint8Array(10_100);
  for (let i = 0; i < 10_000; i++) values[i] = i / 100;
  for (let i = 0; i < 100; i++) {
    values[10_000 + i] = 200 + i;
    y[10_000 + i] = 1;
  }
  const binsAbove = (edges: Float32Array) => edges.filter((e) => e >= 200 && e < 299).length;
  const plain = featureEdges(values, 64);
  const weighted = featureEdges(values, 64, labelBalancedBinWeights(y, 0.5));
  assert.ok(binsAbove(plain) <= 2, `plain quantiles: ${binsAbove(plain)} edges among the positives`);
  assert.ok(binsAbove(weighted) >= 28 && binsAbove(weighted) <= 33, `weighted: ${binsAbove(weighted)} edges`);
  assertEdgeContract(weighted, [...values.subarray(0, 50), 150, 250.5, 1e6]);
});

test('labelBalancedBinWeights: positives carry the requested share; none for share 0 or a single class', () => {
  const y = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const w = labelBalancedBinWeights(y, 0.5)!;
  assert.equal(w[0], 9);
  assert.equal(w[1], 1);
  const w25 = labelBalancedBinWeights(y, 0.25)!;
  assert.ok(Math.abs(w25[0]! / (w25[0]! + 9) - 0.25) < 1e-6);
  assert.equal(labelBalancedBinWeights(y, 0), undefined);
  assert.equal(labelBalancedBinWeights(new Uint8Array(5), 0.5), undefined);
  assert.equal(labelBalancedBinWeights(new Uint8Array(5).fill(1), 0.5), undefined);
});
