import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integrationEnv } from '../../support/integration.ts';
import { waitFor } from '../../support/child-service.ts';
import { fixture, fixtureText } from './alert-fakes.ts';
import { AM_TOKEN, fakeDriftMonitor, freePort, redisEntries, retrainRecords, startReceiver } from './alert-receiver-support.ts';

const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** The Alertmanager fixture with its retrain alert given another identity (fingerprint, startsAt, labels). */
function alertmanagerVariant(fingerprint: string, startsAt: string, labels: Record<string, string> = {}): string {
  const n = fixture<{ alerts: Array<{ fingerprint: string; startsAt: string; labels: Record<string, string> }> }>('alertmanager-v4.json');
  const a = n.alerts[0]!;
  return JSON.stringify({ ...n, alerts: [{ ...a, fingerprint, startsAt, labels: { ...a.labels, ...labels } }] });
}

test('integration: a signed Grafana and a bearer Alertmanager notification each publish exactly one RetrainRequested with the drift evidence; replays, bad signatures and alerts inside the cooldown publish nothing', async (t) => {
  const env = await integrationEnv('alert-receiver');
  t.after(() => env.cleanup());
  const drift = await fakeDriftMonitor(t, fixture('drift-report.json'));
  const receiver = await startReceiver(t, env, { DRIFT_MONITOR_URL: drift.url, ALERT_RECEIVER_COOLDOWN_SECONDS: '1800' });
  const grafanaBody = fixtureText('grafana-12.json');
  const amBody = fixtureText('alertmanager-v4.json');

  const g = await receiver.postGrafana(grafanaBody);
  assert.equal(g.status, 202, JSON.stringify(g.body));
  const a = await receiver.postAlertmanager(amBody);
  assert.equal(a.status, 202, JSON.stringify(a.body));
  assert.deepEqual((a.body['results'] as Array<{ outcome: string }>).map((r) => r.outcome), ['published', 'resolved', 'ignored']);

  // Replays of both: acknowledged, nothing published.
  const gReplay = await receiver.postGrafana(grafanaBody);
  assert.equal(gReplay.status, 200);
  assert.equal((gReplay.body['results'] as Array<{ outcome: string }>)[0]!.outcome, 'duplicate');
  const aReplay = await receiver.postAlertmanager(amBody);
  assert.equal(aReplay.status, 200);
  // A forged Grafana body (signed with another secret) and a wrong token: 401, nothing published.
  const forged = await receiver.postGrafana(grafanaBody.replace('"fingerprint": "a1d0c6e83f027327"', '"fingerprint": "f0f0f0f0f0f0f0f0"'), 'attacker-secret-0123456789abcdef');
  assert.equal(forged.status, 401);
  assert.equal(forged.body['error'], 'UNAUTHORIZED');
  assert.equal((await receiver.postAlertmanager(amBody, 'attacker-token-0123456789abcdef')).status, 401);
  // A distinct alert for the same model and action inside the cooldown: acknowledged, not published.
  const second = await receiver.postAlertmanager(alertmanagerVariant('5e5e5e5e5e5e5e5e', new Date().toISOString(), { alertname: 'RiskstreamFeatureDrift', feature: 'TX_AMOUNT' }));
  assert.equal(second.status, 200);
  assert.equal((second.body['results'] as Array<{ outcome: string }>)[0]!.outcome, 'cooldown');

  const records = await retrainRecords(env);
  assert.equal(records.length, 2, 'exactly one record per authenticated, new alert');
  const rollback = records.find((r) => r.value.source === 'grafana')!;
  const retrain = records.find((r) => r.value.source === 'alertmanager')!;
  assert.equal(rollback.value.action, 'ROLLBACK');
  assert.equal(rollback.value.model_version, 4);
  assert.equal(rollback.value.fingerprint, 'a1d0c6e83f027327');
  assert.equal(rollback.value.alert_name, 'RiskstreamChampionWorseThanPrevious');
  assert.equal(rollback.key, 'fraud', 'keyed by model name');
  assert.equal(retrain.value.action, 'RETRAIN');
  assert.equal(retrain.value.model_name, 'fraud');
  assert.equal(retrain.value.model_version, 3);
  assert.equal(retrain.value.starts_at, Date.parse('2025-06-02T09:41:03.157Z'));
  assert.equal(retrain.value.range_start, 1748850000000);
  assert.equal(retrain.value.range_end, 1748857200000);
  assert.deepEqual(retrain.value.drifted_features, ['CUSTOMER_ID_NB_TX_1DAY_WINDOW', 'TX_AMOUNT']);
  assert.equal(retrain.value.event_id, (a.body['results'] as Array<{ event_id: string }>)[0]!.event_id);
  const ev = JSON.parse(retrain.value.evidence_json);
  assert.equal(ev.drift_monitor.status, 'ok');
  assert.equal(ev.drift_monitor.url, `${drift.url}/v1/drift`);
  assert.equal(ev.drift_monitor.report.windows.count.features.TX_AMOUNT.psi, 0.41);
  assert.deepEqual(ev.range.offsets, { 'transactions.scored.v1': { 0: 120345, 1: 119876, 2: 121002 } });
  assert.equal(ev.alert.labels.alertname, 'RiskstreamDatasetDrift');
  assert.equal(JSON.parse(rollback.value.evidence_json).alert.values.A, -0.0612);
  assert.equal(drift.calls(), 3, 'asked once per notification with something to publish (two published, one cooled down)');

  // Markers: two alerts remembered as published, one cooldown per action; the cooled-down alert is not remembered.
  const prefix = receiver.config.redisKeyPrefix + env.namespace;
  const markers = [...(await redisEntries(prefix))].map(([k, v]) => [k.slice(prefix.length), v] as const);
  const dedup = markers.filter(([k]) => k.startsWith('dedup:'));
  assert.equal(dedup.length, 2);
  assert.ok(dedup.every(([, v]) => /^done:[0-9a-f-]{36}$/.test(v ?? '')));
  assert.deepEqual(markers.filter(([k]) => k.startsWith('cooldown:')).map(([k]) => k).sort(), ['cooldown:fraud:RETRAIN', 'cooldown:fraud:ROLLBACK']);
  assert.equal(markers.length, 4);

  assert.equal(await receiver.metric('alert_receiver_published_total'), 2);
  assert.equal(await receiver.metric('alert_receiver_requests_total', { source: 'grafana', outcome: 'unauthorized' }), 1);
  assert.equal(await receiver.metric('alert_receiver_requests_total', { source: 'alertmanager', outcome: 'acknowledged' }), 2);
  assert.equal(await receiver.metric('alert_receiver_authenticated_total', { source: 'alertmanager', key: 'cur' }), 3);
  assert.equal(await receiver.metric('riskstream_messages_produced_total', { topic: env.names.modelsRetrain }), 2);
});

