import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument, type Document } from 'yaml';
import { StackError } from '@riskstream/shared';
import { RECEIVER_SECRET_FILES, type Channel, type PeopleReceivers, type ReceiverSecret } from './alert-receivers.ts';
import { ASSETS_DIR } from './components.ts';

/**
 * The part of the Alertmanager config that reaches people: one receiver per severity holding the enabled
 * channels of that severity (the mapping is generated from monitoring/notification-routing.ts into
 * cli/stack/prometheus/alert-routing.yml with the routes' grouping and pacing), and a route per severity
 * after a catch-all route to the riskstream alert receiver with `continue: true`, so the receiver still
 * sees every alert.
 */

export const NOTIFICATIONS_TEMPLATE = 'riskstream-notifications.tmpl';
export const ALERT_RECEIVER = 'riskstream-webhook';

/** How the people routes group and pace messages (Alertmanager route fields). */
export interface PeopleRouteTiming {
  readonly group_by: readonly string[];
  readonly group_wait: string;
  readonly group_interval: string;
  readonly repeat_interval: string;
}

const CHANNELS: readonly Channel[] = ['pagerduty', 'slack', 'email', 'webhook'];

export interface SeverityRouting {
  readonly severities: Readonly<Record<string, readonly Channel[]>>;
  readonly peopleRoute: PeopleRouteTiming;
}

const DURATION = /^\d+(ms|s|m|h|d)$/;

/** The generated routing, checked: a typo there must not silently drop a channel. */
export function loadSeverityRouting(path = join(ASSETS_DIR, 'prometheus', 'alert-routing.yml')): SeverityRouting {
  const doc = parse(readFileSync(path, 'utf8')) as { severities?: Record<string, unknown>; people_route?: Partial<Record<keyof PeopleRouteTiming, unknown>> } | null;
  const severities: Record<string, readonly Channel[]> = {};
  for (const [severity, channels] of Object.entries(doc?.severities ?? {})) {
    if (!Array.isArray(channels) || !channels.every((c) => CHANNELS.includes(c as Channel))) {
      throw new StackError('alertmanager', `${path}: severity ${severity} must list channels among ${CHANNELS.join(', ')}`);
    }
    severities[severity] = Object.freeze([...(channels as Channel[])]);
  }
  if (Object.keys(severities).length === 0) throw new StackError('alertmanager', `${path} maps no severity to channels`);
  const r = doc?.people_route ?? {};
  const durations = [r.group_wait, r.group_interval, r.repeat_interval];
  if (!Array.isArray(r.group_by) || !durations.every((d) => typeof d === 'string' && DURATION.test(d))) {
    throw new StackError('alertmanager', `${path}: people_route needs group_by and group_wait/group_interval/repeat_interval durations`);
  }
  const peopleRoute = { group_by: r.group_by as string[], group_wait: r.group_wait as string, group_interval: r.group_interval as string, repeat_interval: r.repeat_interval as string };
  return Object.freeze({ severities: Object.freeze(severities), peopleRoute: Object.freeze(peopleRoute) });
}

/** Relative to the rendered config's directory (<stack dir>/alertmanager), as Alertmanager resolves it. */
export function secretRef(name: ReceiverSecret): string {
  return `../secrets/${RECEIVER_SECRET_FILES[name]}`;
}

const TITLE = '{{ template "riskstream.title" . }}';
const TEXT = '{{ template "riskstream.text" . }}';

function slackConfig(s: NonNullable<PeopleReceivers['slack']>): Record<string, unknown> {
  return {
    api_url_file: secretRef('slackWebhookUrl'),
    ...(s.channel !== undefined && { channel: s.channel }),
    send_resolved: true,
    title: TITLE,
    text: TEXT,
  };
}

