/**
 * The closed loop end to end, every component real: ingest, features, scoring, archiver, drift monitor,
 * alert receiver and trainer as separate processes; Kafka, the schema registry, Redis, and the stack's
 * Prometheus (which scrapes those processes and evaluates the committed alert rules) and Alertmanager
 * (which posts to the receiver with its bearer token).
 *
 *   warm-up  days 0..38: history for the online feature store (drift monitor not yet running)
 *   stationary  days 39..48: the champion's own reference period and after: no drift verdict, no alert
 *   drift  days 49..: amounts +20% (simulator amount-shift): verdict -> Prometheus alert ->
 *          Alertmanager -> receiver -> exactly one RETRAIN on models.retrain.v1 -> the trainer builds a
 *          training set from the archived offline store, gates the challenger, and publishes the outcome;
 *          on PROMOTED scoring hot-swaps. Every transaction is scored exactly once throughout.
 *
 * Detection delay is reported two ways: events produced after onset until the drift monitor's verdict
 * first flips (the statistics' delay) and until the retrain event arrives (plus the alerting path:
 * scrape, `for:`, Alertmanager group_wait). The producer rate in the drift phase sets how many events the
 * alerting path's fixed seconds cost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRegistry, applyDrift, simulate, simulatedTrainingData, trainModel, transactionsInOrder } from '@riskstream/training';
import { waitFor } from '../support/child-service.ts';
import { TrafficProducer, collect, dayOf, getJson, openLoop, promQuery } from '../support/loop-harness.ts';
import { allQueries, MAY_BE_EMPTY, MAY_BE_EMPTY_DASHBOARDS } from '../grafana/dashboard-queries.ts';

const SEED = 21;
const DAYS = 60;
const ONSET_DAY = 49;
/** Transactions per second after the onset; the alerting path's fixed seconds cost this many events each. */
const DRIFT_RATE = Number(process.env['CLOSED_LOOP_DRIFT_RATE'] ?? 60);
const STATIONARY_RATE = 400;

interface DriftReport {
  model_version: number;
  windows: { count: { events: number; dataset_drifted: boolean; drifted_features: string[]; drifted_ratio: number } };
}

