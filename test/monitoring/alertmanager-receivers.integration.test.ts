import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { peopleReceivers, RECEIVER_SECRET_FILES } from '../../cli/src/stack/alert-receivers.ts';
import { NOTIFICATIONS_TEMPLATE } from '../../cli/src/stack/alertmanager-routing.ts';
import { ASSETS_DIR } from '../../cli/src/stack/components.ts';
import { renderAlertmanagerConfig, renderNotificationTemplate } from '../../cli/src/stack/prometheus.ts';
import { loadStackConfig } from '../../cli/src/stack/stack-config.ts';
import { waitFor } from '../support/child-service.ts';
import { startHttpSink, type HttpSink } from '../support/http-sink.ts';
import { hasAlertmanager, startPrivateAlertmanager, type PostedAlert, type PrivateAlertmanager } from '../support/private-alertmanager.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

/**
 * The real Debian Alertmanager, rendered config and message templates as `stack up` writes them, every
 * receiver enabled and pointed at local fakes: an HTTP sink standing in for Slack, PagerDuty's Events API
 * v2 and a generic webhook, and a real SMTP server (npm smtp-server) as the smarthost. Alerts are posted
 * to its API as Prometheus would; the assertions are on what arrived where.
 */

const SECRETS = {
  routingKey: 'R0UT1NGKEYpagerduty000000000001',
  emailPassword: 'smtp-pa55word-never-in-yaml',
  webhookToken: 'generic-webhook-bearer-token-42',
  receiverToken: 'riskstream-receiver-token',
};
const SLACK_PATH = '/slack/services/T000/B000/XXXXSECRET';
const RUNBOOK_BASE = 'https://git.example.com/riskstream/blob/main';
const DRIFTED = 'TX_AMOUNT (PSI 0.41), CUSTOMER_ID_NB_TX_1DAY_WINDOW (PSI 0.27)';

function alert(name: string, severity: string, action: string, extra: Record<string, string>, annotations: Record<string, string>): PostedAlert {
  return {
    labels: { alertname: name, severity, action, ...extra },
    annotations: { runbook_url: `monitoring/RUNBOOK.md#${name.toLowerCase()}`, ...annotations },
    startsAt: new Date().toISOString(),
  };
}

const critical = alert('RealisedPerformanceDrop', 'critical', 'retrain', { model_version: '3' }, {
  summary: 'Model version 3 performs worse on labelled traffic than on its holdout',
  description: 'Realised ROC AUC or average precision of model version 3 is 0.081 below its holdout reference',
  drifted_features: DRIFTED,
});
const warning = alert('FeatureDriftShareHigh', 'warning', 'retrain', { model_version: '3' }, {
  summary: 'Many features of model version 3 have drifted',
  description: '50% of the features of model version 3 are flagged drifted',
  drifted_features: DRIFTED,
});
const info = alert('FeaturePsiHigh', 'info', 'none', { model_version: '3', feature: 'TX_AMOUNT' }, {
  summary: 'Feature TX_AMOUNT shifted (PSI 0.410)',
  description: 'PSI of TX_AMOUNT against the training reference is 0.410',
});

interface Fixture {
  sink: HttpSink;
  smtp: SmtpSink;
  am: PrivateAlertmanager;
  config: string;
}

async function setUp(overrides: Record<string, string | undefined> = {}): Promise<Fixture> {
  const sink = await startHttpSink();
  const smtp = await startSmtpSink();
  const stack = loadStackConfig({
    ALERT_WEBHOOK_URL: `${sink.url}/riskstream`,
    ALERT_SLACK_WEBHOOK_URL: `${sink.url}${SLACK_PATH}`,
    ALERT_SLACK_CHANNEL: '#fraud-alerts',
    ALERT_PAGERDUTY_ROUTING_KEY: SECRETS.routingKey,
    ALERT_PAGERDUTY_URL: `${sink.url}/v2/enqueue`,
    ALERT_EMAIL_TO: 'oncall@example.com',
    ALERT_EMAIL_FROM: 'alertmanager@example.com',
    ALERT_EMAIL_SMARTHOST: smtp.hostPort,
    ALERT_EMAIL_AUTH_USERNAME: 'alerts',
    ALERT_EMAIL_AUTH_PASSWORD: SECRETS.emailPassword,
    // The sink offers no STARTTLS; a real relay should (the default is true).
    ALERT_EMAIL_REQUIRE_TLS: 'false',
    ALERT_GENERIC_WEBHOOK_URL: `${sink.url}/generic`,
    ALERT_GENERIC_WEBHOOK_BEARER_TOKEN: SECRETS.webhookToken,
    ALERT_RUNBOOK_BASE_URL: RUNBOOK_BASE,
    ...overrides,
  });
  const receivers = peopleReceivers(stack);
  // Short group intervals so a resolve is sent within seconds; everything else is what `stack up` renders.
  const config = renderAlertmanagerConfig(readFileSync(join(ASSETS_DIR, 'prometheus', 'alertmanager.yml'), 'utf8'), stack.alertWebhookUrl, receivers, {
    group_wait: '1s',
    group_interval: '2s',
  });
  const am = await startPrivateAlertmanager({
    config,
    beside: { [NOTIFICATIONS_TEMPLATE]: renderNotificationTemplate(readFileSync(join(ASSETS_DIR, 'prometheus', NOTIFICATIONS_TEMPLATE), 'utf8'), receivers) },
    secrets: {
      'alertmanager-webhook-token': SECRETS.receiverToken,
      [RECEIVER_SECRET_FILES.slackWebhookUrl]: stack.alertSlackWebhookUrl!,
      [RECEIVER_SECRET_FILES.pagerdutyRoutingKey]: stack.alertPagerdutyRoutingKey ?? '',
      [RECEIVER_SECRET_FILES.emailAuthPassword]: SECRETS.emailPassword,
      [RECEIVER_SECRET_FILES.genericWebhookBearerToken]: SECRETS.webhookToken,
    },
  });
  return { sink, smtp, am, config };
}

