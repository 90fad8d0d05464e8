/**
 * POST /v1/decisions under a live experiment the registry held when the process started: each card's
 * arm answers with its own model version and thresholds, the answer and the recorded scored record name
 * the experiment and arm, and a card always gets the same arm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armIndexFor, type ExperimentSpec } from '@riskstream/shared/model';
import { ModelRegistry } from '@riskstream/training';
import { readTopic } from '../../support/integration.ts';
import { decisionsEnv, mapConcurrent, postDecision, rawTransactions, trainedRegistry } from './decisions-support.ts';

test('integration: decisions: a 50/50 experiment answers each card from its arm, recorded with the experiment and arm', async (t) => {
  const trained = await trainedRegistry();
  t.after(() => trained.cleanup());
  const registry = await ModelRegistry.open(trained.dir);
  const v1 = await registry.get('fraud', 'champion');
  // Arm v2: the same model with thresholds that decline everything, so which arm answered shows.
  const { name: _n, version: _v, createdAt: _c, onnxSha256: _s, ...draft } = v1.manifest;
  const v2 = await registry.register('fraud', { onnx: await registry.readOnnx(v1), manifest: { ...draft, thresholds: { review: 0, decline: 0 } } });
  const spec: ExperimentSpec = { name: 'api-exp', mode: 'split', arms: [{ arm: 'champion', version: v1.version }, { arm: 'strict', version: v2 }], weights: [0.5, 0.5], maxShare: 1, minEvents: 0, startedAt: Date.now() };
  await registry.startExperiment('fraud', spec);

  const d = await decisionsEnv('decisions-exp', trained.dir);
  t.after(() => d.stop());
  const p = await d.start();
  const txs = rawTransactions(200);
  const answers = await mapConcurrent(txs, 16, (tx) => postDecision(p.url, tx));
  const armOfCard = new Map<string, string>();
  for (const a of answers) {
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const token = String(a.body['card_token']);
    const arm = armIndexFor(spec, token) === 1 ? 'strict' : 'champion';
    assert.equal(a.body['experiment'], 'api-exp');
    assert.equal(a.body['experiment_arm'], arm);
    assert.equal(a.body['model_version'], arm === 'strict' ? v2 : v1.version);
    if (arm === 'strict') assert.equal(a.body['decision'], 'DECLINE', 'the arm\'s own thresholds');
    assert.equal(armOfCard.get(token) ?? arm, arm);
    armOfCard.set(token, arm);
  }
  const arms = [...armOfCard.values()];
  t.diagnostic(`${armOfCard.size} cards: ${arms.filter((a) => a === 'strict').length} on strict`);
  assert.ok(arms.includes('strict') && arms.includes('champion'));

  const scored = await readTopic(d.env.kafka, d.env.names.transactionsScored, { count: txs.length, timeoutMs: 60_000, settleMs: 1000 });
  for (const m of scored) {
    const s = (await d.env.codec.decode('transactionsScored', m.value)) as Record<string, unknown>;
    const answer = answers.find((a) => a.body['transaction_id'] === s['transaction_id'])!;
    assert.equal(s['experiment'], 'api-exp');
    assert.equal(s['experiment_arm'], answer.body['experiment_arm'], 'recorded as answered');
    assert.equal(s['model_version'], answer.body['model_version']);
  }
});
