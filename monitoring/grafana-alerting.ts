import { stringify } from 'yaml';
import { alerts, thresholdValue, type AlertDefinition, type RuleGroup } from './alerts.ts';
import { driftDashboard } from './dashboards/drift.ts';
import { peopleRoute, severityChannels, type Channel } from './notification-routing.ts';
import { annotations, GENERATED_HEADER } from './prometheus-rules.ts';
import { durations, settings } from './thresholds.ts';

/**
 * The same alerts as Grafana-managed rules (Grafana 12 file provisioning, apiVersion 1): query A is the
 * alert's value, B reduces it to its last non-NaN point, C compares B with the threshold. Grafana
 * interpolates `$VAR`/`${VAR}` in provisioned labels, queries and contact points (not annotations), so
 * only the contact point uses `$`.
 */

const EXPR_DS = { type: '__expr__', uid: '__expr__' };
const PROM_DS = { type: 'prometheus', uid: settings.prometheusDatasourceUid };

export function grafanaRuleUid(name: string): string {
  return `rs-${name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

/**
 * Grafana annotation templates cannot query Prometheus, so an alert with drifted-features evidence links
 * the drift dashboard's "Drifted features" panel instead: the notification's PanelURL.
 */
const DRIFTED_FEATURES_PANEL = 'Drifted features';

function driftedFeaturesPanel(): { dashboardUid: string; panelId: number } {
  const { uid, panels } = driftDashboard as { uid: string; panels: { id?: number; title?: string }[] };
  const panel = panels.find((p) => p.title === DRIFTED_FEATURES_PANEL);
  if (panel?.id === undefined) throw new Error(`the drift dashboard has no "${DRIFTED_FEATURES_PANEL}" panel`);
  return { dashboardUid: uid, panelId: panel.id };
}

function rule(a: AlertDefinition): unknown {
  return {
    uid: grafanaRuleUid(a.name),
    title: a.name,
    condition: 'C',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: settings.grafanaQueryRangeSeconds, to: 0 },
        datasourceUid: settings.prometheusDatasourceUid,
        model: { refId: 'A', datasource: PROM_DS, expr: a.value, range: true, instant: false, intervalMs: 5000, maxDataPoints: 43200 },
      },
      {
        refId: 'B',
        datasourceUid: '__expr__',
        model: { refId: 'B', datasource: EXPR_DS, type: 'reduce', expression: 'A', reducer: 'last', settings: { mode: 'dropNN' } },
      },
      {
        refId: 'C',
        datasourceUid: '__expr__',
        model: {
          refId: 'C',
          datasource: EXPR_DS,
          type: 'threshold',
          expression: 'B',
          conditions: [{ evaluator: { type: a.op === '>' ? 'gt' : 'lt', params: [thresholdValue(a)] } }],
        },
      },
    ],
    // An empty or thin window returns no series: that is "nothing to say", not an alert.
    noDataState: 'OK',
    // Not "Error": Grafana's DatasourceError alert would carry this rule's labels, action=retrain included,
    // and a Prometheus hiccup must not retrain or roll back a model.
    execErrState: 'KeepLast',
    for: durations.for[a.for],
    annotations: annotations(a, '$values.B.Value'),
    labels: { severity: a.severity, action: a.action },
    ...(a.evidence?.includes('drifted_features') && driftedFeaturesPanel()),
    isPaused: false,
  };
}

const GROUP_ORDER: readonly RuleGroup[] = ['drift', 'model', 'pipeline', 'slo'];

export function renderGrafanaAlertRules(): string {
  const groups = GROUP_ORDER.map((group) => ({
    orgId: 1,
    name: `riskstream-${group}`,
    folder: settings.grafanaAlertFolder,
    interval: settings.grafanaEvaluationInterval,
    rules: alerts.filter((a) => a.group === group).map(rule),
  }));
  return GENERATED_HEADER + stringify({ apiVersion: 1, groups }, { lineWidth: 0, aliasDuplicateObjects: false });
}

export const CONTACT_POINT = 'riskstream-alert-receiver';

function alertReceiverContactPoint(): unknown {
  return {
        orgId: 1,
        name: CONTACT_POINT,
        receivers: [
          {
            uid: 'riskstream-alert-receiver-webhook',
            type: 'webhook',
            disableResolveMessage: false,
            settings: {
              url: `http://\${${settings.alertReceiverHostEnv}}:${settings.alertReceiverPort}/alerts/grafana`,
              httpMethod: 'POST',
              hmacConfig: {
                secret: `\${${settings.grafanaHmacSecretEnv}}`,
                header: settings.grafanaSignatureHeader,
                timestampHeader: settings.grafanaTimestampHeader,
              },
            },
          },
        ],
  };
}

function alertReceiverPolicy(): Record<string, unknown> {
  return {
    orgId: 1,
    receiver: CONTACT_POINT,
    // One notification per alert and model: the receiver turns each into at most one retrain/rollback.
    group_by: ['grafana_folder', 'alertname', 'model_version'],
    group_wait: '5s',
    group_interval: '30s',
    // Short, as in the Alertmanager route (cli/stack/prometheus/alertmanager.yml): the receiver dedups
    // repeats, and a long repeat lets an unresolved notification record hide a new firing episode.
    repeat_interval: '1m',
  };
}

