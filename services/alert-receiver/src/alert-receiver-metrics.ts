import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Label values are bounded sets: source (grafana, alertmanager), outcome, action (RETRAIN, ROLLBACK),
 * reason (AuthFailureReason), key (configured key ids, so a rotation shows when the old key stops being used).
 */
export interface AlertReceiverMetrics {
  /** outcome: published, acknowledged, unauthorized, body_too_large, unsupported_media_type, invalid, unavailable, error */
  readonly requests: Counter<'source' | 'outcome'>;
  /** outcome: published, duplicate, in_progress, cooldown, resolved, ignored, failed */
  readonly alerts: Counter<'source' | 'outcome'>;
  readonly published: Counter<'action'>;
  readonly authFailures: Counter<'source' | 'reason'>;
  readonly authenticated: Counter<'source' | 'key'>;
  /** outcome: ok, failed */
  readonly evidenceFetches: Counter<'outcome'>;
  readonly evidenceDuration: Histogram;
  readonly publishDuration: Histogram;
}

export function alertReceiverMetrics(registry: Registry): AlertReceiverMetrics {
  const registers = [registry];
  return {
    requests: new Counter({ name: 'alert_receiver_requests_total', help: 'Webhook requests, by source and outcome', labelNames: ['source', 'outcome'], registers }),
    alerts: new Counter({ name: 'alert_receiver_alerts_total', help: 'Alerts in authenticated, well-formed webhook requests, by source and outcome', labelNames: ['source', 'outcome'], registers }),
    published: new Counter({ name: 'alert_receiver_published_total', help: 'RetrainRequested records acknowledged by Kafka, by action', labelNames: ['action'], registers }),
    authFailures: new Counter({ name: 'alert_receiver_auth_failures_total', help: 'Webhook requests refused with 401, by source and reason', labelNames: ['source', 'reason'], registers }),
    authenticated: new Counter({ name: 'alert_receiver_authenticated_total', help: 'Authenticated webhook requests, by source and the id of the key that matched', labelNames: ['source', 'key'], registers }),
    evidenceFetches: new Counter({ name: 'alert_receiver_evidence_fetches_total', help: 'GET /v1/drift calls to the drift monitor, by outcome', labelNames: ['outcome'], registers }),
    evidenceDuration: new Histogram({
      name: 'alert_receiver_evidence_fetch_duration_seconds',
      help: 'Time of a GET /v1/drift call, failures included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    publishDuration: new Histogram({
      name: 'alert_receiver_publish_duration_seconds',
      help: 'Time from sending a RetrainRequested record to its Kafka acknowledgement (or failure)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers,
    }),
  };
}