test('integration: closed loop - stationary traffic raises nothing; +20% amounts -> drift alert -> exactly one retrain -> gated outcome -> scoring follows, no event lost', { timeout: 15 * 60_000 }, async (t) => {
  // The warm-up is 39 days produced in one burst; ingest forwards partitions in turn, so event time
  // within a valid partition can jump back by much of that span.
  // The simulator labels every transaction at once, so no label delay; a 2-day holdout then falls on days
  // after the champion's training week, the trainer's requirement for a fair comparison.
  const loop = await openLoop('loop', {
    FEATURE_ALLOWED_LATENESS_MS: String(40 * 86_400_000),
    TRAINER_LABEL_DELAY_DAYS: '0',
    TRAINER_HOLDOUT_DAYS: '2',
  });
  t.after(() => loop.stop());
  const { env } = loop;

  // The champion, trained by the training job on this population's handbook weeks (reference: days 39-45).
  const sim = simulate({ nCustomers: 800, nTerminals: 1600, nbDays: DAYS, seed: SEED });
  const registry = await ModelRegistry.open(loop.registryDir);
  await trainModel(simulatedTrainingData({ seed: SEED, simulation: sim }), { name: 'fraud', seed: 1, registry });
  const drifted = applyDrift(sim, [{ kind: 'amount-shift', relativeChange: 0.2, from: { day: ONSET_DAY } }]);
  const all = [...transactionsInOrder(drifted)];
  const phase = (from: number, to: number) => ({ txs: all.filter((tx) => dayOf(tx, drifted.startTimeMs) >= from && dayOf(tx, drifted.startTimeMs) < to) });
  const warmUp = phase(0, 39);
  const stationary = phase(39, ONSET_DAY);
  const drift = phase(ONSET_DAY, DAYS);

  for (const s of ['ingest', 'features', 'scoring', 'archiver'] as const) loop.start(s);
  const scored = await collect(env, 'transactionsScored');
  loop.closeFirst(() => scored.stop());
  const traffic = await TrafficProducer.open(env);
  loop.closeFirst(() => traffic.close());

  await traffic.send(warmUp.txs, 0, 0);
  await traffic.flushLabels();
  await waitFor('warm-up scored', () => scored.values.length >= warmUp.txs.length, 300_000, 1000);
  t.diagnostic(`warm-up: ${warmUp.txs.length} transactions scored`);

  for (const s of ['drift-monitor', 'alert-receiver', 'trainer'] as const) loop.start(s);
  await loop.ready('drift-monitor');
  await loop.ready('alert-receiver', '/healthz');
  await loop.ready('trainer', '/healthz');
  const retrains = await collect(env, 'modelsRetrain');
  const lifecycle = await collect(env, 'modelsLifecycle');
  loop.closeFirst(() => retrains.stop());
  loop.closeFirst(() => lifecycle.stop());
  const driftUrl = loop.driftUrl();

  // Stationary: the champion's own population. No verdict may flip, no alert may fire.
  let stationaryMaxShare = 0;
  let stationaryVerdicts = 0;
  const watchStationary = setInterval(() => {
    getJson(driftUrl)
      .then((r) => {
        const w = (r as DriftReport).windows.count;
        stationaryMaxShare = Math.max(stationaryMaxShare, w.drifted_ratio ?? 0);
        if (w.dataset_drifted) stationaryVerdicts++;
      })
      .catch(() => undefined);
  }, 500);
  await traffic.send(stationary.txs, STATIONARY_RATE, 2000);
  // Long enough for a `for:` of 30 s plus scrape and evaluation to have fired had anything drifted.
  await new Promise((r) => setTimeout(r, 45_000));
  clearInterval(watchStationary);
  const stationaryReport = (await getJson(driftUrl)) as DriftReport;
  const firing = await promQuery(`ALERTS{alertstate="firing", action=~"retrain|rollback", model_version="1"}`);
  t.diagnostic(`stationary: ${stationary.txs.length} events, window ${stationaryReport.windows.count.events}, max drifted share ${stationaryMaxShare.toFixed(3)}, verdict polls true ${stationaryVerdicts}`);
  assert.ok(stationaryReport.windows.count.events > 0, 'the drift monitor saw the stationary traffic');
  assert.equal(stationaryVerdicts, 0, 'no dataset drift verdict on stationary traffic');
  assert.deepEqual(firing.map((f) => f.metric['alertname']), [], 'no retrain/rollback alert firing on stationary traffic');
  assert.equal(retrains.values.length, 0, 'no retrain event on stationary traffic');

  // Drift: +20% amounts from ONSET_DAY on.
  const onsetAt = Date.now();
  const producedAtOnset = traffic.produced;
  let verdictAfter: { events: number; seconds: number } | undefined;
  const watchDrift = setInterval(() => {
    getJson(driftUrl)
      .then((r) => {
        if (!verdictAfter && (r as DriftReport).windows.count.dataset_drifted) {
          verdictAfter = { events: traffic.produced - producedAtOnset, seconds: (Date.now() - onsetAt) / 1000 };
        }
      })
      .catch(() => undefined);
  }, 250);
  let retrainAfter: { events: number; seconds: number } | undefined;
  let outcomeSeen = 0;
  const sending = traffic.send(drift.txs, DRIFT_RATE, 2000, () => {
    if (!retrainAfter && retrains.values.length > 0) retrainAfter = { events: traffic.produced - producedAtOnset, seconds: (retrains.arrivals[0]! - onsetAt) / 1000 };
    const outcome = lifecycle.values.find((v) => v['action'] === 'PROMOTED' || v['action'] === 'REJECTED');
    if (outcome && outcomeSeen === 0) outcomeSeen = traffic.produced;
    // Keep traffic flowing through the swap, then stop 1,500 events later.
    return outcomeSeen > 0 && traffic.produced - outcomeSeen >= 1500;
  });
  await sending;
  clearInterval(watchDrift);
  await traffic.flushLabels();
  assert.ok(retrainAfter, `a retrain event arrived before the drift traffic ran out (${drift.txs.length} events)`);
  t.diagnostic(
    `detection: verdict after ${verdictAfter?.events ?? 'n/a'} events / ${verdictAfter?.seconds.toFixed(1) ?? 'n/a'} s; ` +
      `retrain event after ${retrainAfter.events} events / ${retrainAfter.seconds.toFixed(1)} s (producing ${DRIFT_RATE}/s)`,
  );
  const retrain = retrains.values[0]!;
  assert.equal(retrain['action'], 'RETRAIN');
  assert.equal(retrain['model_version'], 1);
  assert.equal(retrain['source'], 'alertmanager');
  assert.ok((retrain['drifted_features'] as string[]).length > 0, 'the evidence names the drifted features');
  const evidence = JSON.parse(retrain['evidence_json'] as string) as Record<string, unknown>;
  assert.ok(JSON.stringify(evidence).includes('TX_AMOUNT') || (retrain['drifted_features'] as string[]).some((f) => /AMOUNT/.test(f)), 'the amount features are in the evidence');

  await waitFor('the trainer outcome', () => lifecycle.values.some((v) => v['action'] === 'PROMOTED' || v['action'] === 'REJECTED'), 300_000, 1000);
  const outcome = lifecycle.values.find((v) => v['action'] === 'PROMOTED' || v['action'] === 'REJECTED')!;
  t.diagnostic(`trainer: ${outcome['action']} v${outcome['version']} (${(outcome['reasons'] as string[]).join('; ')})`);
  if (outcome['action'] === 'REJECTED') assert.ok((outcome['reasons'] as string[]).length > 0, 'a rejection says why');

  // Everything produced is scored exactly once, across the swap.
  const total = traffic.produced;
  await waitFor('every transaction scored', () => scored.values.length >= total, 180_000, 1000);
  await new Promise((r) => setTimeout(r, 3000));
  const ids = new Set(scored.values.map((v) => v['transaction_id'] as string));
  assert.equal(ids.size, total, 'no transaction lost');
  assert.equal(scored.values.length, total, 'no transaction scored twice');
  if (outcome['action'] === 'PROMOTED') {
    const versions = new Set(scored.values.map((v) => v['model_version'] as number));
    assert.ok(versions.has(outcome['version'] as number), `scoring switched to v${outcome['version']}`);
  }
  // The alert stays one retrain: the receiver dedups repeats and the cooldown holds later firings.
  assert.equal(retrains.values.length, 1, 'exactly one retrain event');

  // Every dashboard panel, variable, Grafana alert query and recording rule returns series from this
  // running, scraped pipeline (alert expressions may be empty: they only have series while firing).
  const empty: string[] = [];
  for (const q of allQueries().filter((x) => x.expectSeries)) {
    const r = await promQuery(q.expr);
    if (r.length === 0) empty.push(`${q.kind} "${q.title}" (${q.file}): ${q.expr}`);
  }
  assert.deepEqual(empty, [], `queries without series:\n${empty.join('\n')}\n\nexempt:\n${[...Object.keys(MAY_BE_EMPTY), ...Object.keys(MAY_BE_EMPTY_DASHBOARDS)].join('\n')}`);
});
