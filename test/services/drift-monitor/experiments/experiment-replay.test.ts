import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VALUE_MODEL } from '@riskstream/shared';
import { createRng } from '../../../../training/src/random.ts';
import { eventsUntilShare, replayExperiment, type ReplayOptions } from '../../../../services/drift-monitor/src/experiments/experiment-replay.ts';
import { labelledTraffic } from './labelled-traffic.ts';

const DAY_MS = 86_400_000;

// The bench's replay (bench/experiments/bandit-vs-split.ts) at unit size: a small simulation, the same
// two trained models, the same settings.
const traffic = await labelledTraffic({ customers: 600, days: 30, seed: 7 });

function options(fixedWeights: boolean, arms: readonly string[], maxShare: number, minEvents = 1000): ReplayOptions {
  return {
    plan: { name: 'replay', mode: 'bandit', arms: arms.map((arm) => ({ arm })), weights: [0.5, 0.5] },
    settings: { maxShare, minEvents, floorShare: 0.05, stopMargin: 0.05, stopConfidence: 0.99, estimateWeight: 0.5, priorEvents: 1, calibrationPriorEvents: 200, draws: 2000 },
    policy: { intervalMs: 3_600_000, everyEvents: 500, minChange: 0.02 },
    valueModel: DEFAULT_VALUE_MODEL,
    rng: createRng(1),
    labelDelayMs: 2 * DAY_MS,
    pendingCapacity: 100_000,
    fixedWeights,
  };
}

test('the good model is worth more per event than the worse one on the replayed traffic (the premise)', () => {
  const split = replayExperiment(traffic.events, options(true, ['worse', 'good'], 1));
  assert.ok(traffic.events.length > 5000, `${traffic.events.length} events`);
  assert.ok(split.valueIfOnly[1]! > split.valueIfOnly[0]!, `good ${split.valueIfOnly[1]} vs worse ${split.valueIfOnly[0]}`);
  // Sticky buckets split the cards about evenly.
  assert.ok(Math.abs(split.eventsByArm[0]! / split.events - 0.5) < 0.1, `${split.eventsByArm}`);
});

test('the bandit moves traffic to the better arm and earns more than a fixed 50/50 split on the same traffic', (t) => {
  const split = replayExperiment(traffic.events, options(true, ['worse', 'good'], 1));
  const bandit = replayExperiment(traffic.events, options(false, ['worse', 'good'], 1));
  const to80 = eventsUntilShare(bandit.weightChanges, 1, 0.8);
  t.diagnostic(`events ${bandit.events}; alone: ${split.valueIfOnly.map(Math.round).join(' / ')}; to 80%: ${to80}; value bandit ${bandit.value.toFixed(0)} split ${split.value.toFixed(0)}; regret ${bandit.regret.toFixed(0)} vs ${split.regret.toFixed(0)}`);
  assert.ok(to80 !== undefined, 'the better arm reaches 80% of the weight');
  assert.ok(bandit.finalWeights[1]! >= 0.8, `final weights ${bandit.finalWeights}`);
  assert.ok(bandit.eventsByArm[1]! > split.eventsByArm[1]!, `${bandit.eventsByArm} vs ${split.eventsByArm}`);
  assert.ok(bandit.value > split.value, `bandit ${bandit.value} vs split ${split.value}`);
  assert.ok(bandit.regret < split.regret);
});

test('with a fifth of the labels sampled, the bandit still moves traffic to the better arm', () => {
  const bandit = replayExperiment(traffic.events, { ...options(false, ['worse', 'good'], 1), labelSample: 0.2 });
  assert.ok(bandit.finalWeights[1]! >= 0.8, `final weights ${bandit.finalWeights}`);
});

test('a worse challenger against a good control is capped and then stopped, only once its labels are in', () => {
  const reversed = traffic.events.map((e) => ({ ...e, scores: [e.scores[1]!, e.scores[0]!], decisions: [e.decisions[1]!, e.decisions[0]!] }));
  const o = options(false, ['good', 'worse'], 0.2, 300);
  const bandit = replayExperiment(reversed, { ...o, plan: { ...o.plan, weights: [0.8, 0.2] } });
  assert.ok(bandit.weightChanges.every((c) => c.weights[1]! <= 0.2 + 1e-12), 'the cap holds throughout');
  assert.equal(bandit.stops.length, 1, 'the worse arm is stopped');
  assert.equal(bandit.stops[0]!.arm, 'worse');
  assert.ok(bandit.stops[0]!.labelledEvents >= 300, 'not before minEvents labelled events');
  assert.deepEqual(bandit.finalWeights, [1, 0]);
});
