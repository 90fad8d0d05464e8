import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createMetricsRegistry, DependencyError, AppError, type RetrainRequested } from '@riskstream/shared';
import { AlertGate } from '../../../services/alert-receiver/src/alert-gate.ts';
import { createAlertIntake } from '../../../services/alert-receiver/src/alert-intake.ts';
import { alertReceiverMetrics } from '../../../services/alert-receiver/src/alert-receiver-metrics.ts';
import { parseDriftReport, type DriftReport, type EvidenceResult } from '../../../services/alert-receiver/src/drift-evidence.ts';
import { parseNotification, type AlertNotification } from '../../../services/alert-receiver/src/webhook-payload.ts';
import { FakeClock, fixture, MemoryMarkerStore } from './alert-fakes.ts';

const MIN = 60_000;

interface Harness {
  clock: FakeClock;
  store: MemoryMarkerStore;
  published: RetrainRequested[];
  evidenceCalls: number;
  /** Makes the next publishes fail (or never finish) like an unavailable Kafka. */
  publishFailures: Array<'error' | 'hang' | 'fatal'>;
  evidence: EvidenceResult | null;
  intake: ReturnType<typeof createAlertIntake>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

function harness(options: { cooldownMs?: number } = {}): Harness {
  const clock = new FakeClock();
  const store = new MemoryMarkerStore(clock);
  const registry = createMetricsRegistry('alert-receiver', { defaultMetrics: false });
  const report = parseDriftReport(fixture('drift-report.json')) as DriftReport;
  const h: Harness = {
    clock,
    store,
    published: [],
    evidenceCalls: 0,
    publishFailures: [],
    evidence: { ok: true, report, url: 'http://dm/v1/drift', fetchedAt: clock.ms },
    intake: undefined as never,
    async metric(name, labels = {}) {
      const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
      return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);
    },
  };
  h.intake = createAlertIntake({
    gate: new AlertGate({ store, keyPrefix: 'test:', dedupTtlMs: 7 * 24 * 60 * MIN, cooldownMs: options.cooldownMs ?? 30 * MIN, claimTtlMs: MIN }),
    evidence: async () => {
      h.evidenceCalls++;
      return h.evidence ?? { ok: false, error: 'GET /v1/drift failed: no answer within 2000 ms', url: 'http://dm/v1/drift', fetchedAt: clock.ms };
    },
    publish: async (r) => {
      const f = h.publishFailures.shift();
      if (f === 'error') throw new DependencyError('kafka', 'produce failed: connection refused');
      if (f === 'fatal') throw new AppError('VALIDATION_FAILED', 'value does not match schema');
      if (f === 'hang') return new Promise<void>(() => {});
      h.published.push(r);
    },
    publishTimeoutMs: 30,
    defaultModelName: 'fraud',
    fallbackRangeMs: 60 * MIN,
    now: clock.now,
    metrics: alertReceiverMetrics(registry),
    logger: createLogger('test', { level: 'silent' }),
  });
  return h;
}

function am(): AlertNotification {
  return parseNotification('alertmanager', fixture('alertmanager-v4.json'));
}

/** A firing retrain alert: `fp` identifies it, `startsAt` its occurrence. */
function retrainAlert(fp: string, startsAt: number, labels: Record<string, string> = {}): AlertNotification {
  const n = am();
  return { ...n, alerts: [{ ...n.alerts[0]!, fingerprint: fp, startsAt, startsAtText: new Date(startsAt).toISOString(), labels: { ...n.alerts[0]!.labels, ...labels } }] };
}

test('a notification: the retrain alert is published, the resolved and action=none ones acknowledged and counted', async () => {
  const h = harness();
  const { results, failure } = await h.intake.process(am());
  assert.equal(failure, undefined);
  assert.deepEqual(results.map((r) => r.outcome), ['published', 'resolved', 'ignored']);
  assert.equal(h.published.length, 1);
  assert.equal(results[0]!.event_id, h.published[0]!.event_id);
  assert.equal(h.published[0]!.action, 'RETRAIN');
  assert.equal(h.evidenceCalls, 1);
  assert.equal(await h.metric('alert_receiver_published_total', { action: 'RETRAIN' }), 1);
  assert.equal(await h.metric('alert_receiver_alerts_total', { source: 'alertmanager', outcome: 'resolved' }), 1);
  assert.equal(await h.metric('alert_receiver_alerts_total', { source: 'alertmanager', outcome: 'ignored' }), 1);
  assert.equal(await h.metric('alert_receiver_evidence_fetches_total', { outcome: 'ok' }), 1);
});

test('nothing to publish: the drift monitor is not asked', async () => {
  const h = harness();
  const n = am();
  await h.intake.process({ ...n, alerts: n.alerts.slice(1) });
  assert.equal(h.evidenceCalls, 0);
  assert.equal(h.published.length, 0);
});

test('a replay (Alertmanager repeat_interval, HA twin) is a duplicate for a week, whatever the cooldown', async () => {
  const h = harness({ cooldownMs: 0 });
  const first = await h.intake.process(am());
  h.clock.advance(4 * 60 * MIN);
  const replay = await h.intake.process(am());
  assert.equal(replay.results[0]!.outcome, 'duplicate');
  assert.equal(replay.results[0]!.event_id, first.results[0]!.event_id);
  assert.equal(h.published.length, 1);
});

