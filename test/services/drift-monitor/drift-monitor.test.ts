/**
 * The monitor's state machine without Kafka: records in, gauges and the /v1/drift document out, champion
 * switches and the performance delta. The names asserted here are the monitoring contract's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createMetricsRegistry, loadConfig } from '@riskstream/shared';
import type { Registry } from 'prom-client';
import { driftMonitorConfigSchema, driftSettings } from '../../../services/drift-monitor/src/config.ts';
import { driftMetrics } from '../../../services/drift-monitor/src/drift-metrics.ts';
import { DriftMonitor, manifestMetric } from '../../../services/drift-monitor/src/drift-monitor.ts';
import { manifest, referenceProfile, world, worldRecords } from './drift-fixtures.ts';

const HOUR = 3_600_000;
const START = Date.UTC(2025, 0, 6);

/** Every metric the monitoring contract names. */
const CONTRACT_METRICS = [
  'drift_feature_psi', 'drift_feature_js_distance', 'drift_feature_ks_statistic', 'drift_feature_chi2_statistic', 'drift_feature_p_value',
  'drift_feature_drifted', 'drift_feature_missing_ratio', 'drift_reference_missing_ratio', 'drift_features_drifted_ratio', 'drift_dataset_drifted',
  'drift_score_psi', 'drift_score_ks_statistic', 'drift_score_p_value', 'drift_window_events', 'drift_events_total',
  'drift_realised_roc_auc', 'drift_realised_average_precision', 'drift_realised_precision_at_review', 'drift_realised_calibration_error',
  'drift_realised_labelled_events', 'drift_estimated_roc_auc', 'drift_estimated_average_precision', 'drift_estimated_precision_at_review',
  'drift_estimated_events', 'drift_reference_roc_auc', 'drift_reference_average_precision', 'drift_performance_delta_vs_previous',
  'drift_champion_info', 'drift_update_duration_seconds',
];

function setup(env: Record<string, string> = {}, expectedPartitions = 1) {
  const config = loadConfig(driftMonitorConfigSchema, {
    DRIFT_COUNT_WINDOW_EVENTS: '2000', DRIFT_MIN_EVENTS: '1000', DRIFT_TIME_WINDOW_MS: String(4 * HOUR), DRIFT_MIN_PERFORMANCE_EVENTS: '500', ...env,
  });
  const registry = createMetricsRegistry('drift-monitor', { defaultMetrics: false });
  const monitor = new DriftMonitor({
    modelName: 'fraud',
    settings: driftSettings(config),
    features: 'auto',
    recomputeEveryEvents: config.recomputeEveryEvents,
    recomputeIntervalMs: config.recomputeIntervalMs,
    performanceWindow: config.performanceWindow,
    minPerformanceEvents: config.minPerformanceEvents,
    scoreBins: config.scoreBins,
    labelJoinCapacity: config.labelJoinCapacity,
    metrics: driftMetrics(registry),
    logger: createLogger('test', { level: 'silent' }),
    now: () => 0,
    expectedPartitions,
  });
  return { monitor, registry };
}

async function gauge(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number[]> {
  const m = registry.getSingleMetric(name);
  if (!m) return [];
  const { values } = await m.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want)).map((v) => v.value);
}

/** `partitionOf(i)`: the input partition of enriched record i (none: the mix is not tracked). */
function feed(monitor: DriftMonitor, records: ReturnType<typeof worldRecords>, labels = true, partitionOf?: (i: number) => number): void {
  for (let i = 0; i < records.enriched.length; i += 500) {
    const batch = records.enriched.slice(i, i + 500);
    monitor.addEnriched(batch, partitionOf ? batch.map((_, k) => partitionOf(i + k)) : undefined);
    monitor.addScored(records.scored.slice(i, i + 500));
    monitor.recomputeIfDue();
  }
  if (labels) monitor.addLabels(records.labels);
  monitor.recompute();
}

