import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError } from '@riskstream/shared';
import {
  armIndexFor,
  experimentFromRecord,
  experimentProblems,
  experimentRecord,
  parseExperiment,
  parseModelAliases,
  type ExperimentSpec,
} from '@riskstream/shared/model';

const spec: ExperimentSpec = {
  name: 'gbdt-v7',
  mode: 'split',
  arms: [{ arm: 'champion', version: 6 }, { arm: 'v7', version: 7 }],
  weights: [0.9, 0.1],
  maxShare: 0.2,
  minEvents: 5000,
  startedAt: 1_765_000_000_000,
};

const cards = Array.from({ length: 20_000 }, (_, i) => `tok-${i}`);

test('a card always goes to the same arm, and the arms get their weights\' shares of cards', () => {
  const arms = cards.map((c) => armIndexFor(spec, c));
  assert.deepEqual(cards.map((c) => armIndexFor(spec, c)), arms, 'sticky');
  const share = arms.filter((a) => a === 1).length / cards.length;
  assert.ok(Math.abs(share - 0.1) < 0.01, `share of v7 ${share}`);
});

test('the assignment depends on the experiment name: another experiment reshuffles the cards', () => {
  const a = cards.map((c) => armIndexFor({ name: 'a', weights: [0.5, 0.5] }, c));
  const b = cards.map((c) => armIndexFor({ name: 'b', weights: [0.5, 0.5] }, c));
  const same = a.filter((x, i) => x === b[i]).length / cards.length;
  assert.ok(same > 0.45 && same < 0.55, `agreement ${same}`);
});

test('new weights move only the cards at the boundary between ranges', () => {
  const before = cards.map((c) => armIndexFor({ name: 'x', weights: [0.5, 0.5] }, c));
  const after = cards.map((c) => armIndexFor({ name: 'x', weights: [0.6, 0.4] }, c));
  const moved = before.filter((a, i) => a !== after[i]);
  assert.ok(moved.every((a) => a === 1), 'only arm 1 cards move, to arm 0');
  assert.ok(Math.abs(moved.length / cards.length - 0.1) < 0.01);
});

test('a zero-weight arm gets no cards', () => {
  assert.ok(cards.every((c) => armIndexFor({ name: 'x', weights: [1, 0] }, c) === 0));
  assert.ok(cards.every((c) => armIndexFor({ name: 'x', weights: [0, 1] }, c) === 1));
});

test('invalid specs are refused with every problem named', () => {
  assert.deepEqual(experimentProblems(spec), []);
  const problems = experimentProblems({ ...spec, name: 'bad name!', arms: [spec.arms[0]!], weights: [0.7, 0.2], maxShare: 0 });
  assert.equal(problems.length, 4, problems.join('; '));
  assert.match(problems.join('; '), /name.*at least two arms.*weights for.*maxShare/);
  assert.match(experimentProblems({ ...spec, weights: [0.5, 0.6] }).join(), /sum to 1/);
  assert.match(experimentProblems({ ...spec, arms: [spec.arms[0]!, { arm: 'v6', version: 6 }] }).join(), /distinct/);
});

test('the spec survives the registry (aliases.json) and the lifecycle record unchanged', () => {
  assert.deepEqual(parseExperiment('fraud', JSON.parse(JSON.stringify(spec))), spec);
  assert.deepEqual(experimentFromRecord('fraud', experimentRecord(spec)), spec);
  assert.deepEqual(parseModelAliases('fraud', { champion: 6, experiment: spec }).experiment, spec);
  assert.throws(() => parseModelAliases('fraud', { champion: 6, experiment: { ...spec, weights: [1] } }), ModelError);
});