function pagerdutyConfig(p: NonNullable<PeopleReceivers['pagerduty']>, runbookLinks: boolean): Record<string, unknown> {
  return {
    // Events API v2: routing_key (not the v1 service_key).
    routing_key_file: secretRef('pagerdutyRoutingKey'),
    url: p.url,
    send_resolved: true,
    severity: '{{ if eq .CommonLabels.severity "critical" }}critical{{ else }}warning{{ end }}',
    description: TITLE,
    source: 'riskstream{{ with .CommonLabels.service }}/{{ . }}{{ end }}',
    class: '{{ .CommonLabels.alertname }}',
    details: {
      summary: '{{ .CommonAnnotations.summary }}',
      model_version: '{{ .CommonLabels.model_version }}',
      drifted_features: '{{ template "riskstream.pagerduty.drifted_features" . }}',
      action: '{{ .CommonLabels.action }}',
      runbook: '{{ template "riskstream.pagerduty.runbook" . }}',
      alerts: TEXT,
    },
    // A relative repository path is no link: only with ALERT_RUNBOOK_BASE_URL.
    ...(runbookLinks && { links: [{ href: '{{ template "riskstream.pagerduty.runbook" . }}', text: 'Runbook' }] }),
  };
}

function emailConfig(e: NonNullable<PeopleReceivers['email']>): Record<string, unknown> {
  return {
    to: e.to,
    from: e.from,
    smarthost: e.smarthost,
    ...(e.authUsername !== undefined && { auth_username: e.authUsername }),
    ...(e.authPassword && { auth_password_file: secretRef('emailAuthPassword') }),
    require_tls: e.requireTls,
    send_resolved: true,
    headers: { Subject: '{{ template "riskstream.email.subject" . }}' },
    html: '{{ template "riskstream.email.html" . }}',
    text: TEXT,
  };
}

function webhookConfig(w: NonNullable<PeopleReceivers['webhook']>): Record<string, unknown> {
  return {
    url: w.url,
    send_resolved: true,
    max_alerts: 0,
    ...(w.bearerToken && { http_config: { authorization: { type: 'Bearer', credentials_file: secretRef('genericWebhookBearerToken') } } }),
  };
}

/** The `<channel>_configs` of one receiver, for the enabled channels among `channels`. */
function receiverConfigs(channels: readonly Channel[], r: PeopleReceivers): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const c of channels) {
    if (c === 'slack' && r.slack) out['slack_configs'] = [slackConfig(r.slack)];
    if (c === 'pagerduty' && r.pagerduty) out['pagerduty_configs'] = [pagerdutyConfig(r.pagerduty, r.runbookPrefix !== '')];
    if (c === 'email' && r.email) out['email_configs'] = [emailConfig(r.email)];
    if (c === 'webhook' && r.webhook) out['webhook_configs'] = [webhookConfig(r.webhook)];
  }
  return out;
}

export function peopleReceiverName(severity: string): string {
  return `people-${severity}`;
}

/**
 * Adds the people receivers, their routes and the message template to a rendered base config (the
 * template's comments stay). A severity whose channels are all disabled gets no route; with none
 * enabled the config is returned as it was.
 */
export function addPeopleRouting(
  baseConfig: string,
  receivers: PeopleReceivers,
  routing: SeverityRouting,
  timing: Partial<PeopleRouteTiming> = {},
): string {
  const doc: Document = parseDocument(baseConfig);
  const routes: unknown[] = [];
  for (const [severity, channels] of Object.entries(routing.severities)) {
    const configs = receiverConfigs(channels, receivers);
    if (Object.keys(configs).length === 0) continue;
    const name = peopleReceiverName(severity);
    doc.addIn(['receivers'], doc.createNode({ name, ...configs }));
    routes.push({ receiver: name, matchers: [`severity="${severity}"`], ...routing.peopleRoute, ...timing });
  }
  if (routes.length === 0) return baseConfig;
  const node = doc.createNode([{ receiver: ALERT_RECEIVER, continue: true }, ...routes]);
  node.commentBefore =
    ' The alert receiver first, for every alert (continue: true); then the people of its severity\n' +
    ' (cli/stack/prometheus/alert-routing.yml, generated from monitoring/notification-routing.ts).';
  doc.setIn(['route', 'routes'], node);
  doc.set('templates', doc.createNode([NOTIFICATIONS_TEMPLATE]));
  return doc.toString({ lineWidth: 0 });
}