test('integration: with the drift monitor down the request is still published, the failure noted in evidence_json', async (t) => {
  const env = await integrationEnv('alert-receiver-nodrift');
  t.after(() => env.cleanup());
  const receiver = await startReceiver(t, env, { DRIFT_MONITOR_URL: `http://127.0.0.1:${await freePort()}`, ALERT_RECEIVER_DRIFT_TIMEOUT_MS: '500' });
  const res = await receiver.postAlertmanager(fixtureText('alertmanager-v4.json'));
  assert.equal(res.status, 202);
  const [record] = await retrainRecords(env);
  const ev = JSON.parse(record!.value.evidence_json);
  assert.equal(ev.drift_monitor.status, 'unavailable');
  assert.match(ev.drift_monitor.error, /^GET \/v1\/drift failed/);
  assert.equal(ev.range.source, 'fallback');
  assert.equal(record!.value.model_version, 3, 'from the alert label');
  assert.equal(await receiver.metric('alert_receiver_evidence_fetches_total', { outcome: 'failed' }), 1);
});

test('integration: real Alertmanager posts a firing retrain alert with its bearer token -> one RetrainRequested; action=none is acknowledged', async (t) => {
  const env = await integrationEnv('alert-receiver-am');
  t.after(() => env.cleanup());
  const drift = await fakeDriftMonitor(t, fixture('drift-report.json'));
  const receiver = await startReceiver(t, env, { DRIFT_MONITOR_URL: drift.url });

  const dir = mkdtempSync(join(tmpdir(), 'riskstream-am-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: riskstream',
      "  group_by: ['alertname']",
      '  group_wait: 1s',
      '  group_interval: 5s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: riskstream',
      '    webhook_configs:',
      `      - url: '${receiver.url}/alerts/alertmanager'`,
      '        send_resolved: true',
      '        http_config:',
      '          authorization:',
      '            type: Bearer',
      `            credentials: '${AM_TOKEN}'`,
      '',
    ].join('\n'),
  );
  const am = spawn(
    ALERTMANAGER_BIN,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let amLog = '';
  am.stdout!.on('data', (d: Buffer) => (amLog += d.toString()));
  am.stderr!.on('data', (d: Buffer) => (amLog += d.toString()));
  t.after(() => {
    am.kill('SIGTERM');
  });
  const amUrl = `http://127.0.0.1:${port}`;
  await waitFor('alertmanager ready', async () => (await fetch(`${amUrl}/-/ready`).catch(() => undefined))?.ok === true, 30000);

  const startsAt = new Date().toISOString();
  const alerts = [
    {
      labels: { alertname: 'RiskstreamDatasetDrift', action: 'retrain', severity: 'warning', model_version: '3', window: 'count' },
      annotations: { summary: 'Dataset drift on model 3', description: 'test', runbook_url: 'https://example.invalid/runbook' },
      startsAt,
      generatorURL: 'http://127.0.0.1:9090/graph',
    },
    {
      labels: { alertname: 'RiskstreamDatasetDrift', action: 'none', severity: 'info', model_version: '3', window: 'time' },
      annotations: { summary: 'informational' },
      startsAt,
    },
  ];
  const pushed = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
  assert.equal(pushed.status, 200, await pushed.text());

  await waitFor('the receiver published', async () => (await receiver.metric('alert_receiver_published_total')) >= 1, 60000).catch((err: Error) => {
    throw new Error(`${err.message}\nalertmanager log:\n${amLog}`);
  });
  const amAlerts = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as Array<{ fingerprint: string; labels: Record<string, string> }>;
  const retrainFingerprint = amAlerts.find((x) => x.labels['action'] === 'retrain')!.fingerprint;

  const records = await retrainRecords(env);
  assert.equal(records.length, 1);
  const r = records[0]!.value;
  assert.equal(r.source, 'alertmanager');
  assert.equal(r.action, 'RETRAIN');
  assert.equal(r.fingerprint, retrainFingerprint, "Alertmanager's own fingerprint");
  assert.equal(r.starts_at, Date.parse(startsAt));
  assert.equal(r.model_version, 3);
  assert.equal(JSON.parse(r.evidence_json).alert.notification_version, '4');
  assert.equal(await receiver.metric('alert_receiver_authenticated_total', { source: 'alertmanager', key: 'cur' }), 1);
  assert.equal(await receiver.metric('alert_receiver_alerts_total', { source: 'alertmanager', outcome: 'ignored' }), 1);
  assert.equal(await receiver.metric('alert_receiver_auth_failures_total'), 0);
});
