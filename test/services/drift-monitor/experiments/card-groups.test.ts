import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../../training/src/random.ts';
import { CARD_GROUPS, cardGroup, CardGroupSums, clusteredVariance } from '../../../../services/drift-monitor/src/experiments/card-groups.ts';

test('cardGroup is stable, in range and spreads cards over every group', () => {
  const counts = new Array<number>(CARD_GROUPS).fill(0);
  for (let c = 0; c < 64_000; c++) {
    const g = cardGroup(`tok_${c}`);
    assert.ok(Number.isInteger(g) && g >= 0 && g < CARD_GROUPS);
    counts[g]!++;
  }
  assert.equal(cardGroup('tok_1'), cardGroup('tok_1'));
  assert.ok(Math.min(...counts) > 800 && Math.max(...counts) < 1200, `${Math.min(...counts)}..${Math.max(...counts)}`);
});

/** Labelled events of `cards` cards, `perCard` each; a card's values share a card effect of sd `cardSd`. */
function sums(cards: number, perCard: number, cardSd: number, eventSd: number, seed: number): { groups: CardGroupSums; iidVariance: number } {
  const rng = createRng(seed);
  const groups = new CardGroupSums();
  let n = 0;
  let s = 0;
  let ss = 0;
  for (let c = 0; c < cards; c++) {
    const effect = cardSd * rng.nextNormal();
    const g = cardGroup(`card-${seed}-${c}`);
    for (let e = 0; e < perCard; e++) {
      const v = effect + eventSd * rng.nextNormal();
      groups.addEstimate(g, 0);
      groups.settle(g, 0, v);
      n++;
      s += v;
      ss += v * v;
    }
  }
  return { groups, iidVariance: (ss / n - (s / n) ** 2) / n };
}

test('clusteredVariance: near the per-event variance for independent events, far above it when cards carry the value', () => {
  const independent = sums(2000, 10, 0, 1, 1);
  const ratio = clusteredVariance(independent.groups.snapshot(), 0.5, 0, 0) / independent.iidVariance;
  assert.ok(ratio > 0.6 && ratio < 1.6, `independent ratio ${ratio}`);
  // A card effect as large as the event noise, 10 events per card: design effect about 1 + 9 × 0.5 = 5.5.
  const clustered = sums(2000, 10, 1, 1, 2);
  const design = clusteredVariance(clustered.groups.snapshot(), 0.5, 0, 0) / clustered.iidVariance;
  assert.ok(design > 3 && design < 9, `clustered ratio ${design}`);
});

test('clusteredVariance is NaN with fewer than two groups, and counts what estimate-only outcomes will still reveal', () => {
  const one = new CardGroupSums();
  one.addEstimate(3, 1);
  assert.ok(Number.isNaN(clusteredVariance(one.snapshot(), 0.5, 0, 0)));
  one.addEstimate(4, 1);
  assert.equal(clusteredVariance(one.snapshot(), 0.5, 0, 0), 0);
  // Two estimate-only events weighing 0.5 each (n = 1), outcome variance 8 in all: 0.25 × 8 / 1.
  assert.equal(clusteredVariance(one.snapshot(), 0.5, 0, 8), 2);
});
