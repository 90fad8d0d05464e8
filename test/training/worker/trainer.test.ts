/**
 * The trainer's decisions against a real registry and offline store, with lifecycle events collected
 * in memory (the Kafka path is covered by trainer-worker.integration.test.ts) and the challenger job run
 * in-process (the thread is covered by challenger-thread.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { AppError, createLogger, DependencyError, loadConfig, ModelError, type ModelLifecycleEvent } from '@riskstream/shared';
import { ModelRegistry } from '@riskstream/training';
import { JsonlOfflineStore } from '../../../training/src/data/offline-store.ts';
import { runChallengerJob } from '../../../training/src/worker/challenger-job.ts';
import type { ChallengerRunner } from '../../../training/src/worker/challenger-thread.ts';
import { checkTrainerConfig, trainerConfigSchema, trainerSettings } from '../../../training/src/worker/config.ts';
import { RunJournal } from '../../../training/src/worker/run-journal.ts';
import { Trainer, lifecycleEventId } from '../../../training/src/worker/trainer.ts';
import { trainerMetrics } from '../../../training/src/worker/trainer-metrics.ts';
import { waitFor } from '../../support/child-service.ts';
import { request, trainerWorld, WORLD_ENV, type TrainerWorld } from './trainer-fixture.ts';

const CTX = { signal: new AbortController().signal, heartbeat: async () => undefined };

interface Harness {
  readonly trainer: Trainer;
  readonly registry: ModelRegistry;
  readonly events: ModelLifecycleEvent[];
  readonly metrics: Registry;
  trainings(): number;
}

async function harness(
  world: TrainerWorld,
  o: { env?: Record<string, string>; runChallenger?: ChallengerRunner; announce?: (e: readonly ModelLifecycleEvent[]) => Promise<void>; events?: ModelLifecycleEvent[] } = {},
): Promise<Harness> {
  const config = loadConfig(trainerConfigSchema, { ...WORLD_ENV, ...o.env });
  const registry = await ModelRegistry.open(world.registryDir);
  const events = o.events ?? [];
  const metrics = new Registry();
  let trainings = 0;
  const trainer = new Trainer({
    registry,
    journal: new RunJournal(world.registryDir),
    openStore: () => new JsonlOfflineStore(world.storeDir),
    announce:
      o.announce ??
      (async (e) => {
        events.push(...e);
      }),
    runChallenger: async (input, opts) => {
      trainings++;
      return (o.runChallenger ?? ((i, p) => runChallengerJob(i, p.progress)))(input, opts);
    },
    metrics: trainerMetrics(metrics),
    logger: createLogger('trainer-test', { level: 'silent' }),
    settings: trainerSettings(config),
  });
  return { trainer, registry, events, metrics, trainings: () => trainings };
}

function actions(events: readonly ModelLifecycleEvent[]): string[] {
  return events.map((e) => `${e.action} v${e.version}`);
}

async function outcomes(metrics: Registry): Promise<Record<string, number>> {
  const m = await metrics.getSingleMetric('trainer_runs_total')!.get();
  return Object.fromEntries(m.values.filter((v) => v.value > 0).map((v) => [String(v.labels['outcome']), v.value]));
}

test('a retrain that beats the champion is registered and promoted; a redelivery does nothing', async (t) => {
  const world = await trainerWorld(t);
  const h = await harness(world);
  const event = request({ event_id: 'r-1', range_end: world.end });
  await h.trainer.handle(event, CTX);
  assert.deepEqual(actions(h.events), ['REGISTERED v2', 'PROMOTED v2']);
  const promoted = h.events[1]!;
  assert.equal(promoted.previous_version, 1);
  assert.equal(promoted.event_id, lifecycleEventId('r-1', 'PROMOTED'));
  assert.match(promoted.reasons[0]!, /^AUC 0\.\d{4} vs champion v1 0\.\d{4}: delta \+0\.\d{4}, 95% CI \[[\d.-]+, [\d.-]+\] clears margin 0\.002$/);
  assert.equal(promoted.artifact_uri, 'http://127.0.0.1:8095/v1/models/fraud/2/model.onnx');
  const v2 = await h.registry.get('fraud', 'champion');
  assert.equal(v2.version, 2);
  assert.equal(v2.manifest.parentVersion, 1);
  const config = v2.manifest.trainingConfig as { retrain: { event_id: string }; source: { kind: string } };
  assert.equal(config.retrain.event_id, 'r-1');
  assert.equal(config.source.kind, 'offline-store');
  assert.ok((v2.manifest.metrics as Record<string, unknown>)['champion'], 'the champion was evaluated on the same holdout');

  await h.trainer.handle(event, CTX);
  assert.equal(h.trainings(), 1, 'the same event id never trains twice');
  assert.equal(h.events.length, 2);
  assert.deepEqual(await outcomes(h.metrics), { promoted: 1, duplicate: 1 });
});

test('a challenger that is no better is registered, then REJECTED with the numbers; the champion stays', async (t) => {
  const world = await trainerWorld(t);
  const h = await harness(world, { env: { GATE_MARGIN: '0.5' } });
  await h.trainer.handle(request({ event_id: 'r-2', range_end: world.end }), CTX);
  assert.deepEqual(actions(h.events), ['REGISTERED v2', 'REJECTED v2']);
  assert.match(h.events[1]!.reasons[0]!, /^AUC 0\.\d{4} vs champion v1 0\.\d{4}: delta [+-]0\.\d{4}, 95% CI \[.+\] does not clear margin 0\.5$/);
  assert.ok(h.events[1]!.reasons.some((r) => /below the margin 0\.5/.test(r)));
  const aliases = await h.registry.aliases('fraud');
  assert.equal(aliases.champion, 1);
  assert.equal(aliases.challenger, undefined, 'a rejected challenger does not shadow');
});

test('GATE_METRIC=value: the gate compares the business value of both models\' decisions on the holdout, in VALUE_CURRENCY', async (t) => {
  const world = await trainerWorld(t);
  const h = await harness(world, { env: { GATE_METRIC: 'value', GATE_MARGIN: '0', VALUE_CURRENCY: 'USD' } });
  await h.trainer.handle(request({ event_id: 'r-value', range_end: world.end }), CTX);
  assert.equal(h.events[0]!.action, 'REGISTERED');
  const verdict = h.events[1]!;
  assert.match(verdict.reasons[0]!, /^value -?[\d.]+ USD vs champion v1 -?[\d.]+ USD: delta [+-][\d.]+ USD, 95% CI \[-?[\d.]+ USD, -?[\d.]+ USD\] (clears|does not clear) margin 0$/);
  const v2 = await h.registry.get('fraud', 2);
  const gate = (v2.manifest.trainingConfig as { gateResult: { metric: string; currency: string; challenger: number; champion: number; delta: number } }).gateResult;
  assert.equal(gate.metric, 'value');
  assert.equal(gate.currency, 'USD');
  assert.ok(Math.abs(gate.challenger - gate.champion - gate.delta) < 1e-6);
  // A stronger model on the same frauds saves more than the weak champion.
  assert.ok(gate.challenger > 0 && gate.challenger !== gate.champion, JSON.stringify(gate));
});

test('GATE_MARGIN above 1 is refused for roc_auc and average_precision, allowed (currency) for value', () => {
  assert.throws(() => loadConfig(trainerConfigSchema, { GATE_MARGIN: '25' }, checkTrainerConfig), /GATE_MARGIN: must be <= 1 with GATE_METRIC=roc_auc/);
  const c = loadConfig(trainerConfigSchema, { GATE_METRIC: 'value', GATE_MARGIN: '25', VALUE_REVIEW_COST: '4' }, checkTrainerConfig);
  const gate = trainerSettings(c).gate;
  assert.equal(gate.margin, 25);
  assert.equal(gate.value?.reviewCost, 4);
  assert.equal(gate.value?.currency, 'EUR');
  assert.equal(trainerSettings(loadConfig(trainerConfigSchema, {})).gate.value, undefined);
});

test('too little data is a REJECTED naming the champion that stays, not a crash', async (t) => {
  const world = await trainerWorld(t);
  const h = await harness(world, { env: { TRAINER_MIN_TRAIN_FRAUDS: '100000' } });
  await h.trainer.handle(request({ event_id: 'r-3', range_end: world.end }), CTX);
  assert.deepEqual(actions(h.events), ['REJECTED v1']);
  assert.match(h.events[0]!.reasons[0]!, /^only [\d,]+ frauds among [\d,]+ transactions in the training range \[.+\) \(need 100000\)$/);
  assert.equal(h.trainings(), 0);
  assert.deepEqual(await outcomes(h.metrics), { insufficient_data: 1 });

  const empty = await harness(world);
  await empty.trainer.handle(request({ event_id: 'r-3b', range_end: world.end - 400 * 86_400_000 }), CTX);
  assert.match(empty.events[0]!.reasons[0]!, /^only 0 frauds among 0 transactions/);
});

test('a failing training is a REJECTED with the error; a retriable failure is thrown for the runner to retry', async (t) => {
  const world = await trainerWorld(t);
  const h = await harness(world, { runChallenger: async () => { throw new ModelError('fraud', 'ONNX parity 0.1 exceeds 1e-5'); } });
  await h.trainer.handle(request({ event_id: 'r-4', range_end: world.end }), CTX);
  assert.deepEqual(actions(h.events), ['REJECTED v1']);
  assert.equal(h.events[0]!.reasons[0], 'training failed (MODEL_INVALID): fraud: ONNX parity 0.1 exceeds 1e-5');

  const flaky = await harness(world, { runChallenger: async () => { throw new DependencyError('disk', 'EAGAIN'); } });
  await assert.rejects(flaky.trainer.handle(request({ event_id: 'r-4b', range_end: world.end }), CTX), (e: unknown) => e instanceof AppError && e.retriable);
  assert.equal(flaky.events.length, 0);
});

test('an interrupted run resumes from the registry without retraining (announce failed, then journal lost)', async (t) => {
  const world = await trainerWorld(t);
  let kafkaUp = false;
  const events: ModelLifecycleEvent[] = [];
  const h = await harness(world, {
    events,
    announce: async (e) => {
      if (!kafkaUp) throw new DependencyError('kafka', 'broker down');
      events.push(...e);
    },
  });
  const event = request({ event_id: 'r-5', range_end: world.end });
  await assert.rejects(h.trainer.handle(event, CTX), DependencyError);
  assert.equal((await h.registry.list('fraud')).length, 2, 'registered before the announcement failed');
  // The journal is gone too (say the registry was restored without it): the manifest still names the request.
  await rm(join(world.registryDir, '.trainer'), { recursive: true, force: true });
  kafkaUp = true;
  await h.trainer.handle(event, CTX);
  assert.equal(h.trainings(), 1);
  assert.deepEqual(actions(events), ['REGISTERED v2', 'PROMOTED v2']);
  assert.equal((await h.registry.list('fraud')).length, 2);
});

test('shadow: SHADOW_STARTED with the challenger alias, PROMOTED when the period ends, even across a restart', async (t) => {
  const world = await trainerWorld(t);
  const events: ModelLifecycleEvent[] = [];
  const first = await harness(world, { events, env: { SHADOW_PERIOD_MS: '1500' } });
  await first.trainer.handle(request({ event_id: 'r-6', range_end: world.end }), CTX);
  assert.deepEqual(actions(events), ['REGISTERED v2', 'SHADOW_STARTED v2']);
  assert.deepEqual(first.trainer.status().shadow_pending, 1);
  let aliases = await first.registry.aliases('fraud');
  assert.equal(aliases.champion, 1);
  assert.equal(aliases.challenger, 2);
  // Shutdown during the shadow period: the deadline stays in the journal.
  await first.trainer.close();

  const second = await harness(world, { events, env: { SHADOW_PERIOD_MS: '1500' } });
  t.after(() => second.trainer.close());
  assert.equal(await second.trainer.resumeShadows(), 1);
  await waitFor('PROMOTED after the shadow period', () => events.length === 3, 30_000, 50);
  assert.deepEqual(actions(events), ['REGISTERED v2', 'SHADOW_STARTED v2', 'PROMOTED v2']);
  assert.ok(events[2]!.reasons.includes('shadow period completed'));
  aliases = await second.registry.aliases('fraud');
  assert.equal(aliases.champion, 2);
  assert.equal(aliases.challenger, undefined);
  assert.equal(first.trainings() + second.trainings(), 1);
});

test('shadow: clearing the challenger alias during the period cancels the promotion, also when the deadline passed during a restart', async (t) => {
  const world = await trainerWorld(t);
  const h = await harness(world, { env: { SHADOW_PERIOD_MS: '600000' } });
  t.after(() => h.trainer.close());
  await h.trainer.handle(request({ event_id: 'r-7', range_end: world.end }), CTX);
  assert.deepEqual(actions(h.events), ['REGISTERED v2', 'SHADOW_STARTED v2']);
  await h.registry.setAlias('fraud', 'challenger', undefined, 'operator: not this one');
  // Restart with a shadow period that has already passed.
  await h.trainer.close();
  const later = await harness(world, { events: h.events, env: { SHADOW_PERIOD_MS: '1' } });
  t.after(() => later.trainer.close());
  const journal = new RunJournal(world.registryDir);
  await journal.put({ ...(await journal.get('r-7'))!, shadow_until: Date.now() });
  await later.trainer.resumeShadows();
  await waitFor('the cancelled shadow to end', () => h.events.length === 3, 30_000, 50);
  assert.equal(h.events[2]!.action, 'REJECTED');
  assert.equal(h.events[2]!.reasons[0], 'shadow cancelled: the challenger alias was cleared during the shadow period');
  assert.equal((await later.registry.aliases('fraud')).champion, 1);
});

test('rollback: to the previous champion with the request as reasons; a stale or repeated request is a no-op', async (t) => {
  const world = await trainerWorld(t);
  const h = await harness(world);
  await h.trainer.handle(request({ event_id: 'r-8', range_end: world.end }), CTX);
  assert.equal((await h.registry.aliases('fraud')).champion, 2);

  const rollback = request({ event_id: 'rb-1', action: 'ROLLBACK', model_version: 2, alert_name: 'FraudModelAucDrop' });
  await h.trainer.handle(rollback, CTX);
  const rolled = h.events.at(-1)!;
  assert.equal(rolled.action, 'ROLLED_BACK');
  assert.equal(rolled.version, 1);
  assert.equal(rolled.previous_version, 2);
  assert.equal(rolled.reasons[0], 'alert FraudModelAucDrop (alertmanager, fingerprint fp-1) requested a rollback: v2 -> v1');
  assert.ok(rolled.reasons.includes('alert summary: drift on TX_AMOUNT'));
  const aliases = await h.registry.aliases('fraud');
  assert.equal(aliases.champion, 1);
  assert.match(aliases.history.at(-1)!.reason, /\[request rb-1\]/);

  const count = h.events.length;
  await h.trainer.handle(rollback, CTX); // redelivery
  await h.trainer.handle(request({ event_id: 'rb-2', action: 'ROLLBACK', model_version: 2 }), CTX); // v2 no longer serves
  await h.trainer.handle(request({ event_id: 'r-9', model_version: 2, range_end: world.end }), CTX); // stale retrain
  assert.equal(h.events.length, count);
  assert.equal((await h.registry.aliases('fraud')).champion, 1);
  assert.deepEqual(await outcomes(h.metrics), { promoted: 1, rolled_back: 1, duplicate: 1, rollback_noop: 1, stale: 1 });
  assert.equal(h.trainings(), 1);
});