async function tearDown(f: Fixture): Promise<void> {
  await f.am.stop();
  await f.sink.close();
  await f.smtp.close();
}

function assertEvidence(text: string, a: PostedAlert, where: string): void {
  assert.ok(text.includes(a.annotations['summary']!), `${where}: summary of ${a.labels['alertname']}\n${text}`);
  assert.ok(text.includes('Model version: 3'), `${where}: model version\n${text}`);
  assert.ok(text.includes(`Drifted features: ${DRIFTED}`), `${where}: drifted features\n${text}`);
  assert.ok(text.includes(`Runbook: ${RUNBOOK_BASE}/monitoring/RUNBOOK.md#${a.labels['alertname']!.toLowerCase()}`), `${where}: runbook link\n${text}`);
}

interface SlackMessage {
  channel?: string;
  attachments: { title: string; text: string }[];
}

interface PagerDutyEvent {
  routing_key: string;
  event_action: string;
  dedup_key: string;
  payload: { summary: string; severity: string; source: string; class?: string; custom_details: Record<string, string> };
  links?: { href: string; text: string }[];
}

interface WebhookMessage {
  status: string;
  receiver: string;
  alerts: { labels: Record<string, string>; annotations: Record<string, string> }[];
}

test('each receiver gets the alerts of its severities, templated with summary, evidence and runbook link', { skip: !hasAlertmanager() && 'prometheus-alertmanager not installed' }, async (t) => {
  const f = await setUp();
  t.after(() => tearDown(f));
  await f.am.postAlerts([critical, warning, info]);

  await t.test('the riskstream alert receiver gets every alert, with its bearer token', async () => {
    const got = await f.sink.waitFor('/riskstream', 3);
    const names = got.flatMap((r) => r.json<WebhookMessage>().alerts.map((a) => a.labels['alertname'])).sort();
    assert.deepEqual(names, ['FeatureDriftShareHigh', 'FeaturePsiHigh', 'RealisedPerformanceDrop']);
    for (const r of got) assert.equal(r.headers.authorization, `Bearer ${SECRETS.receiverToken}`);
  });

  await t.test('PagerDuty gets an Events API v2 trigger for the critical alert only', async () => {
    const [event] = (await f.sink.waitFor('/v2/enqueue', 1)).map((r) => r.json<PagerDutyEvent>());
    assert.equal(event!.routing_key, SECRETS.routingKey);
    assert.equal(event!.event_action, 'trigger');
    assert.match(event!.dedup_key, /^[0-9a-f]{64}$/);
    assert.equal(event!.payload.severity, 'critical');
    assert.equal(event!.payload.source, 'riskstream');
    assert.equal(event!.payload.class, 'RealisedPerformanceDrop');
    assert.equal(event!.payload.summary, '[FIRING:1] critical RealisedPerformanceDrop (model version 3)');
    const d = event!.payload.custom_details;
    assert.equal(d['summary'], critical.annotations['summary']);
    assert.equal(d['model_version'], '3');
    assert.equal(d['drifted_features'], DRIFTED);
    assert.equal(d['runbook'], `${RUNBOOK_BASE}/monitoring/RUNBOOK.md#realisedperformancedrop`);
    assertEvidence(d['alerts']!, critical, 'PagerDuty details');
    assert.deepEqual(event!.links, [{ href: `${RUNBOOK_BASE}/monitoring/RUNBOOK.md#realisedperformancedrop`, text: 'Runbook' }]);
  });

  await t.test('Slack gets the critical and the warning alert in its channel', async () => {
    const got = (await f.sink.waitFor(SLACK_PATH, 2)).map((r) => r.json<SlackMessage>());
    const byTitle = new Map(got.map((m) => [m.attachments[0]!.title, m]));
    const crit = byTitle.get('[FIRING:1] critical RealisedPerformanceDrop (model version 3)');
    const warn = byTitle.get('[FIRING:1] warning FeatureDriftShareHigh (model version 3)');
    assert.ok(crit && warn, [...byTitle.keys()].join(' | '));
    for (const m of got) assert.equal(m.channel, '#fraud-alerts');
    assertEvidence(crit.attachments[0]!.text, critical, 'Slack critical');
    assertEvidence(warn.attachments[0]!.text, warning, 'Slack warning');
  });

  await t.test('e-mail goes through the smarthost with the password from its file, for critical and warning', async () => {
    const mails = await f.smtp.waitFor(2);
    const bySubject = new Map(mails.map((m) => [m.header('subject'), m]));
    const crit = bySubject.get('[FIRING:1] critical RealisedPerformanceDrop (model version 3)');
    const warn = bySubject.get('[FIRING:1] warning FeatureDriftShareHigh (model version 3)');
    assert.ok(crit && warn, [...bySubject.keys()].join(' | '));
    for (const m of mails) {
      assert.deepEqual(m.to, ['oncall@example.com']);
      assert.equal(m.from, 'alertmanager@example.com');
      assert.deepEqual(m.auth && { username: m.auth.username, password: m.auth.password }, { username: 'alerts', password: SECRETS.emailPassword });
    }
    assertEvidence(crit.part('text/plain') ?? '', critical, 'e-mail text');
    assertEvidence(warn.part('text/plain') ?? '', warning, 'e-mail text');
    assert.ok((crit.part('text/html') ?? '').includes('Drifted features:'), 'the HTML part carries the same text');
  });

  await t.test('the generic webhook gets all three, with its bearer token and the annotations', async () => {
    const got = await f.sink.waitFor('/generic', 3);
    const alerts = got.flatMap((r) => r.json<WebhookMessage>().alerts);
    assert.deepEqual(alerts.map((a) => a.labels['severity']).sort(), ['critical', 'info', 'warning']);
    for (const r of got) assert.equal(r.headers.authorization, `Bearer ${SECRETS.webhookToken}`);
    assert.equal(alerts.find((a) => a.labels['severity'] === 'critical')!.annotations['drifted_features'], DRIFTED);
  });

  await t.test('the info alert reached no person-facing channel', () => {
    const personal = [...f.sink.on(SLACK_PATH), ...f.sink.on('/v2/enqueue')].map((r) => r.body);
    for (const body of [...personal, ...f.smtp.mails.map((m) => m.raw)]) assert.ok(!body.includes('FeaturePsiHigh'), body.slice(0, 300));
  });

  await t.test('a resolved critical alert sends a PagerDuty resolve for the same incident', async () => {
    const [trigger] = f.sink.on('/v2/enqueue').map((r) => r.json<PagerDutyEvent>());
    await f.am.postAlerts([{ ...critical, endsAt: new Date().toISOString() }]);
    const events = (await f.sink.waitFor('/v2/enqueue', 2)).map((r) => r.json<PagerDutyEvent>());
    assert.equal(events[1]!.event_action, 'resolve');
    assert.equal(events[1]!.dedup_key, trigger!.dedup_key);
    assert.equal(events[1]!.routing_key, SECRETS.routingKey);
  });

  await t.test('no secret is written into the rendered config', () => {
    for (const s of [...Object.values(SECRETS), SLACK_PATH]) assert.ok(!f.config.includes(s), `config contains ${s}`);
  });
});

test('amtool check-config accepts the rendered config with every receiver enabled and its templates', { skip: !hasAlertmanager() && 'prometheus-alertmanager not installed' }, async (t) => {
  const f = await setUp();
  t.after(() => tearDown(f));
  const r = spawnSync('amtool', ['check-config', f.am.configPath], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /4 receivers/);
  assert.match(r.stdout, /1 templates/);
});

test('by default the e-mail receiver refuses a relay without STARTTLS: nothing is sent, no password in clear', { skip: !hasAlertmanager() && 'prometheus-alertmanager not installed' }, async (t) => {
  const f = await setUp({ ALERT_EMAIL_REQUIRE_TLS: undefined });
  t.after(() => tearDown(f));
  await f.am.postAlerts([warning]);
  // Slack of the same route is delivered, so the route was flushed and the e-mail attempt made.
  await f.sink.waitFor(SLACK_PATH, 1);
  await waitFor('the STARTTLS refusal in the Alertmanager log', () => /STARTTLS/.test(f.am.log()), 30_000);
  assert.deepEqual(f.smtp.mails, []);
});