test('drift monitor: stationary traffic -> every contract metric exported, no drift, evidence in the contract shape', async () => {
  const { monitor, registry } = setup();
  const profile = referenceProfile(1);
  monitor.setChampion({ manifest: manifest(3, profile), version: 3, previousVersion: 2 });
  const next = world(2);
  // 6,000 events, one every 10 s: 16.7 hours, so three 4-hour windows close.
  feed(monitor, worldRecords(next, { count: 6000, startMs: START, stepMs: 10_000, idPrefix: 'a', version: 3 }));

  const text = await registry.metrics();
  for (const name of CONTRACT_METRICS.filter((n) => n !== 'drift_performance_delta_vs_previous' && n !== 'drift_feature_chi2_statistic')) {
    assert.match(text, new RegExp(`^${name}(_bucket|_count)?\\{`, 'm'), `${name} is exported`);
  }
  // night is categorical: chi-square, no KS; amount numeric: KS, no chi-square
  assert.deepEqual(await gauge(registry, 'drift_feature_chi2_statistic', { feature: 'amount' }), []);
  assert.equal((await gauge(registry, 'drift_feature_ks_statistic', { feature: 'night' })).length, 0);
  assert.deepEqual(await gauge(registry, 'drift_dataset_drifted', { window: 'count', model_version: '3' }), [0]);
  assert.deepEqual(await gauge(registry, 'drift_window_evaluations_total', { window: 'count', verdict: 'drifted' }), [], 'no drifted evaluation counted');
  assert.ok((await gauge(registry, 'drift_window_evaluations_total', { window: 'count', verdict: 'not_drifted' }))[0]! >= 1);
  assert.deepEqual(await gauge(registry, 'drift_dataset_drifted', { window: 'time', model_version: '3' }), [0]);
  assert.deepEqual(await gauge(registry, 'drift_window_events', { window: 'count' }), [2000]);
  assert.deepEqual(await gauge(registry, 'drift_window_events', { window: 'time' }), [1440]);
  assert.deepEqual(await gauge(registry, 'drift_champion_info', { model_name: 'fraud', model_version: '3', previous_version: '2' }), [1]);
  assert.deepEqual(await gauge(registry, 'drift_reference_roc_auc', { model_version: '3' }), [0.91]);
  assert.match(text, /drift_events_total\{stream="labels",service="drift-monitor"\} 6000/);
  assert.doesNotMatch(text, /card/);

  const e = monitor.evidence() as any;
  assert.equal(e.model_name, 'fraud');
  assert.equal(e.model_version, 3);
  assert.equal(e.previous_version, 2);
  for (const w of ['count', 'time']) {
    const win = e.windows[w];
    assert.deepEqual(Object.keys(win).sort(), ['dataset_drifted', 'drifted_features', 'drifted_ratio', 'event_time_end', 'event_time_start', 'events', 'features', 'offsets', 'representative', 'score'].sort());
    assert.equal(win.dataset_drifted, false);
    assert.deepEqual(win.drifted_features, []);
    assert.deepEqual(Object.keys(win.features), ['amount', 'velocity', 'night']);
    for (const f of Object.values(win.features) as any[]) {
      for (const k of ['psi', 'js_distance', 'ks_statistic', 'chi2_statistic', 'p_value', 'drifted', 'missing_ratio']) assert.ok(k in f, `${w}.${k}`);
    }
    assert.equal(typeof win.score.psi, 'number');
  }
  assert.equal(e.windows.count.events, 2000);
  assert.equal(e.windows.count.event_time_end, START + 5999 * 10_000);
  assert.equal(e.windows.time.event_time_start, START + 8 * HOUR);
  assert.equal(e.windows.time.event_time_end, START + 12 * HOUR);
  assert.ok(Math.abs(e.windows.count.features.velocity.missing_ratio - 0.05) < 0.02);
  assert.equal(e.performance.realised.labelled_events, 6000);
  assert.equal(e.performance.estimated.events, 6000);
  // calibrated by construction: the estimate is close to the realised AUC
  assert.ok(Math.abs(e.performance.estimated.roc_auc - e.performance.realised.roc_auc) < 0.05);
});

