import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ValidationError } from '@riskstream/shared';
import { chooseThresholds, thresholdChoice } from '../../training/src/thresholds.ts';
import { createRng } from '../../training/src/random.ts';

/** Scores in [0, 1] whose fraud probability rises with the score (a useful but imperfect model). */
function synthetic(seed: number, n: number, fraudRate: number, signal: number): { scores: Float64Array; labels: Uint8Array } {
  const rng = createRng(seed);
  const labels = Uint8Array.from({ length: n }, () => (rng.next() < fraudRate ? 1 : 0));
  const scores = Float64Array.from(labels, (y) => 1 / (1 + Math.exp(-(rng.nextNormal() + signal * y - 4))));
  return { scores, labels };
}

function flaggedAt(scores: ArrayLike<number>, labels: ArrayLike<number>, t: number): { flagged: number; tp: number } {
  let flagged = 0;
  let tp = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! >= t) {
      flagged++;
      tp += labels[i]!;
    }
  }
  return { flagged, tp };
}

test('hand-made case: review takes the requested share, decline the lowest score with precision >= target', () => {
  const scores = [0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
  const labels = [1, 1, 0, 1, 1, 0, 0, 0, 0, 0];
  // Precision from the top: 1, 1, 2/3, 3/4, 4/5, 4/6 ... -> the lowest threshold with >= 0.8 is 0.7 (4/5),
  // not 0.9 where a scan from the top would first stop (precision dips below 0.8 at 0.85 and recovers).
  const t = chooseThresholds(scores, labels, { reviewRate: 0.6, declinePrecision: 0.8 });
  assert.deepEqual(t, { review: 0.6, decline: 0.7 });
  // Review at 20% is 0.9; 0.7 is below it, so decline searches [0.9, 1]: precision 1 at 0.9.
  assert.deepEqual(chooseThresholds(scores, labels, { reviewRate: 0.2, declinePrecision: 0.8 }), { review: 0.9, decline: 0.9 });
  // Precision 0.75 is first met further down, at 0.8 (3/4), then again at 0.7 (4/5): the lowest wins.
  assert.equal(chooseThresholds(scores, labels, { reviewRate: 0.6, declinePrecision: 0.75 }).decline, 0.7);
});

test('review <= decline, both observed scores in [0, 1], on random data and options', () => {
  for (const seed of [1, 2, 3]) {
    const { scores, labels } = synthetic(seed, 5000, 0.01 * seed, 2 + seed);
    for (const reviewRate of [0.005, 0.02, 0.1]) {
      for (const declinePrecision of [0.3, 0.8, 1]) {
        const { review, decline } = chooseThresholds(scores, labels, { reviewRate, declinePrecision });
        assert.ok(review >= 0 && decline <= 1 && review <= decline, `seed ${seed} ${reviewRate} ${declinePrecision}: ${review} ${decline}`);
        assert.ok(scores.includes(review) && scores.includes(decline));
      }
    }
  }
});

test('review flags the requested share of rows (within one row for distinct scores)', () => {
  const { scores, labels } = synthetic(7, 10_000, 0.02, 3);
  for (const reviewRate of [0.01, 0.02, 0.05]) {
    const choice = thresholdChoice(scores, labels, { reviewRate });
    const { flagged } = flaggedAt(scores, labels, choice.thresholds.review);
    assert.equal(flagged / scores.length, choice.reviewRate);
    assert.ok(Math.abs(flagged - reviewRate * scores.length) <= 1, `${reviewRate}: ${flagged}`);
  }
});

test('decline reaches the precision target, and no lower score at or above review does', () => {
  const { scores, labels } = synthetic(11, 20_000, 0.01, 4.5);
  const target = 0.8;
  const choice = thresholdChoice(scores, labels, { reviewRate: 0.03, declinePrecision: target });
  assert.equal(choice.declineRule, 'precision');
  const { review, decline } = choice.thresholds;
  const atDecline = flaggedAt(scores, labels, decline);
  assert.ok(atDecline.tp / atDecline.flagged >= target);
  assert.equal(choice.declinePrecision, atDecline.tp / atDecline.flagged);
  assert.equal(choice.declineFlagged, atDecline.flagged);
  for (const s of scores) {
    if (s >= review && s < decline) {
      const at = flaggedAt(scores, labels, s);
      assert.ok(at.tp / at.flagged < target, `score ${s} also reaches ${at.tp / at.flagged}`);
    }
  }
});

test('unreachable precision falls back to max(review, top 1%)', () => {
  // No signal at all: precision is about the fraud rate everywhere below the very top.
  const rng = createRng(5);
  const n = 10_000;
  const scores = Float64Array.from({ length: n }, () => rng.next());
  const labels = Uint8Array.from({ length: n }, () => (rng.next() < 0.01 ? 1 : 0));
  const choice = thresholdChoice(scores, labels, { reviewRate: 0.02, declinePrecision: 0.8 });
  assert.equal(choice.declineRule, 'fallback-top-1pct');
  assert.ok(Math.abs(choice.declineRate - 0.01) <= 1 / n);
  assert.ok(choice.thresholds.decline > choice.thresholds.review);
  // When review already flags less than 1%, decline = review.
  const narrow = thresholdChoice(scores, labels, { reviewRate: 0.005, declinePrecision: 0.8 });
  assert.equal(narrow.declineRule, 'fallback-top-1pct');
  assert.equal(narrow.thresholds.decline, narrow.thresholds.review);
  // No fraud at all is the extreme case of the same thing.
  const none = thresholdChoice(scores, new Uint8Array(n), {});
  assert.equal(none.declineRule, 'fallback-top-1pct');
  assert.equal(none.declinePrecision, 0);
});

test('tied scores: thresholds sit on tie-group boundaries and flag whole groups', () => {
  // Scores quantised to 0.1: the 2% target cannot be hit exactly; the closest boundary is taken.
  const scores = [...Array<number>(90).fill(0.1), ...Array<number>(7).fill(0.5), ...Array<number>(3).fill(0.9)];
  const labels = [...Array<number>(90).fill(0), 0, 0, 0, 0, 1, 1, 1, 1, 1, 0];
  const choice = thresholdChoice(scores, labels, { reviewRate: 0.02, declinePrecision: 0.6 });
  assert.deepEqual(choice.thresholds, { review: 0.9, decline: 0.9 });
  assert.equal(choice.reviewRate, 0.03);
  // At a 7% target, 10% (0.5 and up) is closer than 3%; precision there is 5/10 < 0.6, 2/3 at 0.9.
  const wider = thresholdChoice(scores, labels, { reviewRate: 0.07, declinePrecision: 0.6 });
  assert.deepEqual(wider.thresholds, { review: 0.5, decline: 0.9 });
});

test('equidistant boundaries: the one with fewer alerts wins', () => {
  // Targets 1.5 rows of 100; boundaries flag 1 and 2 rows.
  const scores = Array.from({ length: 100 }, (_, i) => i / 100);
  const labels = scores.map(() => 0);
  assert.equal(thresholdChoice(scores, labels, { reviewRate: 0.015 }).reviewRate, 0.01);
});

test('bad options and inputs are typed errors', () => {
  assert.throws(() => chooseThresholds([0.1], [0], { reviewRate: 0 }), ConfigError);
  assert.throws(() => chooseThresholds([0.1], [0], { reviewRate: 1 }), ConfigError);
  assert.throws(() => chooseThresholds([0.1], [0], { declinePrecision: 1.5 }), ConfigError);
  assert.throws(() => chooseThresholds([0.1, Number.NaN], [0, 1]), ValidationError);
  assert.throws(() => chooseThresholds([0.1, 1.2], [0, 1]), ValidationError);
  assert.throws(() => chooseThresholds([0.1, 0.2], [0]), ValidationError);
  assert.throws(() => chooseThresholds([0.1, 0.2], [0, 2]), ValidationError);
  assert.throws(() => chooseThresholds([], []), ValidationError);
});