export function renderGrafanaNotifications(): string {
  const doc = { apiVersion: 1, contactPoints: [alertReceiverContactPoint()], policies: [alertReceiverPolicy()] };
  return GENERATED_HEADER + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

// --- contact points that reach people (opt-in) ----------------------------------------------------------

/**
 * The variables Grafana expands into the people contact points: the same names as the local
 * Alertmanager's (cli/src/stack/alert-receivers.ts), so one environment serves either. Secrets are only
 * ever `${VAR}` references here.
 */
export const PEOPLE_ENV = Object.freeze({
  slackWebhookUrl: 'ALERT_SLACK_WEBHOOK_URL',
  slackChannel: 'ALERT_SLACK_CHANNEL',
  pagerdutyRoutingKey: 'ALERT_PAGERDUTY_ROUTING_KEY',
  emailTo: 'ALERT_EMAIL_TO',
  genericWebhookUrl: 'ALERT_GENERIC_WEBHOOK_URL',
  genericWebhookBearerToken: 'ALERT_GENERIC_WEBHOOK_BEARER_TOKEN',
});

const env = (name: keyof typeof PEOPLE_ENV) => `\${${PEOPLE_ENV[name]}}`;

export const GRAFANA_TEMPLATE_NAME = 'riskstream';

/**
 * Grafana's message templates (the same text as Alertmanager's cli/stack/prometheus/
 * riskstream-notifications.tmpl, from Grafana's data: the drifted features are the PanelURL of the drift
 * dashboard's panel). No `$` anywhere: provisioning would expand it as an environment variable.
 */
export const GRAFANA_NOTIFICATION_TEMPLATE = `{{ define "riskstream.title" -}}
[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.severity }} {{ .CommonLabels.alertname }}{{ with .CommonLabels.model_version }} (model version {{ . }}){{ end }}
{{- end }}

{{ define "riskstream.alert" -}}
{{ .Annotations.summary }}
{{ with .Annotations.description }}{{ . }}
{{ end -}}
{{ with .Labels.model_version }}Model version: {{ . }}
{{ end -}}
{{ with .PanelURL }}Drifted features: {{ . }}
{{ end -}}
{{ with .Labels.action }}{{ if ne . "none" }}Automatic action: {{ . }}
{{ end }}{{ end -}}
{{ with .Annotations.runbook_url }}Runbook: {{ . }}
{{ end -}}
{{ end }}

{{ define "riskstream.text" -}}
{{ if gt (len .Alerts.Firing) 0 }}Firing:
{{ range .Alerts.Firing }}
{{ template "riskstream.alert" . }}{{ end }}{{ end -}}
{{ if gt (len .Alerts.Resolved) 0 }}Resolved:
{{ range .Alerts.Resolved }}
{{ template "riskstream.alert" . }}{{ end }}{{ end -}}
{{ end }}
`;

const TITLE = '{{ template "riskstream.title" . }}';
const TEXT = '{{ template "riskstream.text" . }}';

function integration(channel: Channel, severity: string): Record<string, unknown> {
  const uid = `rs-people-${severity}-${channel}`;
  switch (channel) {
    case 'slack':
      return { uid, type: 'slack', disableResolveMessage: false, settings: { url: env('slackWebhookUrl'), recipient: env('slackChannel'), title: TITLE, text: TEXT } };
    case 'pagerduty':
      return {
        uid,
        type: 'pagerduty',
        disableResolveMessage: false,
        settings: {
          integrationKey: env('pagerdutyRoutingKey'),
          severity: severity === 'critical' ? 'critical' : 'warning',
          class: '{{ .CommonLabels.alertname }}',
          component: 'riskstream',
          group: '{{ .CommonLabels.action }}',
          summary: TITLE,
        },
      };
    case 'email':
      // The SMTP relay is Grafana's server setting ([smtp], GF_SMTP_*), not the contact point's.
      return { uid, type: 'email', disableResolveMessage: false, settings: { addresses: env('emailTo'), singleEmail: true, subject: TITLE, message: TEXT } };
    case 'webhook':
      return {
        uid,
        type: 'webhook',
        disableResolveMessage: false,
        settings: { url: env('genericWebhookUrl'), httpMethod: 'POST', authorization_scheme: 'Bearer', authorization_credentials: env('genericWebhookBearerToken') },
      };
  }
}

export function peopleContactPoint(severity: string): string {
  return `riskstream-people-${severity}`;
}

/**
 * The notification file for a Grafana that notifies people itself: the alert receiver as in
 * renderGrafanaNotifications, plus one contact point per severity holding that severity's channels
 * (monitoring/notification-routing.ts) and their routes. Opt-in, mounted in place of the default file
 * (monitoring/RUNBOOK.md, "Notifications"): Grafana rejects a contact point whose URL or key expands
 * empty, and the Prometheus rules already reach people through Alertmanager, so running both would
 * notify twice.
 */
export function renderGrafanaPeopleNotifications(): string {
  const severities = Object.entries(severityChannels).filter(([, channels]) => channels.length > 0);
  const doc = {
    apiVersion: 1,
    templates: [{ orgId: 1, name: GRAFANA_TEMPLATE_NAME, template: GRAFANA_NOTIFICATION_TEMPLATE }],
    contactPoints: [
      alertReceiverContactPoint(),
      ...severities.map(([severity, channels]) => ({ orgId: 1, name: peopleContactPoint(severity), receivers: channels.map((c) => integration(c, severity)) })),
    ],
    policies: [
      {
        ...alertReceiverPolicy(),
        // The alert receiver first, for every alert; then the people of the alert's severity.
        routes: [
          { receiver: CONTACT_POINT, continue: true },
          ...severities.map(([severity]) => ({
            receiver: peopleContactPoint(severity),
            object_matchers: [['severity', '=', severity]],
            group_by: ['grafana_folder', ...peopleRoute.group_by],
            group_wait: peopleRoute.group_wait,
            group_interval: peopleRoute.group_interval,
            repeat_interval: peopleRoute.repeat_interval,
          })),
        ],
      },
    ],
  };
  return GENERATED_HEADER + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}
