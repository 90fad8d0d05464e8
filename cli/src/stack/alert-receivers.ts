import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { field, type ConfigIssue, type ConfigOf } from '@riskstream/shared';

/**
 * The receivers that reach people (Slack, PagerDuty, e-mail, a generic webhook), each enabled by its
 * environment variables; which severities each gets is monitoring/notification-routing.ts. With none
 * set, Alertmanager only posts to the riskstream alert receiver. Secrets
 * (the Slack webhook URL, the PagerDuty routing key, the SMTP password, the webhook's bearer token) may
 * come from `<VAR>_FILE`; either way they are written only to <stack dir>/secrets (0600) and the rendered
 * config names those files (`*_file`, `credentials_file`), never the values.
 */

export const PAGERDUTY_EVENTS_V2_URL = 'https://events.pagerduty.com/v2/enqueue';

export const alertReceiversSchema = {
  alertSlackWebhookUrl: field.optionalString({
    env: 'ALERT_SLACK_WEBHOOK_URL',
    description: 'Slack incoming-webhook URL; enables the Slack receiver',
    secret: true,
  }),
  alertSlackChannel: field.optionalString({ env: 'ALERT_SLACK_CHANNEL', description: "Slack channel to post to (default: the webhook's own channel)" }),
  alertPagerdutyRoutingKey: field.optionalString({
    env: 'ALERT_PAGERDUTY_ROUTING_KEY',
    description: 'PagerDuty Events API v2 integration (routing) key; enables the PagerDuty receiver',
    secret: true,
  }),
  alertPagerdutyUrl: field.url({
    env: 'ALERT_PAGERDUTY_URL',
    description: 'PagerDuty Events API v2 endpoint',
    protocols: ['http:', 'https:'],
    default: PAGERDUTY_EVENTS_V2_URL,
  }),
  alertEmailTo: field.optionalString({ env: 'ALERT_EMAIL_TO', description: 'e-mail recipients (comma-separated); with FROM and SMARTHOST enables the e-mail receiver' }),
  alertEmailFrom: field.optionalString({ env: 'ALERT_EMAIL_FROM', description: 'sender address of alert e-mails' }),
  alertEmailSmarthost: field.optionalString({ env: 'ALERT_EMAIL_SMARTHOST', description: 'SMTP relay as host:port' }),
  alertEmailAuthUsername: field.optionalString({ env: 'ALERT_EMAIL_AUTH_USERNAME', description: 'SMTP AUTH user (PLAIN or LOGIN)' }),
  alertEmailAuthPassword: field.optionalString({ env: 'ALERT_EMAIL_AUTH_PASSWORD', description: 'SMTP AUTH password', secret: true }),
  alertEmailRequireTls: field.bool({ env: 'ALERT_EMAIL_REQUIRE_TLS', description: 'refuse a relay that does not offer STARTTLS', default: true }),
  alertGenericWebhookUrl: field.optionalString({
    env: 'ALERT_GENERIC_WEBHOOK_URL',
    description: "URL posted Alertmanager's webhook JSON; enables the generic webhook receiver (no credentials in it: use the bearer token)",
  }),
  alertGenericWebhookBearerToken: field.optionalString({
    env: 'ALERT_GENERIC_WEBHOOK_BEARER_TOKEN',
    description: 'bearer token sent to ALERT_GENERIC_WEBHOOK_URL',
    secret: true,
  }),
  alertRunbookBaseUrl: field.optionalString({
    env: 'ALERT_RUNBOOK_BASE_URL',
    description: "prefix that turns an alert's runbook_url (monitoring/RUNBOOK.md#...) into a link, e.g. the repository's web URL",
  }),
} as const;

export type AlertReceiversConfig = ConfigOf<typeof alertReceiversSchema>;

function isHttpUrl(raw: string, allowCredentials = true): boolean {
  try {
    const u = new URL(raw);
    return (u.protocol === 'http:' || u.protocol === 'https:') && (allowCredentials || (u.username === '' && u.password === ''));
  } catch {
    return false;
  }
}