test('drift monitor: a +20% amount shift raises the count and time verdicts on amount only', async () => {
  const { monitor, registry } = setup();
  monitor.setChampion({ manifest: manifest(1, referenceProfile(1)), version: 1, previousVersion: null });
  const next = world(3);
  feed(monitor, worldRecords(next, { count: 3000, startMs: START, stepMs: 10_000, idPrefix: 'a', version: 1 }), false);
  assert.equal((monitor.evidence() as any).windows.count.dataset_drifted, false);
  feed(monitor, worldRecords(next, { count: 4000, startMs: START + 30_000_000, stepMs: 10_000, idPrefix: 'b', version: 1, amountFactor: 1.2 }), false);
  const e = monitor.evidence() as any;
  assert.equal(e.windows.count.dataset_drifted, true);
  assert.deepEqual(e.windows.count.drifted_features, ['amount']);
  assert.equal(e.windows.time.dataset_drifted, true);
  assert.deepEqual(await gauge(registry, 'drift_feature_drifted', { feature: 'amount', window: 'count', model_version: '1' }), [1]);
  assert.ok((await gauge(registry, 'drift_window_evaluations_total', { window: 'count', verdict: 'drifted' }))[0]! >= 1, 'drifted evaluations are counted');
  assert.deepEqual(await gauge(registry, 'drift_feature_drifted', { feature: 'velocity', window: 'count', model_version: '1' }), [0]);
  assert.deepEqual(await gauge(registry, 'drift_features_drifted_ratio', { window: 'count' }), [1 / 3]);
  assert.deepEqual(await gauge(registry, 'drift_champion_info', { previous_version: '' }), [1]);
});

test('drift monitor: a champion switch restarts the windows, drops the old series and exports the delta vs the previous champion', async () => {
  const { monitor, registry } = setup();
  const profile = referenceProfile(1);
  monitor.setChampion({ manifest: manifest(1, profile), version: 1, previousVersion: null });
  const next = world(4);
  feed(monitor, worldRecords(next, { count: 2000, startMs: START, stepMs: 10_000, idPrefix: 'a', version: 1 }));
  monitor.setChampion({ manifest: manifest(2, profile), version: 2, previousVersion: 1 });
  assert.deepEqual(await gauge(registry, 'drift_window_events', { window: 'count', model_version: '2' }), [0]);
  assert.deepEqual(await gauge(registry, 'drift_window_events', { model_version: '1' }), []);
  assert.deepEqual(await gauge(registry, 'drift_performance_delta_vs_previous'), [], 'no delta before the new champion has enough events');
  // Scores of version 1 still in flight count for version 1; unknown versions are ignored.
  const r = worldRecords(next, { count: 1000, startMs: START + 20_000_000, stepMs: 10_000, idPrefix: 'b', version: 2 });
  feed(monitor, r);
  monitor.addScored([{ ...r.scored[0]!, transaction_id: 'x', model_version: 7 }]);
  assert.equal(monitor.unknownVersionSeen, true);
  monitor.recompute();
  const deltas = await registry.getSingleMetric('drift_performance_delta_vs_previous')!.get();
  assert.deepEqual(deltas.values.map((v) => v.labels.metric).sort(), ['estimated_average_precision', 'estimated_roc_auc', 'realised_average_precision', 'realised_roc_auc']);
  assert.ok(deltas.values.every((v) => v.labels.model_version === '2' && Math.abs(v.value) < 0.2));
  assert.deepEqual(await gauge(registry, 'drift_ignored_events_total', { stream: 'scored', reason: 'other_version' }), [1]);
  // Rollback to version 1: its performance window comes back.
  monitor.setChampion({ manifest: manifest(1, profile), version: 1, previousVersion: 2 });
  assert.equal((monitor.evidence() as any).performance.estimated.events, 2000);
});

