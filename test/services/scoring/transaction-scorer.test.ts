import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armIndexFor, predictProbability } from '@riskstream/shared/model';
import { loadScoringModel, toColumns, type ScoringModel } from '../../../services/scoring/src/scoring-model.ts';
import { scoreBatch, type EnrichedTransaction } from '../../../services/scoring/src/transaction-scorer.ts';
import { topReasons } from '../../../services/scoring/src/tree-contributions.ts';
import { enrichedEvents, eventMatrix, fetchedModel, handMadeEnsemble, simulatedData, trainedModel } from './scoring-fixtures.ts';

function event(id: string, features: Record<string, number>): EnrichedTransaction {
  return {
    transaction_id: id, card_token: `card-${id}`, terminal_id: null, amount: 12.5, currency: 'EUR', channel: null,
    event_time: 1_000, ingest_time: 9_000, feature_set: 'test', features,
  };
}

test('scoreBatch: score, decision from the manifest thresholds, top reasons, latency and shadow score', async (t) => {
  const model = handMadeEnsemble();
  const champion = await loadScoringModel(fetchedModel(model, 4, { thresholds: { review: 0.2, decline: 0.5 } }));
  const challenger = await loadScoringModel(fetchedModel({ ...model, baseMargin: 0 }, 5));
  t.after(() => Promise.all([champion.release(), challenger.release()]));
  const events = [
    event('a', { amount: 50, velocity: 5, night: 1 }),
    event('b', { amount: 500, night: 1 }), // velocity missing -> NaN
    event('c', { amount: 10, velocity: 0, night: 0, unrelated: 7 }),
  ];
  const { scored, invalid } = await scoreBatch({ champion, challenger }, events, { now: () => 10_000 });
  assert.deepEqual(invalid, []);
  assert.equal(scored.length, 3);
  const x = (e: EnrichedTransaction) => model.featureNames.map((n) => e.features[n] ?? NaN);
  for (const [i, s] of scored.entries()) {
    const p = predictProbability(model, x(events[i]!));
    assert.ok(Math.abs(s.score - p) < 1e-6);
    assert.equal(s.decision, p >= 0.5 ? 'DECLINE' : p >= 0.2 ? 'REVIEW' : 'APPROVE');
    assert.equal(s.model_version, 4);
    assert.equal(s.challenger_version, 5);
    assert.ok(Math.abs(s.challenger_score! - predictProbability({ ...model, baseMargin: 0 }, x(events[i]!))) < 1e-6);
    assert.equal(s.latency_ms, 1_000);
    assert.equal(s.card_token, `card-${events[i]!.transaction_id}`);
  }
  // Row a: margin -1 = bias, so P = sigmoid(-1) ~ 0.269 (REVIEW), reasons exactly as the hand computation.
  assert.equal(scored[0]!.decision, 'REVIEW');
  assert.deepEqual(scored[0]!.reasons, [
    { feature: 'amount', contribution: -0.8125 },
    { feature: 'night', contribution: 0.4375 },
    { feature: 'velocity', contribution: 0.375 },
  ]);
  // Row b goes right at the root; velocity is never consulted, so it is no reason.
  assert.deepEqual(scored[1]!.reasons.map((r) => r.feature), ['amount', 'night']);
  assert.equal(scored[1]!.decision, 'DECLINE');
});

test('scoreBatch: a non-probability score is reported per event, a failing challenger only loses the shadow', async () => {
  const fake = {
    name: 'fraud', version: 9, featureNames: ['a'], thresholds: { review: 0.3, decline: 0.8 },
    explainer: { featureNames: ['a'], bias: 0, explain: () => undefined },
    score: async () => Float32Array.from([0.1, NaN, 1.5, 0.9]),
    scoreExplained: async () => ({ scores: Float32Array.from([0.1, NaN, 1.5, 0.9]), contributions: new Float32Array(4) }),
  } as unknown as ScoringModel;
  const broken = { ...fake, version: 10, score: async () => { throw new Error('session gone'); } } as unknown as ScoringModel;
  const errors: unknown[] = [];
  const events = ['w', 'x', 'y', 'z'].map((id) => event(id, { a: 1 }));
  const { scored, invalid } = await scoreBatch({ champion: fake, challenger: broken }, events, { onChallengerError: (e) => errors.push(e) });
  assert.deepEqual(scored.map((s) => [s.transaction_id, s.decision, s.challenger_score]), [['w', 'APPROVE', null], ['z', 'DECLINE', null]]);
  assert.deepEqual(invalid.map((i) => [i.index, i.error.code]), [[1, 'MODEL_INVALID'], [2, 'MODEL_INVALID']]);
  assert.equal(errors.length, 1);
});

test('scoreBatch with reasons for flagged events only: APPROVE gets none, REVIEW/DECLINE get the same reasons as with all', async (t) => {
  const model = handMadeEnsemble();
  const champion = await loadScoringModel(fetchedModel(model, 1, { thresholds: { review: 0.2, decline: 0.5 } }));
  t.after(() => champion.release());
  const events = [
    event('approve', { amount: 10, velocity: 0, night: 0 }),
    event('review', { amount: 50, velocity: 5, night: 1 }),
    event('decline', { amount: 500, night: 1 }),
  ];
  const all = await scoreBatch({ champion }, events);
  const flagged = await scoreBatch({ champion }, events, { reasonsFor: 'flagged' });
  assert.deepEqual(flagged.scored.map((s) => s.decision), ['APPROVE', 'REVIEW', 'DECLINE']);
  assert.deepEqual(flagged.scored[0]!.reasons, []);
  assert.ok(all.scored[0]!.reasons.length > 0);
  assert.deepEqual(flagged.scored.slice(1).map((s) => s.reasons), all.scored.slice(1).map((s) => s.reasons));
});