/** Problems that span fields; a secret's value is never quoted. */
export function checkAlertReceivers(c: AlertReceiversConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (c.alertSlackWebhookUrl !== undefined && !isHttpUrl(c.alertSlackWebhookUrl)) {
    issues.push({ field: 'ALERT_SLACK_WEBHOOK_URL', problem: 'must be an http(s) URL' });
  }
  const email = { ALERT_EMAIL_TO: c.alertEmailTo, ALERT_EMAIL_FROM: c.alertEmailFrom, ALERT_EMAIL_SMARTHOST: c.alertEmailSmarthost };
  const missing = Object.entries(email).filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length > 0 && missing.length < 3) issues.push({ field: missing.join('/'), problem: 'are required when any of ALERT_EMAIL_TO, ALERT_EMAIL_FROM, ALERT_EMAIL_SMARTHOST is set' });
  if (c.alertEmailSmarthost !== undefined && !/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(c.alertEmailSmarthost)) {
    issues.push({ field: 'ALERT_EMAIL_SMARTHOST', problem: `must be host:port, got "${c.alertEmailSmarthost}"` });
  }
  if (c.alertEmailAuthPassword !== undefined && c.alertEmailAuthUsername === undefined) {
    issues.push({ field: 'ALERT_EMAIL_AUTH_USERNAME', problem: 'is required when ALERT_EMAIL_AUTH_PASSWORD is set' });
  }
  if (c.alertGenericWebhookUrl !== undefined && !isHttpUrl(c.alertGenericWebhookUrl, false)) {
    // Alertmanager 0.25 has no url_file for webhooks: the URL is written into the config, so no secret in it.
    issues.push({ field: 'ALERT_GENERIC_WEBHOOK_URL', problem: 'must be an http(s) URL without user:password (put a secret in ALERT_GENERIC_WEBHOOK_BEARER_TOKEN)' });
  }
  if (c.alertGenericWebhookBearerToken !== undefined && c.alertGenericWebhookUrl === undefined) {
    issues.push({ field: 'ALERT_GENERIC_WEBHOOK_URL', problem: 'is required when ALERT_GENERIC_WEBHOOK_BEARER_TOKEN is set' });
  }
  if (c.alertRunbookBaseUrl !== undefined && !isHttpUrl(c.alertRunbookBaseUrl)) {
    issues.push({ field: 'ALERT_RUNBOOK_BASE_URL', problem: `must be an http(s) URL, got "${c.alertRunbookBaseUrl}"` });
  }
  return issues;
}

/** File names under <stack dir>/secrets; the rendered config refers to them as ../secrets/<name>. */
export const RECEIVER_SECRET_FILES = Object.freeze({
  slackWebhookUrl: 'alert-slack-webhook-url',
  pagerdutyRoutingKey: 'alert-pagerduty-routing-key',
  emailAuthPassword: 'alert-email-auth-password',
  genericWebhookBearerToken: 'alert-generic-webhook-bearer-token',
});

export type ReceiverSecret = keyof typeof RECEIVER_SECRET_FILES;

export type Channel = 'pagerduty' | 'slack' | 'email' | 'webhook';

/** What the rendered config needs to know: which channels are on and their non-secret settings. */
export interface PeopleReceivers {
  readonly slack?: { readonly channel?: string };
  readonly pagerduty?: { readonly url: string };
  readonly email?: { readonly to: string; readonly from: string; readonly smarthost: string; readonly authUsername?: string; readonly authPassword: boolean; readonly requireTls: boolean };
  readonly webhook?: { readonly url: string; readonly bearerToken: boolean };
  /** With a trailing slash, or '' to leave runbook paths as they are. */
  readonly runbookPrefix: string;
}

export const NO_PEOPLE_RECEIVERS: PeopleReceivers = Object.freeze({ runbookPrefix: '' });

export function peopleReceivers(c: AlertReceiversConfig): PeopleReceivers {
  const email = c.alertEmailTo !== undefined && c.alertEmailFrom !== undefined && c.alertEmailSmarthost !== undefined;
  return Object.freeze({
    ...(c.alertSlackWebhookUrl !== undefined && { slack: c.alertSlackChannel === undefined ? {} : { channel: c.alertSlackChannel } }),
    ...(c.alertPagerdutyRoutingKey !== undefined && { pagerduty: { url: c.alertPagerdutyUrl } }),
    ...(email && {
      email: {
        to: c.alertEmailTo!,
        from: c.alertEmailFrom!,
        smarthost: c.alertEmailSmarthost!,
        ...(c.alertEmailAuthUsername !== undefined && { authUsername: c.alertEmailAuthUsername }),
        authPassword: c.alertEmailAuthPassword !== undefined,
        requireTls: c.alertEmailRequireTls,
      },
    }),
    ...(c.alertGenericWebhookUrl !== undefined && { webhook: { url: c.alertGenericWebhookUrl, bearerToken: c.alertGenericWebhookBearerToken !== undefined } }),
    runbookPrefix: c.alertRunbookBaseUrl === undefined ? '' : `${c.alertRunbookBaseUrl.replace(/\/+$/, '')}/`,
  });
}

function secretValues(c: AlertReceiversConfig): Record<ReceiverSecret, string | undefined> {
  return {
    slackWebhookUrl: c.alertSlackWebhookUrl,
    pagerdutyRoutingKey: c.alertPagerdutyRoutingKey,
    emailAuthPassword: c.alertEmailAuthPassword,
    genericWebhookBearerToken: c.alertGenericWebhookBearerToken,
  };
}

/**
 * Writes each configured secret to <secretsDir>/<file> (0600, the directory 0700) and removes the file of
 * one no longer configured, so a disabled receiver leaves no credential behind.
 */
export function writeReceiverSecrets(secretsDir: string, c: AlertReceiversConfig): void {
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  for (const [name, value] of Object.entries(secretValues(c)) as [ReceiverSecret, string | undefined][]) {
    const file = join(secretsDir, RECEIVER_SECRET_FILES[name]);
    // Removed before writing too: writeFileSync's mode applies only to a file it creates.
    rmSync(file, { force: true });
    if (value !== undefined) writeFileSync(file, value, { mode: 0o600 });
  }
}