test('a second distinct alert for the same model and action inside the cooldown is acknowledged, not published; after it, it is', async () => {
  const h = harness();
  const t0 = h.clock.ms;
  await h.intake.process(retrainAlert('aaaa', t0));
  const second = await h.intake.process(retrainAlert('bbbb', t0 + 1000, { alertname: 'RiskstreamFeatureDrift', feature: 'TX_AMOUNT' }));
  assert.equal(second.results[0]!.outcome, 'cooldown');
  assert.equal(second.results[0]!.event_id, h.published[0]!.event_id, 'names the request that started the cooldown');
  assert.equal(h.published.length, 1);
  const rollback = await h.intake.process(retrainAlert('cccc', t0, { action: 'rollback' }));
  assert.equal(rollback.results[0]!.outcome, 'published', 'ROLLBACK cools down separately from RETRAIN');
  h.clock.advance(30 * MIN);
  // Alertmanager re-sends the still-firing second alert: its dedup claim was given back, so it publishes now.
  const later = await h.intake.process(retrainAlert('bbbb', t0 + 1000, { alertname: 'RiskstreamFeatureDrift', feature: 'TX_AMOUNT' }));
  assert.equal(later.results[0]!.outcome, 'published');
  assert.equal(h.published.length, 3);
});

test('a flapping alert (new startsAt every 5 minutes for 2 hours) publishes once per 30-minute cooldown', async () => {
  const h = harness();
  for (let i = 0; i < 24; i++) {
    await h.intake.process(retrainAlert('flappy', h.clock.ms));
    h.clock.advance(5 * MIN);
  }
  assert.equal(h.published.length, 4);
  assert.equal(await h.metric('alert_receiver_alerts_total', { outcome: 'cooldown' }), 20);
});

test('Kafka unavailable: failure is retriable, the markers are released, and the sender retry publishes exactly once', async () => {
  const h = harness();
  h.publishFailures.push('error');
  const failed = await h.intake.process(am());
  assert.equal(failed.failure?.code, 'DEPENDENCY_UNAVAILABLE');
  assert.equal(failed.failure?.retriable, true);
  assert.equal(failed.results[0]!.outcome, 'failed');
  assert.equal(h.store.entries.size, 0, 'no dedup or cooldown marker survives a failed publish');
  const retry = await h.intake.process(am());
  assert.equal(retry.failure, undefined);
  assert.equal(retry.results[0]!.outcome, 'published');
  const again = await h.intake.process(am());
  assert.equal(again.results[0]!.outcome, 'duplicate');
  assert.equal(h.published.length, 1);
});

test('a publish without acknowledgement in time fails like an unavailable Kafka; later alerts of the notification are not attempted', async () => {
  const h = harness();
  h.publishFailures.push('hang');
  const n = am();
  const two = { ...n, alerts: [n.alerts[0]!, { ...n.alerts[0]!, fingerprint: 'other', labels: { ...n.alerts[0]!.labels, model_name: 'other' } }] };
  const r = await h.intake.process(two);
  assert.equal(r.failure?.code, 'DEPENDENCY_UNAVAILABLE');
  assert.match(r.failure!.message, /no acknowledgement within 30 ms/);
  assert.deepEqual(r.results.map((x) => x.outcome), ['failed', 'failed']);
  assert.equal(h.store.entries.size, 0);
  assert.equal(h.published.length, 0);
});

test('a non-retriable publish error is reported as such (the endpoint answers 500) and releases the markers', async () => {
  const h = harness();
  h.publishFailures.push('fatal');
  const r = await h.intake.process(am());
  assert.equal(r.failure?.retriable, false);
  assert.equal(h.store.entries.size, 0);
});

test('Redis unavailable: nothing is published and the failure is retriable', async () => {
  const h = harness();
  h.store.failNext = 1;
  const r = await h.intake.process(am());
  assert.equal(r.failure?.retriable, true);
  assert.equal(h.published.length, 0);
});

test('another request publishing the same alert right now -> in_progress (the endpoint asks for a retry)', async () => {
  const h = harness();
  const n = am();
  const gate = new AlertGate({ store: h.store, keyPrefix: 'test:', dedupTtlMs: MIN, cooldownMs: MIN, claimTtlMs: MIN });
  await gate.claimAlert(n.alerts[0]!.fingerprint, n.alerts[0]!.startsAt);
  const r = await h.intake.process(n);
  assert.equal(r.results[0]!.outcome, 'in_progress');
  assert.equal(h.published.length, 0);
});

test('drift monitor down: published anyway, with the alert evidence and the failure in evidence_json', async () => {
  const h = harness();
  h.evidence = null;
  const r = await h.intake.process(am());
  assert.equal(r.results[0]!.outcome, 'published');
  const ev = JSON.parse(h.published[0]!.evidence_json);
  assert.equal(ev.drift_monitor.status, 'unavailable');
  assert.match(ev.drift_monitor.error, /no answer within 2000 ms/);
  assert.equal(await h.metric('alert_receiver_evidence_fetches_total', { outcome: 'failed' }), 1);
});
