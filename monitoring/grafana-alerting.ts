import { stringify } from 'yaml';
import { alerts, thresholdValue, type AlertDefinition, type RuleGroup } from './alerts.ts';
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

export function renderGrafanaNotifications(): string {
  const doc = {
    apiVersion: 1,
    contactPoints: [
      {
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
      },
    ],
    policies: [
      {
        orgId: 1,
        receiver: CONTACT_POINT,
        // One notification per alert and model: the receiver turns each into at most one retrain/rollback.
        group_by: ['grafana_folder', 'alertname', 'model_version'],
        group_wait: '5s',
        group_interval: '30s',
        // Short, as in the Alertmanager route (cli/stack/prometheus/alertmanager.yml): the receiver dedups
        // repeats, and a long repeat lets an unresolved notification record hide a new firing episode.
        repeat_interval: '1m',
      },
    ],
  };
  return GENERATED_HEADER + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}
