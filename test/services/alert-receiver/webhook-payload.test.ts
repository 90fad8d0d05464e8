import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { labelsFingerprint, parseNotification, PAYLOAD_INVALID } from '../../../services/alert-receiver/src/webhook-payload.ts';
import { fixture } from './alert-fakes.ts';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    assert.equal(err.reason, PAYLOAD_INVALID);
    return err.issues.map((i) => `${i.path} ${i.problem}`);
  }
  assert.fail('expected a ValidationError');
}

test('Alertmanager v4 notification: envelope and every alert, nanosecond startsAt, resolved and action=none alerts kept', () => {
  const n = parseNotification('alertmanager', fixture('alertmanager-v4.json'));
  assert.equal(n.source, 'alertmanager');
  assert.equal(n.version, '4');
  assert.equal(n.receiver, 'riskstream-webhook');
  assert.equal(n.groupKey, '{}:{alertname="RiskstreamDatasetDrift"}');
  assert.equal(n.externalURL, 'http://riskstream-dev:9093');
  assert.deepEqual(n.groupLabels, { alertname: 'RiskstreamDatasetDrift' });
  assert.equal(n.orgId, null);
  assert.equal(n.alerts.length, 3);
  const [a, resolved, none] = n.alerts;
  assert.equal(a!.status, 'firing');
  assert.equal(a!.labels['action'], 'retrain');
  assert.equal(a!.labels['model_version'], '3');
  assert.equal(a!.startsAt, Date.parse('2025-06-02T09:41:03.157Z'));
  assert.equal(a!.startsAtText, '2025-06-02T09:41:03.157076042Z');
  assert.equal(a!.fingerprint, '3f1d8a3c9e2b7a41');
  assert.equal(a!.fingerprintDerived, false);
  assert.equal(a!.values, null);
  assert.equal(a!.annotations['summary'], 'Dataset drift on model 3');
  assert.equal(resolved!.status, 'resolved');
  assert.equal(resolved!.endsAtText, '2025-06-02T08:02:48.01Z');
  assert.equal(none!.labels['action'], 'none');
});

test('Grafana 12 notification: orgId, title, values and valueString; offsets in startsAt', () => {
  const n = parseNotification('grafana', fixture('grafana-12.json'));
  assert.equal(n.source, 'grafana');
  assert.equal(n.version, '1');
  assert.equal(n.orgId, 1);
  assert.match(n.title!, /^\[FIRING:1\] RiskstreamChampionWorseThanPrevious/);
  const [a] = n.alerts;
  assert.equal(a!.labels['action'], 'rollback');
  assert.equal(a!.startsAt, Date.parse('2025-06-02T08:15:00Z'));
  assert.deepEqual(a!.values, { A: -0.0612, B: -0.0612, C: 1 });
  assert.match(a!.valueString!, /var='C'/);
  assert.equal(a!.fingerprint, 'a1d0c6e83f027327');
});

test('a missing fingerprint is derived from the labels, independent of their order', () => {
  const body = fixture<{ alerts: Array<Record<string, unknown>> }>('alertmanager-v4.json');
  delete body.alerts[0]!['fingerprint'];
  const a = parseNotification('alertmanager', body).alerts[0]!;
  assert.equal(a.fingerprintDerived, true);
  assert.match(a.fingerprint, /^[0-9a-f]{16}$/);
  assert.equal(labelsFingerprint({ b: '2', a: '1' }), labelsFingerprint({ a: '1', b: '2' }));
  assert.notEqual(labelsFingerprint({ a: '1', b: '2' }), labelsFingerprint({ a: '12', b: '' }));
});

test('wrong shapes are refused with every problem by JSON path', () => {
  assert.deepEqual(issuesOf(() => parseNotification('alertmanager', [])), ['$ must be a JSON object (an Alertmanager or Grafana webhook notification)']);
  assert.deepEqual(issuesOf(() => parseNotification('alertmanager', { status: 'firing' })), ['$.alerts must be an array of alerts']);
  const issues = issuesOf(() =>
    parseNotification('grafana', {
      receiver: 7,
      commonLabels: { a: 1 },
      alerts: [
        'x',
        { status: 'pending', labels: { alertname: 'A' }, startsAt: '2025-06-02T10:00:00Z' },
        { status: 'firing', startsAt: 'June 2, 2025' },
        { status: 'firing', labels: { action: ['retrain'] }, startsAt: '2025-06-02T10:00:00Z', values: 3 },
        { status: 'firing', labels: {}, startsAt: '0001-01-01T00:00:00Z' },
        { status: 'firing', labels: {} },
      ],
    }),
  );
  assert.deepEqual(issues, [
    '$.alerts[0] must be an object',
    '$.alerts[1].status must be "firing" or "resolved"',
    '$.alerts[2].labels is required',
    '$.alerts[2].startsAt must be an RFC 3339 time after 1970',
    '$.alerts[3].labels.action must be a string',
    '$.alerts[3].values must be an object',
    '$.alerts[4].startsAt must be an RFC 3339 time after 1970',
    '$.alerts[5].startsAt is required',
    '$.receiver must be a string',
    '$.commonLabels.a must be a string',
  ]);
});

test('an empty alerts array is a valid (empty) notification', () => {
  assert.equal(parseNotification('alertmanager', { alerts: [] }).alerts.length, 0);
});
