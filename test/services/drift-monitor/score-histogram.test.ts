import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../training/bench/random-model.ts';
import { rocAuc } from '../../../training/src/metrics/roc-auc.ts';
import { averagePrecision } from '../../../training/src/metrics/average-precision.ts';
import { histogramAuc, histogramAveragePrecision, ScoreBins } from '../../../services/drift-monitor/src/score-histogram.ts';

test('score bins: logit-spaced, clamped at the ends, NaN has none', () => {
  const bins = new ScoreBins(1000);
  assert.equal(bins.binOf(0), 0);
  assert.equal(bins.binOf(1), 999);
  assert.equal(bins.binOf(0.5), 500);
  assert.equal(bins.binOf(Number.NaN), -1);
  assert.equal(bins.binOf(1.5), -1);
  // Symmetric in logit: p and 1 - p sit in mirrored bins.
  assert.equal(bins.binOf(0.01) + bins.binOf(0.99), 999);
  // Small scores stay apart: 0.001 and 0.00105 (5% apart) fall in different bins.
  assert.notEqual(bins.binOf(0.001), bins.binOf(0.00105));
  assert.ok(bins.lowerEdge(bins.binOf(0.3)) <= 0.3 && bins.lowerEdge(bins.binOf(0.3) + 1) > 0.3);
});

test('histogram AUC and AP: exact on a hand-made case where every score has its own bin', () => {
  // positives at bins 3 and 1, negatives at bins 2 and 0: pairs won 3 of 4
  const pos = [0, 1, 0, 1];
  const neg = [1, 0, 1, 0];
  assert.equal(histogramAuc(pos, neg), 0.75);
  // descending: bin 3 (tp 1, fp 0) -> 0.5 * 1; bin 1 (tp 2, fp 1) -> 0.5 * 2/3
  assert.ok(Math.abs(histogramAveragePrecision(pos, neg) - (0.5 + 1 / 3)) < 1e-12);
  // A tie (same bin) counts half a pair.
  assert.equal(histogramAuc([1], [1]), 0.5);
  assert.ok(Number.isNaN(histogramAuc([0, 0], [1, 1])));
  assert.ok(Number.isNaN(histogramAveragePrecision([0, 0], [1, 1])));
});

test('streaming AUC and AP from 1000 bins agree with the exact metrics on 20,000 scores', () => {
  const rand = mulberry32(11);
  const n = 20_000;
  const scores = new Float64Array(n);
  const labels = new Uint8Array(n);
  const bins = new ScoreBins(1000);
  const pos = new Float64Array(1000);
  const neg = new Float64Array(1000);
  for (let i = 0; i < n; i++) {
    // fraud-like: most scores near 0, labels drawn from the score (calibrated)
    const s = Math.fround(rand() ** 5);
    scores[i] = s;
    labels[i] = rand() < s ? 1 : 0;
    if (labels[i] === 1) pos[bins.binOf(s)]!++;
    else neg[bins.binOf(s)]!++;
  }
  const exactAuc = rocAuc(scores, labels);
  const exactAp = averagePrecision(scores, labels);
  assert.ok(Math.abs(histogramAuc(pos, neg) - exactAuc) < 1e-3, `${histogramAuc(pos, neg)} vs ${exactAuc}`);
  assert.ok(Math.abs(histogramAveragePrecision(pos, neg) - exactAp) < 2e-3, `${histogramAveragePrecision(pos, neg)} vs ${exactAp}`);
});
