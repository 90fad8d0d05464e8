/**
 * The drift monitor against the real stack (Kafka + schema registry) and a real model registry
 * directory: enriched, scored and label records produced to a unique namespace's topics, the service
 * started in-process, and its verdicts read over HTTP from /metrics and /v1/drift.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DEFAULT_VALUE_MODEL, type OutputRecord } from '@riskstream/shared';
import { integrationEnv } from '../../support/integration.ts';
import { HOUR, produce, startMonitor, tempRegistry } from './drift-stack.ts';
import { waitFor } from '../../support/child-service.ts';
import { referenceProfile, registerDriftModel, world, worldRecords, type WorldRecords } from './drift-fixtures.ts';
import { passingGate } from '../scoring/scoring-fixtures.ts';

const START = Date.UTC(2025, 2, 3);
const STEP = 10_000;

const enriched = (r: WorldRecords): OutputRecord[] => r.enriched.map((v) => ({ topic: 'transactionsEnriched', key: v.card_token, value: v }));
const scored = (r: WorldRecords): OutputRecord[] => r.scored.map((v) => ({ topic: 'transactionsScored', key: v.card_token, value: v }));
const labels = (r: WorldRecords): OutputRecord[] => r.labels.map((v) => ({ topic: 'transactionsLabels', key: v.transaction_id, value: v }));

test('integration: stationary traffic raises no drift verdict; +20% amounts raise it on amount, in /metrics and /v1/drift', async (t) => {
  const env = await integrationEnv('drift');
  t.after(() => env.cleanup());
  const { root, registry } = await tempRegistry(t);
  const version = await registerDriftModel(registry, referenceProfile(1), { promote: true });
  const next = world(2);
  const stationary = worldRecords(next, { count: 3000, startMs: START, stepMs: STEP, idPrefix: `s-${randomUUID()}`, version });
  await produce(env, [...enriched(stationary), ...scored(stationary)]);

  const svc = await startMonitor(t, env, root);
  await waitFor('3000 enriched and scored events consumed', async () =>
    (await svc.metric('drift_events_total', { stream: 'enriched' })) === 3000 && (await svc.metric('drift_events_total', { stream: 'scored' })) === 3000, 90_000);
  // Labels after their scores: the join only holds scores it has seen.
  await produce(env, labels(stationary));
  await waitFor('3000 labels joined', async () => (await svc.metric('drift_label_joins_total', { outcome: 'matched' })) === 3000, 60_000);
  await waitFor('gauges recomputed', async () => (await svc.metric('drift_realised_labelled_events', { model_version: String(version) })) === 3000, 10_000);

  let doc = await svc.drift();
  assert.equal(doc.model_name, 'fraud');
  assert.equal(doc.model_version, version);
  assert.equal(doc.windows.count.events, 2000);
  assert.equal(doc.windows.count.dataset_drifted, false);
  assert.deepEqual(doc.windows.count.drifted_features, []);
  // 3000 events 10 s apart span 8.3 hours: [0 h, 4 h) and [4 h, 8 h) closed (10 minutes of lateness).
  assert.equal(doc.windows.time.event_time_start, START + 4 * HOUR);
  assert.equal(doc.windows.time.event_time_end, START + 8 * HOUR);
  assert.equal(doc.windows.time.events, 1440);
  assert.equal(doc.windows.time.dataset_drifted, false);
  assert.equal(doc.performance.realised.labelled_events, 3000);
  assert.equal(doc.performance.estimated.events, 3000);
  assert.ok(doc.performance.realised.roc_auc > 0.7);
  const enrichedTopic = env.names.transactionsEnriched;
  const offsets = Object.values(doc.windows.count.offsets[enrichedTopic] as Record<string, number>);
  assert.deepEqual(offsets.reduce((a, b) => a + b, 0), 3000, 'one partition holds every event (one card token)');
  const v = String(version);
  assert.equal(await svc.metric('drift_dataset_drifted', { model_version: v, window: 'count' }), 0);
  assert.equal(await svc.metric('drift_dataset_drifted', { model_version: v, window: 'time' }), 0);
  assert.equal(await svc.metric('drift_feature_drifted', { feature: 'amount', model_version: v, window: 'count' }), 0);
  assert.equal(await svc.metric('drift_champion_info', { model_name: 'fraud', model_version: v }), 1);
  assert.ok((await svc.metric('drift_feature_psi', { feature: 'amount', model_version: v, window: 'count' })) < 0.02);

  // The amounts move up 20% from here on (event time continues).
  const shifted = worldRecords(next, { count: 3000, startMs: START + 3000 * STEP, stepMs: STEP, idPrefix: `d-${randomUUID()}`, version, amountFactor: 1.2 });
  await produce(env, [...enriched(shifted), ...scored(shifted)]);
  await waitFor('6000 enriched events consumed', async () => (await svc.metric('drift_events_total', { stream: 'enriched' })) === 6000, 90_000);
  await waitFor('count window verdict raised', async () => (await svc.metric('drift_dataset_drifted', { model_version: v, window: 'count' })) === 1, 10_000);

  doc = await svc.drift();
  assert.equal(doc.windows.count.dataset_drifted, true);
  assert.deepEqual(doc.windows.count.drifted_features, ['amount']);
  assert.ok(doc.windows.count.features.amount.psi >= 0.02);
  assert.ok(doc.windows.count.features.amount.p_value < 1e-6);
  assert.equal(doc.windows.count.features.velocity.drifted, false);
  assert.equal(doc.windows.count.event_time_end, START + 5999 * STEP);
  // The last closed 4-hour window, [12 h, 16 h), lies wholly after the shift (from 8.3 h).
  assert.equal(doc.windows.time.event_time_start, START + 12 * HOUR);
  assert.equal(doc.windows.time.dataset_drifted, true);
  assert.equal(await svc.metric('drift_feature_drifted', { feature: 'amount', model_version: v, window: 'count' }), 1);
  assert.equal(await svc.metric('drift_feature_drifted', { feature: 'amount', model_version: v, window: 'time' }), 1);
  assert.equal(await svc.metric('drift_dataset_drifted', { model_version: v, window: 'time' }), 1);
  assert.doesNotMatch(await svc.metrics(), /card_token|tok-drift/);
});

test('integration: a PROMOTED lifecycle event switches the monitored champion and its reference', async (t) => {
  const env = await integrationEnv('drift-lc');
  t.after(() => env.cleanup());
  const { root, registry } = await tempRegistry(t);
  const v1 = await registerDriftModel(registry, referenceProfile(1), { promote: true });
  const svc = await startMonitor(t, env, root);
  await waitFor('ready with a champion', async () => (await fetch(`${svc.url}/readyz`)).status === 200, 60_000);
  assert.equal((await svc.drift()).model_version, v1);

  const v2 = await registerDriftModel(registry, referenceProfile(5));
  await registry.promote('fraud', v2, passingGate());
  const lifecycleTopic = env.names.modelsLifecycle;
  // The lifecycle consumer starts at the latest offset: resend until it hears the event.
  await waitFor('the monitor follows v2', async () => {
    await produce(env, [{
      topic: 'modelsLifecycle',
      key: 'fraud',
      value: {
        event_id: randomUUID(), model_name: 'fraud', action: 'PROMOTED', version: v2, previous_version: v1, onnx_sha256: '0'.repeat(64),
        artifact_uri: 'test', reasons: ['test'], at: Date.now(),
      },
    }]);
    await new Promise((r) => setTimeout(r, 700));
    return (await svc.drift()).model_version === v2;
  }, 60_000, 0);
  const doc = await svc.drift();
  assert.equal(doc.previous_version, v1);
  assert.ok((await svc.metric('riskstream_messages_consumed_total', { topic: lifecycleTopic })) >= 1);
  assert.equal(await svc.metric('drift_champion_info', { model_version: String(v2), previous_version: String(v1) }), 1);
  assert.equal(await svc.metric('drift_champion_info', { model_version: String(v1) }), 0);
});

test('integration: business value per version and experiment arm, estimated at scoring and realised when labels join', async (t) => {
  const env = await integrationEnv('drift-value');
  t.after(() => env.cleanup());
  const { root, registry } = await tempRegistry(t);
  const version = await registerDriftModel(registry, referenceProfile(1), { promote: true });
  const records = worldRecords(world(3), { count: 400, startMs: START, stepMs: STEP, idPrefix: `v-${randomUUID()}`, version });
  // Half the traffic on an experiment's arm b (another version), half on no experiment.
  const arms = records.scored.map((r, i) => (i % 2 === 0 ? { ...r, experiment: 'exp1', experiment_arm: 'b', model_version: version + 1 } : r));
  await produce(env, arms.map((v) => ({ topic: 'transactionsScored', key: v.card_token, value: v })));
  const svc = await startMonitor(t, env, root);
  const armB = { model_version: String(version + 1), experiment: 'exp1', arm: 'b', currency: 'EUR' };
  const none = { model_version: String(version), experiment: '', arm: '', currency: 'EUR' };
  await waitFor('estimated value of 400 scored events', async () =>
    (await svc.metric('riskstream_value_estimated_events_total', armB)) === 200 && (await svc.metric('riskstream_value_estimated_events_total', none)) === 200, 90_000);
  await produce(env, labels(records));
  await waitFor('realised value of 400 labelled events', async () =>
    (await svc.metric('riskstream_value_realised_events_total', armB)) === 200 && (await svc.metric('riskstream_value_realised_events_total', none)) === 200, 60_000);

  const net = async (kind: string, labels: Record<string, string>) =>
    (await svc.metric(`riskstream_value_${kind}_benefit_total`, labels)) - (await svc.metric(`riskstream_value_${kind}_cost_total`, labels));
  const want = (even: boolean, value: (i: number) => number) => arms.reduce((s, _, i) => ((i % 2 === 0) === even ? s + value(i) : s), 0);
  const realised = (i: number) => DEFAULT_VALUE_MODEL.realised(arms[i]!.decision, arms[i]!.amount, records.labels[i]!.is_fraud);
  const expected = (i: number) => DEFAULT_VALUE_MODEL.expected(arms[i]!.decision, arms[i]!.amount, arms[i]!.score);
  // The /metrics text prints doubles to about 15 significant digits.
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
  close(await net('realised', armB), want(true, realised));
  close(await net('realised', none), want(false, realised));
  close(await net('estimated', armB), want(true, expected));
  close(await net('estimated', none), want(false, expected));
  assert.ok(want(true, realised) !== 0, 'the fixture has declines or reviews');
});