test('scoreBatch on a trained GBDT: every event gets the reference top-3 reasons, from the explained graph', async (t) => {
  const data = simulatedData(200, 5);
  const model = trainedModel(data, { rounds: 80, seed: 2, maxLeaves: 16 });
  const champion = await loadScoringModel(fetchedModel(model, 7, { thresholds: { review: 0.05, decline: 0.5 } }));
  t.after(() => champion.release());
  const events = enrichedEvents(data, 0, 1000, 'gbdt');
  const { scored, invalid } = await scoreBatch({ champion }, events);
  assert.deepEqual(invalid, []);
  const x = eventMatrix(events, model.featureNames);
  const cols = model.featureNames.length;
  const reference = new Float64Array(events.length * cols);
  champion.explainer.explain(x, events.length, reference, new Float64Array(events.length));
  const flagged = await scoreBatch({ champion }, events, { reasonsFor: 'flagged' });
  const registry = await champion.score(toColumns(x, events.length, cols), events.length);
  scored.forEach((s, i) => {
    assert.equal(s.score, registry[i], `event ${i}: the registry graph's score`);
    assert.equal(flagged.scored[i]!.score, s.score);
    const expected = topReasons(model.featureNames, reference, 3, i * cols);
    assert.deepEqual(s.reasons.map((r) => r.feature), expected.map((r) => r.feature), `event ${i}`);
    s.reasons.forEach((r, k) => assert.ok(Math.abs(r.contribution - expected[k]!.contribution) <= 1e-5));
    assert.deepEqual(flagged.scored[i]!.reasons, s.decision === 'APPROVE' ? [] : s.reasons);
  });
  assert.ok(scored.some((s) => s.decision !== 'APPROVE') && scored.some((s) => s.decision === 'APPROVE'));
});

test('scoreBatch under an experiment: each card\'s arm decides with its own model and thresholds, in input order, the shadow kept', async (t) => {
  const model = handMadeEnsemble();
  const champion = await loadScoringModel(fetchedModel(model, 4, { thresholds: { review: 0.2, decline: 0.5 } }));
  const arm = await loadScoringModel(fetchedModel({ ...model, baseMargin: 2 }, 7, { thresholds: { review: 0.9, decline: 0.99 } }));
  const challenger = await loadScoringModel(fetchedModel({ ...model, baseMargin: 0 }, 5));
  t.after(() => Promise.all([champion.release(), arm.release(), challenger.release()]));
  const spec = {
    name: 'exp-1', mode: 'split' as const, arms: [{ arm: 'champion', version: 4 }, { arm: 'v7', version: 7 }],
    weights: [0.5, 0.5], maxShare: 1, minEvents: 0, startedAt: 0,
  };
  const events = Array.from({ length: 200 }, (_, i) => event(`e${i}`, { amount: 50, velocity: 5, night: 1 }));
  const models = { champion, challenger, experiment: { spec, models: [champion, arm] } };
  const { scored, invalid } = await scoreBatch(models, events, { now: () => 10_000 });
  assert.deepEqual(invalid, []);
  assert.deepEqual(scored.map((s) => s.transaction_id), events.map((e) => e.transaction_id), 'input order');
  const x = model.featureNames.map((n) => events[0]!.features[n] ?? NaN);
  const byArm = { champion: 0, v7: 0 };
  for (const s of scored) {
    assert.equal(s.experiment, 'exp-1');
    const v7 = s.experiment_arm === 'v7';
    byArm[v7 ? 'v7' : 'champion']++;
    assert.equal(s.experiment_arm, armIndexFor(spec, s.card_token) === 1 ? 'v7' : 'champion');
    assert.equal(s.model_version, v7 ? 7 : 4);
    const p = predictProbability(v7 ? { ...model, baseMargin: 2 } : model, x);
    assert.ok(Math.abs(s.score - p) < 1e-6);
    assert.equal(s.decision, v7 ? (p >= 0.99 ? 'DECLINE' : p >= 0.9 ? 'REVIEW' : 'APPROVE') : 'REVIEW');
    assert.equal(s.challenger_version, 5, 'shadow stays separate from the experiment');
    assert.equal(s.reasons.length, 3);
  }
  assert.ok(byArm.v7 > 70 && byArm.champion > 70, JSON.stringify(byArm));
  const again = await scoreBatch(models, events.slice(0, 50).reverse(), { now: () => 10_000 });
  for (const s of again.scored) assert.equal(s.experiment_arm, scored.find((o) => o.transaction_id === s.transaction_id)!.experiment_arm, 'sticky across batches');
});

test('scoreBatch outside an experiment carries no experiment fields', async (t) => {
  const champion = await loadScoringModel(fetchedModel(handMadeEnsemble(), 4));
  t.after(() => champion.release());
  const { scored } = await scoreBatch({ champion }, [event('a', { amount: 5 })]);
  assert.equal(scored[0]!.experiment, undefined);
  assert.equal(scored[0]!.experiment_arm, undefined);
});
