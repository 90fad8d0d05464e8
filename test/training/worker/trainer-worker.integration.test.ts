import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Consumer, Producer } from 'kafkajs';
import { createIdempotentProducer, loadConfig, runService, sendRecords, type ModelLifecycleEvent, type RetrainRequested } from '@riskstream/shared';
import { ModelRegistry, RunStore } from '@riskstream/training';
import { JsonlOfflineStore } from '../../../training/src/data/offline-store.ts';
import { buildTrainer } from '../../../training/src/worker/app.ts';
import { trainerConfigSchema } from '../../../training/src/worker/config.ts';
import { integrationEnv, type IntegrationEnv } from '../../support/integration.ts';
import { waitFor } from '../../support/child-service.ts';
import { request, trainerWorld, WORLD_ENV } from './trainer-fixture.ts';

const DAY = 86_400_000;

async function lifecycleListener(env: IntegrationEnv): Promise<{ events: ModelLifecycleEvent[]; consumer: Consumer }> {
  const events: ModelLifecycleEvent[] = [];
  const consumer = env.kafka.consumer({ groupId: env.uniqueGroup('lifecycle-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic: env.names.modelsLifecycle, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      events.push((await env.codec.decode('modelsLifecycle', message.value)) as ModelLifecycleEvent);
    },
  });
  return { events, consumer };
}

function publisher(env: IntegrationEnv, producer: Producer) {
  return (r: RetrainRequested) => sendRecords(producer, env.codec, [{ topic: 'modelsRetrain', key: r.model_name, value: r }]);
}

function summary(events: readonly ModelLifecycleEvent[]): string[] {
  return events.map((e) => `${e.action} v${e.version}${e.previous_version !== null ? ` (from v${e.previous_version})` : ''}`);
}

test('integration: RETRAIN promotes or rejects with reasons, ROLLBACK restores the previous champion, a redelivered request does not train twice', async (t) => {
  const env = await integrationEnv('trainer');
  // One hook, closing in reverse order of opening: the topics go last, after every client left them.
  const closers: (() => Promise<void>)[] = [() => env.cleanup()];
  t.after(async () => {
    for (const close of closers.reverse()) await close();
  });
  const world = await trainerWorld(t);
  const config = loadConfig(trainerConfigSchema, {
    ...process.env,
    ...WORLD_ENV,
    TOPIC_NAMESPACE: env.namespace,
    HTTP_PORT: '0',
    LOG_LEVEL: 'error',
    TRAINER_GROUP_ID: env.uniqueGroup('trainer'),
    MODEL_REGISTRY_DIR: world.registryDir,
  });
  const service = await runService('trainer', config, (ctx) => buildTrainer(ctx, config, { openStore: () => new JsonlOfflineStore(world.storeDir) }), { installSignalHandlers: false });
  closers.push(() => service.stop());
  const { events, consumer } = await lifecycleListener(env);
  closers.push(() => consumer.disconnect());
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  closers.push(() => producer.disconnect());
  const publish = publisher(env, producer);
  const registry = await ModelRegistry.open(world.registryDir);
  const until = (n: number, what: string) => waitFor(what, () => events.length >= n, 120_000, 100);

  // 1. Drift on the weak champion v1: the retrain beats it and is promoted.
  const first = request({ event_id: 'it-retrain-1', model_version: 1, range_start: world.end - DAY, range_end: world.end });
  await publish(first);
  await until(2, 'REGISTERED and PROMOTED');
  assert.deepEqual(summary(events), ['REGISTERED v2', 'PROMOTED v2 (from v1)']);
  assert.match(events[1]!.reasons[0]!, /^AUC 0\.\d{4} vs champion v1 0\.\d{4}: delta \+0\.\d{4}, 95% CI \[.+\] clears margin 0\.002$/);
  assert.equal(events[1]!.onnx_sha256, (await registry.get('fraud', 2)).manifest.onnxSha256);
  assert.equal((await registry.aliases('fraud')).champion, 2);

  // 2. The same request again (a redelivery) trains nothing and announces nothing; 3. a retrain of the
  // new champion on the same data builds the same model, which cannot clear the margin.
  await publish(first);
  await publish(request({ event_id: 'it-retrain-2', model_version: 2, range_start: world.end - DAY, range_end: world.end }));
  await until(4, 'REGISTERED and REJECTED');
  assert.deepEqual(summary(events).slice(2), ['REGISTERED v3', 'REJECTED v3']);
  assert.match(events[3]!.reasons[0]!, /^AUC 0\.\d{4} vs champion v2 0\.\d{4}: delta [+-]0\.\d{4}, 95% CI \[.+\] does not clear margin 0\.002$/);
  assert.equal((await registry.list('fraud')).length, 3, 'the redelivered request registered no version');
  assert.equal((await registry.get('fraud', 3)).manifest.parentVersion, 2);

  // 4. A range with no data: REJECTED with the reason, naming the champion that stays.
  await publish(request({ event_id: 'it-retrain-3', model_version: 2, range_end: world.end - 200 * DAY }));
  await until(5, 'REJECTED for lack of data');
  assert.deepEqual(summary(events).slice(4), ['REJECTED v2']);
  assert.match(events[4]!.reasons[0]!, /^only 0 frauds among 0 transactions in the training range/);

  // Every retrain is a tracked run (one per request, redelivery included); the stored report names its version.
  // The run is concluded just after the announcement, so wait for the third.
  const store = await RunStore.open(world.registryDir);
  const retrainRuns = () => store.list({ filter: 'kind = retrain', sort: 'started:asc' });
  await waitFor('three retrain runs', async () => (await retrainRuns()).length === 3, 10_000);
  const runs = await retrainRuns();
  assert.deepEqual(runs.map((r) => [r.outcome?.status, r.outcome?.version ?? null]), [['promoted', 2], ['rejected', 3], ['failed', null]]);
  assert.ok(runs[0]!.metrics['ap']! > 0 && runs[0]!.metrics['champion_ap']! > 0, 'challenger and champion metrics recorded');
  assert.equal(runs[0]!.params['retrain.event_id'], 'it-retrain-1');
  assert.match(await readFile(runs[0]!.artifacts['report.html']!, 'utf8'), /Version<\/th><td class="l">2<\/td>/);

  // 5. Rollback of v2, twice (the second is a redelivery), then one more retrain request to prove
  // nothing was announced in between.
  const rollback = request({ event_id: 'it-rollback-1', action: 'ROLLBACK', model_version: 2, alert_name: 'FraudModelAucDrop' });
  await publish(rollback);
  await publish(rollback);
  await publish(request({ event_id: 'it-retrain-4', model_version: 1, range_end: world.end - 200 * DAY }));
  await until(7, 'ROLLED_BACK and the last REJECTED');
  assert.deepEqual(summary(events).slice(5), ['ROLLED_BACK v1 (from v2)', 'REJECTED v1']);
  assert.equal(events[5]!.reasons[0], 'alert FraudModelAucDrop (alertmanager, fingerprint fp-1) requested a rollback: v2 -> v1');
  assert.equal((await registry.aliases('fraud')).champion, 1);

  const metrics = await service.ctx.registry.getSingleMetric('trainer_runs_total')!.get();
  const count = (outcome: string) => metrics.values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0;
  assert.deepEqual(
    ['promoted', 'rejected', 'insufficient_data', 'rolled_back', 'duplicate'].map(count),
    [1, 1, 2, 1, 2],
  );
});
