/**
 * A live experiment end to end on the real stack: `riskstream experiment start` records it in the
 * registry and announces it on models.lifecycle.v1, the scoring service routes each card to its arm,
 * the arm's model and thresholds decide, and `experiment stop` sends every card back to the champion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armIndexFor } from '@riskstream/shared/model';
import { ModelRegistry } from '@riskstream/training';
import { runCli } from '../../cli/commands/cli-io.ts';
import { waitFor } from '../../support/child-service.ts';
import { integrationEnv } from '../../support/integration.ts';
import { enrichedEvents, registerModel, simulatedData, tempDir, trainedModel } from './scoring-fixtures.ts';
import { lifecycleListening, offlineScores, produceEnriched, readScored, ready, startInProcess } from './scoring-stack.ts';

test('integration: a 70/30 split routes each card to one arm, whose model and thresholds decide; stop returns every card to the champion', async (t) => {
  const env = await integrationEnv('experiment');
  t.after(() => env.cleanup());
  const root = await tempDir(t);
  const registry = await ModelRegistry.open(root);
  const data = simulatedData(300, 11);
  const a = trainedModel(data, { rounds: 20, seed: 1 });
  const b = trainedModel(data, { rounds: 40, seed: 2, maxLeaves: 4 });
  const v1 = await registerModel(registry, 'fraud', a, { promote: true, thresholds: { review: 0.3, decline: 0.8 } });
  const v2 = await registerModel(registry, 'fraud', b, { thresholds: { review: 0.1, decline: 0.5 } });
  const svc = await startInProcess(t, env, root);
  await waitFor('ready', () => ready(svc.url), 60_000);
  await lifecycleListening(env, svc);

  const cli = (...args: string[]) => runCli(['experiment', ...args], { ...process.env, MODEL_REGISTRY_DIR: root, TOPIC_NAMESPACE: env.namespace });
  const started = await cli('start', '--name', 'exp-int', '--arms', 'champion,v2', '--split', '70,30');
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stdout, /announced EXPERIMENT_STARTED exp-int/);
  await waitFor('the experiment serving', () => svc.parts.serving.current()?.experiment?.spec.name === 'exp-int', 60_000);
  const spec = svc.parts.serving.current()!.experiment!.spec;

  const during = enrichedEvents(data, 0, 2000, 'exp');
  const offline = new Map([[1, await offlineScores(v1, a.featureNames, during)], [2, await offlineScores(v2, b.featureNames, during)]]);
  await produceEnriched(env, during);
  const scored = await readScored(env, during.length);
  assert.equal(new Set(scored.map((s) => s.value.transaction_id)).size, during.length, 'each event scored once');
  const armOfCard = new Map<string, string>();
  for (const { value: s } of scored) {
    const arm = armIndexFor(spec, s.card_token) === 1 ? 'v2' : 'champion';
    assert.equal(s.experiment, 'exp-int');
    assert.equal(s.experiment_arm, arm, `${s.card_token} decided by the arm its hash names`);
    assert.equal(armOfCard.get(s.card_token) ?? arm, arm, 'a card stays on one arm');
    armOfCard.set(s.card_token, arm);
    const version = arm === 'v2' ? 2 : 1;
    assert.equal(s.model_version, version);
    assert.ok(Math.abs(s.score - offline.get(version)!.get(s.transaction_id)!) <= 1e-6, `${s.transaction_id} scored by v${version}`);
    const t2 = version === 2 ? { review: 0.1, decline: 0.5 } : { review: 0.3, decline: 0.8 };
    assert.equal(s.decision, s.score >= t2.decline ? 'DECLINE' : s.score >= t2.review ? 'REVIEW' : 'APPROVE', 'the arm\'s own thresholds');
  }
  const cardsOnV2 = [...armOfCard.values()].filter((arm) => arm === 'v2').length / armOfCard.size;
  t.diagnostic(`${armOfCard.size} cards, ${(cardsOnV2 * 100).toFixed(1)}% on v2`);
  assert.ok(cardsOnV2 > 0.2 && cardsOnV2 < 0.4, `share of cards on v2: ${cardsOnV2}`);

  const stopped = await cli('stop');
  assert.equal(stopped.code, 0, stopped.stderr);
  await waitFor('the experiment stopped', () => svc.parts.serving.current()?.experiment === undefined, 60_000);
  const after = enrichedEvents(data, 2000, 300, 'after');
  await produceEnriched(env, after);
  const all = await readScored(env, during.length + after.length);
  const afterIds = new Set(after.map((e) => e.transaction_id));
  for (const { value: s } of all.filter((m) => afterIds.has(m.value.transaction_id))) {
    assert.equal(s.model_version, 1);
    assert.equal(s.experiment, null);
    assert.equal(s.experiment_arm, null);
  }
});
