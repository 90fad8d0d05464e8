/**
 * Scoring against the real stack (Kafka + schema registry): exactly-once output, parity with an offline
 * onnxruntime run, readiness without a model, hot swap under load and refusal of broken models.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createExplainer, explainRow, topReasons } from '../../../services/scoring/src/tree-contributions.ts';
import { ModelRegistry } from '@riskstream/training';
import { parseOnnxModel } from '../../../services/scoring/src/onnx-model-parser.ts';
import { integrationEnv } from '../../support/integration.ts';
import { lifecycleListening, offlineScores, produceEnriched, publishLifecycle, readScored, ready, startInProcess, type ScoredMessage } from './scoring-stack.ts';
import { startChild, waitFor } from '../../support/child-service.ts';
import {
  enrichedEvents,
  eventMatrix,
  nanModel,
  passingGate,
  registerModel,
  simulatedData,
  tempDir,
  trainedModel,
  type Registered,
  type SimulatedData,
} from './scoring-fixtures.ts';

const THRESHOLDS = { review: 0.3, decline: 0.8 };

function expectedDecision(score: number): string {
  return score >= THRESHOLDS.decline ? 'DECLINE' : score >= THRESHOLDS.review ? 'REVIEW' : 'APPROVE';
}

let shared: { data: SimulatedData; a: ReturnType<typeof trainedModel>; b: ReturnType<typeof trainedModel> } | undefined;
function models() {
  if (!shared) {
    const data = simulatedData(200, 7);
    shared = { data, a: trainedModel(data, { rounds: 20, seed: 1 }), b: trainedModel(data, { rounds: 40, seed: 2, maxLeaves: 4 }) };
  }
  return shared;
}

test('integration: without a model the process stays up but not ready; once promoted, 2000 events are scored exactly once, matching offline onnxruntime', async (t) => {
  const env = await integrationEnv('scoring');
  t.after(() => env.cleanup());
  const root = await tempDir(t);
  const registry = await ModelRegistry.open(root);
  const { data, a } = models();

  const child = startChild('services/scoring/src/main.ts', {
    TOPIC_NAMESPACE: env.namespace,
    MODEL_SOURCE: root,
    HTTP_PORT: '0',
    SCORING_GROUP_ID: env.uniqueGroup('scoring'),
    SCORING_MODEL_POLL_MS: '300',
  });
  t.after(async () => {
    if (child.child.exitCode === null) child.child.kill('SIGKILL');
  });
  let url = '';
  await waitFor('scoring started', () => {
    const m = /"port":(\d+)[^\n]*scoring started/.exec(child.output());
    if (m) url = `http://127.0.0.1:${m[1]}`;
    return m !== null;
  }, 60_000);
  const notReady = await fetch(`${url}/readyz`);
  assert.equal(notReady.status, 503);
  const body = (await notReady.json()) as { checks: { model: { ready: boolean } } };
  assert.equal(body.checks.model.ready, false);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(child.child.exitCode, null, 'no model is not a reason to exit');
  assert.equal((await fetch(`${url}/healthz`)).status, 200);

  const v1 = await registerModel(registry, 'fraud', a, { promote: true, thresholds: THRESHOLDS });
  await waitFor('ready with v1', () => ready(url), 60_000);

  const events = enrichedEvents(data, 0, 2000, 'once');
  const offline = await offlineScores(v1, a.featureNames, events);
  await produceEnriched(env, events);
  const scored = await readScored(env, 2000);

  assert.equal(scored.length, 2000, 'exactly one scored event per input (read_committed)');
  const ids = new Set(scored.map((s) => s.value.transaction_id));
  assert.equal(ids.size, 2000);
  let maxDiff = 0;
  const byId = new Map(events.map((e) => [e.transaction_id, e]));
  for (const { value: s } of scored) {
    const e = byId.get(s.transaction_id);
    assert.ok(e, `unexpected ${s.transaction_id}`);
    maxDiff = Math.max(maxDiff, Math.abs(s.score - offline.get(s.transaction_id)!));
    assert.equal(s.model_name, 'fraud');
    assert.equal(s.model_version, 1);
    assert.equal(s.decision, expectedDecision(s.score));
    assert.equal(s.card_token, e.card_token);
    assert.equal(s.event_time, e.event_time);
    assert.ok(s.reasons.length >= 1 && s.reasons.length <= 3);
    assert.ok(s.latency_ms >= 0);
    assert.equal(s.challenger_score, null);
  }
  t.diagnostic(`max |service - offline onnxruntime| = ${maxDiff}`);
  assert.ok(maxDiff <= 1e-6, `max diff ${maxDiff}`);

  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /scoring_model_version\{[^}]*model="fraud"[^}]*version="1"[^}]*\} 1/);
  assert.match(metrics, /scoring_model_loads_total\{[^}]*outcome="loaded"[^}]*\} 1/);
  const decided = [...metrics.matchAll(/^scoring_events_total\{[^}]*\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
  assert.equal(decided, 2000);

  child.child.kill('SIGTERM');
  const exit = await child.exited();
  assert.equal(exit.code, 0, child.output().slice(-2000));
});

test('integration: hot swap under load: every event scored by exactly one version, none dropped, later events on v2', async (t) => {
  const env = await integrationEnv('scoring-swap');
  t.after(() => env.cleanup());
  const root = await tempDir(t);
  const registry = await ModelRegistry.open(root);
  const { data, a, b } = models();
  const v1 = await registerModel(registry, 'fraud', a, { promote: true, thresholds: THRESHOLDS });
  const v2 = await registerModel(registry, 'fraud', b, { thresholds: THRESHOLDS });
  const svc = await startInProcess(t, env, root);
  await waitFor('ready', () => ready(svc.url), 60_000);
  await lifecycleListening(env, svc);

  const phase1 = enrichedEvents(data, 0, 800, 'swap');
  const phase2 = enrichedEvents(data, 800, 800, 'swap');
  const phase3 = enrichedEvents(data, 1600, 400, 'swap');
  const all = [...phase1, ...phase2, ...phase3];
  const offline = new Map([[1, await offlineScores(v1, a.featureNames, all)], [2, await offlineScores(v2, b.featureNames, all)]]);
  const explainers = new Map([[1, createExplainer(parseOnnxModel(v1.onnx, a.featureNames))], [2, createExplainer(parseOnnxModel(v2.onnx, b.featureNames))]]);

  await produceEnriched(env, phase1);
  await waitFor('phase 1 scored by v1', async () => (await svc.metric('scoring_events_total')) >= 800, 60_000);
  await registry.promote('fraud', v2.version, passingGate());
  // The promotion is announced halfway through a steady stream, so the swap lands while events flow.
  for (let i = 0; i < phase2.length; i += 40) {
    if (i === 400) await publishLifecycle(env, { model_name: 'fraud', action: 'PROMOTED', version: v2.version, onnx_sha256: v2.sha256 });
    await produceEnriched(env, phase2.slice(i, i + 40));
    await new Promise((r) => setTimeout(r, 20));
  }
  await waitFor('v2 serving', () => svc.parts.serving.current()?.champion.version === 2, 60_000);
  await produceEnriched(env, phase3);

  const scored = await readScored(env, all.length);
  assert.equal(scored.length, all.length, 'no event dropped or duplicated');
  assert.equal(new Set(scored.map((s) => s.value.transaction_id)).size, all.length);
  const x = new Map(all.map((e) => [e.transaction_id, e]));
  const phase3Ids = new Set(phase3.map((e) => e.transaction_id));
  const versions = new Map<number, number>();
  for (const { value: s } of scored) {
    const v = s.model_version;
    versions.set(v, (versions.get(v) ?? 0) + 1);
    assert.ok(v === 1 || v === 2, `version ${v}`);
    // Score, decision and reasons all come from the version the event names, and only from it.
    assert.ok(Math.abs(s.score - offline.get(v)!.get(s.transaction_id)!) <= 1e-6, `${s.transaction_id} score is not v${v}'s`);
    assert.equal(s.decision, expectedDecision(s.score));
    const e = x.get(s.transaction_id)!;
    const features = explainers.get(v)!.featureNames;
    const { contributions: c } = explainRow(explainers.get(v)!, eventMatrix([e], features));
    // Reasons come from the explained graph (float32 contributions): the JavaScript reference's top-3
    // features, with contributions within 1e-5 of its float64 ones.
    const expected = topReasons(features, c, 3);
    assert.deepEqual(s.reasons.map((r) => r.feature), expected.map((r) => r.feature), `${s.transaction_id} reasons`);
    s.reasons.forEach((r, i) => assert.ok(Math.abs(r.contribution - expected[i]!.contribution) <= 1e-5, `${s.transaction_id} ${r.feature}`));
    if (phase3Ids.has(s.transaction_id)) assert.equal(v, 2, `${s.transaction_id} was produced after the swap`);
  }
  t.diagnostic(`scored by v1: ${versions.get(1) ?? 0}, by v2: ${versions.get(2) ?? 0}`);
  assert.ok((versions.get(1) ?? 0) >= 800 && (versions.get(2) ?? 0) >= 400);

  // Per output partition (same key -> same partition as the input) the switch happens once: 1...1 2...2.
  const byPartition = new Map<number, ScoredMessage[]>();
  for (const s of scored) byPartition.set(s.partition, [...(byPartition.get(s.partition) ?? []), s]);
  for (const [p, list] of byPartition) {
    list.sort((l, r) => l.offset - r.offset);
    const switches = list.filter((s, i) => i > 0 && s.value.model_version !== list[i - 1]!.value.model_version);
    assert.ok(switches.length <= 1 && list.at(-1)!.value.model_version === 2, `partition ${p} switched ${switches.length} times`);
  }
  assert.equal(await svc.metric('scoring_model_loads_total', { outcome: 'loaded' }), 2);
  assert.equal(await svc.metric('scoring_model_version', { version: '2' }), 1);
  assert.equal(await svc.metric('scoring_model_version', { version: '1' }), 0);
});

test('integration: broken models (NaN scores, wrong announced sha256, corrupted bytes) are refused and v1 keeps serving', async (t) => {
  const env = await integrationEnv('scoring-broken');
  t.after(() => env.cleanup());
  const root = await tempDir(t);
  const registry = await ModelRegistry.open(root);
  const { data, a, b } = models();
  const v1 = await registerModel(registry, 'fraud', a, { promote: true, thresholds: THRESHOLDS });
  const svc = await startInProcess(t, env, root);
  await waitFor('ready', () => ready(svc.url), 60_000);
  await lifecycleListening(env, svc);
  const refused = () => svc.metric('scoring_model_loads_total', { outcome: 'refused' });

  const nan = await registerModel(registry, 'fraud', nanModel(a.featureNames), { promote: true, thresholds: THRESHOLDS });
  await publishLifecycle(env, { model_name: 'fraud', action: 'PROMOTED', version: nan.version, onnx_sha256: nan.sha256 });
  await waitFor('NaN model refused', async () => (await refused()) === 1, 30_000);

  const wrongSha = await registerModel(registry, 'fraud', b, { thresholds: THRESHOLDS });
  await publishLifecycle(env, { model_name: 'fraud', action: 'PROMOTED', version: wrongSha.version, onnx_sha256: v1.sha256 });
  await waitFor('announced sha mismatch refused', async () => (await refused()) === 2, 30_000);

  const corrupted = await registerModel(registry, 'fraud', b, { thresholds: THRESHOLDS });
  const path = join(root, 'fraud', String(corrupted.version), 'model.onnx');
  const bytes = await readFile(path);
  await writeFile(path, bytes.subarray(0, bytes.length - 7));
  await publishLifecycle(env, { model_name: 'fraud', action: 'ROLLED_BACK', version: corrupted.version, onnx_sha256: corrupted.sha256 });
  await waitFor('corrupted bytes refused', async () => (await refused()) === 3, 30_000);

  const events = enrichedEvents(data, 0, 300, 'broken');
  const offline = await offlineScores(v1, a.featureNames, events);
  await produceEnriched(env, events);
  const scored = await readScored(env, events.length);
  assert.equal(scored.length, events.length);
  for (const { value: s } of scored) {
    assert.equal(s.model_version, 1);
    assert.ok(Math.abs(s.score - offline.get(s.transaction_id)!) <= 1e-6);
  }
  assert.equal(svc.parts.serving.current()?.champion.version, 1);
  assert.ok(await ready(svc.url));
  assert.equal(await svc.metric('scoring_model_loads_total', { outcome: 'loaded' }), 1);
  assert.equal(await svc.metric('scoring_model_version', { version: '1' }), 1);
});
