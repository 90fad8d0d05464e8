import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { readSchemaFile } from '@riskstream/shared';
import { parseDriftReport, type DriftReport, type EvidenceResult } from '../../../services/alert-receiver/src/drift-evidence.ts';
import { actionOf, buildRetrainRequest, retrainEventId } from '../../../services/alert-receiver/src/retrain-request.ts';
import { parseNotification, type AlertNotification, type ReceivedAlert } from '../../../services/alert-receiver/src/webhook-payload.ts';
import { fixture } from './alert-fakes.ts';

const schema = avro.Type.forSchema(JSON.parse(readSchemaFile('retrain-requested')) as avro.Schema);
const NOW = Date.parse('2025-06-02T10:00:00Z');
const report = parseDriftReport(fixture('drift-report.json')) as DriftReport;
const ok: EvidenceResult = { ok: true, report, url: 'http://dm/v1/drift', fetchedAt: NOW };
const down: EvidenceResult = { ok: false, error: 'GET /v1/drift failed: connect ECONNREFUSED', url: 'http://dm/v1/drift', fetchedAt: NOW };

function am(): AlertNotification {
  return parseNotification('alertmanager', fixture('alertmanager-v4.json'));
}

function withLabels(a: ReceivedAlert, labels: Record<string, string>): ReceivedAlert {
  return { ...a, labels: { ...a.labels, ...labels } };
}

function build(notification: AlertNotification, alert: ReceivedAlert, evidence: EvidenceResult) {
  return buildRetrainRequest({ notification, alert, action: actionOf(alert)!, evidence, defaultModelName: 'fraud', fallbackRangeMs: 3_600_000, now: NOW });
}

test('action label: retrain -> RETRAIN, rollback -> ROLLBACK (any case), none/absent/other -> not published', () => {
  const a = am().alerts[0]!;
  assert.equal(actionOf(a), 'RETRAIN');
  assert.equal(actionOf(withLabels(a, { action: ' Rollback ' })), 'ROLLBACK');
  assert.equal(actionOf(withLabels(a, { action: 'none' })), null);
  assert.equal(actionOf(withLabels(a, { action: 'retrain-later' })), null);
  const { action: _, ...rest } = a.labels;
  assert.equal(actionOf({ ...a, labels: rest }), null);
});

test('with drift-monitor evidence: the alert window range, drifted features, offsets and statistics; valid Avro', () => {
  const n = am();
  const r = build(n, n.alerts[0]!, ok);
  assert.ok(schema.isValid(r), 'matches schemas/retrain-requested.avsc');
  assert.equal(r.model_name, 'fraud');
  assert.equal(r.model_version, 3);
  assert.equal(r.alert_name, 'RiskstreamDatasetDrift');
  assert.equal(r.action, 'RETRAIN');
  assert.equal(r.source, 'alertmanager');
  assert.equal(r.fingerprint, '3f1d8a3c9e2b7a41');
  assert.equal(r.starts_at, Date.parse('2025-06-02T09:41:03.157Z'));
  assert.equal(r.range_start, 1748850000000, 'label window=count selects the count window');
  assert.equal(r.range_end, 1748857200000);
  assert.deepEqual(r.drifted_features, ['CUSTOMER_ID_NB_TX_1DAY_WINDOW', 'TX_AMOUNT']);
  assert.equal(r.created_at, NOW);
  const ev = JSON.parse(r.evidence_json);
  assert.equal(ev.alert.fingerprint, '3f1d8a3c9e2b7a41');
  assert.equal(ev.alert.starts_at, '2025-06-02T09:41:03.157076042Z');
  assert.equal(ev.alert.annotations.summary, 'Dataset drift on model 3');
  assert.equal(ev.model.version_source, 'alert_label');
  assert.deepEqual(ev.range, { start: 1748850000000, end: 1748857200000, source: 'drift_monitor', window: 'count', offsets: { 'transactions.scored.v1': { 0: 120345, 1: 119876, 2: 121002 } } });
  assert.equal(ev.drift_monitor.status, 'ok');
  assert.equal(ev.drift_monitor.report.windows.count.features.TX_AMOUNT.psi, 0.41);
  assert.equal(ev.drift_monitor.report.performance.estimated.roc_auc, 0.861);

  const time = build(n, withLabels(n.alerts[0]!, { window: 'time' }), ok);
  assert.equal(time.range_start, 1748853600000, 'label window=time selects the time window');
  assert.deepEqual(time.drifted_features, ['TX_AMOUNT']);
});

test('the alert wins over the monitor for model and version; the monitor fills what the alert lacks', () => {
  const n = am();
  const a = n.alerts[0]!;
  const newer = build(n, withLabels(a, { model_version: '7', model_name: 'fraud-eu' }), ok);
  assert.equal(newer.model_version, 7);
  assert.equal(newer.model_name, 'fraud-eu');
  assert.equal(JSON.parse(newer.evidence_json).model.drift_monitor_version, 3, 'a disagreement is recorded');
  const { model_version: _, ...noVersion } = a.labels;
  const fromMonitor = build(n, { ...a, labels: noVersion }, ok);
  assert.equal(fromMonitor.model_version, 3);
  assert.equal(JSON.parse(fromMonitor.evidence_json).model.version_source, 'drift_monitor');
  const unknown = build(n, { ...a, labels: noVersion }, down);
  assert.equal(unknown.model_version, 0);
  assert.equal(JSON.parse(unknown.evidence_json).model.version_source, 'unknown');
  assert.equal(build(n, withLabels(a, { model_version: '99999999999' }), down).model_version, 0, 'not an Avro int');
});

test('without the drift monitor: published with the alert evidence, a fallback range and the failure noted', () => {
  const g = parseNotification('grafana', fixture('grafana-12.json'));
  const r = build(g, withLabels(g.alerts[0]!, { feature: 'TX_AMOUNT' }), down);
  assert.ok(schema.isValid(r));
  assert.equal(r.action, 'ROLLBACK');
  assert.equal(r.source, 'grafana');
  assert.equal(r.model_version, 4);
  assert.equal(r.range_start, Date.parse('2025-06-02T08:15:00Z') - 3_600_000);
  assert.equal(r.range_end, NOW);
  assert.deepEqual(r.drifted_features, ['TX_AMOUNT'], 'from the alert label feature');
  const ev = JSON.parse(r.evidence_json);
  assert.deepEqual(ev.drift_monitor, { status: 'unavailable', url: 'http://dm/v1/drift', fetched_at: NOW, error: 'GET /v1/drift failed: connect ECONNREFUSED' });
  assert.equal(ev.range.source, 'fallback');
  assert.deepEqual(ev.alert.values, { A: -0.0612, B: -0.0612, C: 1 });
  assert.equal(ev.alert.org_id, 1);
});

test('event ids are UUID-shaped and the same for the same occurrence and action only', () => {
  const id = retrainEventId('fp', 1000, 'RETRAIN');
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(retrainEventId('fp', 1000, 'RETRAIN'), id);
  assert.notEqual(retrainEventId('fp', 1001, 'RETRAIN'), id);
  assert.notEqual(retrainEventId('fp', 1000, 'ROLLBACK'), id);
});