test('drift monitor: labels join their scores; unknown ids count as unmatched; no champion means nothing compared', async () => {
  const { monitor, registry } = setup();
  const next = world(5);
  const r = worldRecords(next, { count: 10, startMs: START, stepMs: 1000, idPrefix: 'a', version: 1 });
  monitor.addEnriched(r.enriched);
  assert.deepEqual(await gauge(registry, 'drift_ignored_events_total', { stream: 'enriched', reason: 'no_champion' }), [10]);
  assert.deepEqual((monitor.evidence() as any).windows, { count: null, time: null });
  monitor.setChampion({ manifest: manifest(1, referenceProfile(1)), version: 1, previousVersion: null });
  monitor.addScored(r.scored);
  monitor.addLabels([...r.labels, { ...r.labels[0]!, transaction_id: 'nope' }, r.labels[1]!]);
  assert.deepEqual(await gauge(registry, 'drift_label_joins_total', { outcome: 'matched' }), [10]);
  assert.deepEqual(await gauge(registry, 'drift_label_joins_total', { outcome: 'unmatched' }), [2]);
});

test('manifest metrics: holdout group first, headline otherwise', () => {
  assert.equal(manifestMetric({ roc_auc: 0.8, holdout: { roc_auc: 0.85 } }, 'roc_auc'), 0.85);
  assert.equal(manifestMetric({ roc_auc: 0.8 }, 'roc_auc'), 0.8);
  assert.equal(manifestMetric({ baseline: { roc_auc: 0.7 } }, 'roc_auc'), undefined);
});

test('drift monitor: a count window read partition by partition (a backlog catch-up) raises no verdict, even on a real shift (regression: 1,622 false verdicts on a stationary 1M-event catch-up)', async () => {
  const { monitor, registry } = setup({}, 6);
  monitor.setChampion({ manifest: manifest(1, referenceProfile(1)), version: 1, previousVersion: null });
  const next = world(3);
  // Interleaved partitions: a fair sample, judged as usual.
  feed(monitor, worldRecords(next, { count: 3000, startMs: START, stepMs: 10_000, idPrefix: 'a', version: 1 }), false, (i) => i % 6);
  assert.equal((monitor.evidence() as any).windows.count.representative, true);
  // A burst from one partition, shifted: statistics reported, no verdict.
  feed(monitor, worldRecords(next, { count: 4000, startMs: START + 30_000_000, stepMs: 10_000, idPrefix: 'b', version: 1, amountFactor: 1.2 }), false, () => 4);
  const e = monitor.evidence() as any;
  assert.equal(e.windows.count.representative, false);
  assert.equal(e.windows.count.dataset_drifted, false);
  assert.equal(e.windows.count.features.amount.drifted, true, 'the statistics still show the shift');
  assert.deepEqual(await gauge(registry, 'drift_dataset_drifted', { window: 'count', model_version: '1' }), [0]);
  assert.deepEqual(await gauge(registry, 'drift_features_drifted_ratio', { window: 'count', model_version: '1' }), [0]);
  assert.deepEqual(await gauge(registry, 'drift_window_representative', { window: 'count', model_version: '1' }), [0]);
  assert.ok((await gauge(registry, 'drift_window_evaluations_total', { window: 'count', verdict: 'unrepresentative' }))[0]! >= 1);
  // Interleaved again, still shifted: the verdict comes back.
  feed(monitor, worldRecords(next, { count: 3000, startMs: START + 80_000_000, stepMs: 10_000, idPrefix: 'c', version: 1, amountFactor: 1.2 }), false, (i) => i % 6);
  assert.equal((monitor.evidence() as any).windows.count.dataset_drifted, true);
});
