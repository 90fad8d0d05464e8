import { createHash } from 'node:crypto';
import type { RetrainAction, RetrainRequested } from '@riskstream/shared';
import { DRIFT_WINDOWS, type DriftWindow, type DriftWindowName, type EvidenceResult } from './drift-evidence.ts';
import type { AlertNotification, ReceivedAlert } from './webhook-payload.ts';

/**
 * Turns an alert plus the drift monitor's evidence into the RetrainRequested record.
 *
 * Precedence: what the alert says about itself (labels model_name, model_version, window) wins over the
 * drift monitor, which answers about "now" and may already serve a newer champion; the drift monitor
 * fills what the alert lacks; configured defaults fill the rest. evidence_json records where each value
 * came from, and the drift monitor's failure reason when it had none to give.
 */

/** label action -> record action; anything else (none, absent, unknown) is not published. */
export function actionOf(alert: ReceivedAlert): RetrainAction | null {
  const a = alert.labels['action']?.trim().toLowerCase();
  if (a === 'retrain') return 'RETRAIN';
  if (a === 'rollback') return 'ROLLBACK';
  return null;
}

export function alertName(alert: ReceivedAlert): string {
  return alert.labels['alertname'] ?? alert.labels['__alert_rule_title__'] ?? 'unnamed';
}

/**
 * The same alert occurrence and action always get the same id, so a request published twice (a publish
 * that timed out here but reached Kafka, then the sender's retry) is recognisable downstream. UUID
 * layout, version 8 (custom, from SHA-256).
 */
export function retrainEventId(fingerprint: string, startsAt: number, action: RetrainAction): string {
  const b = createHash('sha256').update(`${fingerprint}\0${startsAt}\0${action}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface RetrainRequestInput {
  readonly notification: AlertNotification;
  readonly alert: ReceivedAlert;
  readonly action: RetrainAction;
  readonly evidence: EvidenceResult;
  readonly defaultModelName: string;
  /** Without a window from the drift monitor, the range starts this long before the alert. */
  readonly fallbackRangeMs: number;
  /** epoch ms */
  readonly now: number;
}

const INT32_MAX = 2 ** 31 - 1;

export function modelNameOf(alert: ReceivedAlert, evidence: EvidenceResult, defaultModelName: string): string {
  const label = alert.labels['model_name']?.trim();
  if (label) return label;
  if (evidence.ok && evidence.report.model_name) return evidence.report.model_name;
  return defaultModelName;
}

function labelVersion(alert: ReceivedAlert): number | null {
  const v = alert.labels['model_version']?.trim();
  if (!v || !/^\d{1,10}$/.test(v)) return null;
  const n = Number(v);
  return n <= INT32_MAX ? n : null;
}

function chooseWindow(alert: ReceivedAlert, evidence: EvidenceResult): { name: DriftWindowName; window: DriftWindow } | null {
  if (!evidence.ok) return null;
  const wanted = alert.labels['window'];
  const order = DRIFT_WINDOWS.includes(wanted as DriftWindowName) ? [wanted as DriftWindowName, ...DRIFT_WINDOWS.filter((w) => w !== wanted)] : DRIFT_WINDOWS;
  for (const name of order) {
    const window = evidence.report.windows[name];
    if (window && window.event_time_start !== null && window.event_time_end !== null) return { name, window };
  }
  return null;
}

/** What the alert itself says drifted: label feature (per-feature alerts), annotation drifted_features. */
function alertFeatures(alert: ReceivedAlert): string[] {
  const out: string[] = [];
  const f = alert.labels['feature']?.trim();
  if (f) out.push(f);
  for (const x of (alert.annotations['drifted_features'] ?? '').split(',')) if (x.trim()) out.push(x.trim());
  return out;
}

export function buildRetrainRequest(i: RetrainRequestInput): RetrainRequested {
  const { alert, evidence } = i;
  const modelName = modelNameOf(alert, evidence, i.defaultModelName);
  const fromLabel = labelVersion(alert);
  const fromMonitor = evidence.ok ? evidence.report.model_version : null;
  const modelVersion = fromLabel ?? fromMonitor ?? 0;
  const chosen = chooseWindow(alert, evidence);
  const rangeStart = chosen ? chosen.window.event_time_start! : alert.startsAt - i.fallbackRangeMs;
  const rangeEnd = chosen ? chosen.window.event_time_end! : Math.max(i.now, alert.startsAt);
  const features = [...new Set([...(chosen?.window.drifted_features ?? []), ...alertFeatures(alert)])].sort();

  const evidenceJson = {
    alert: {
      source: i.notification.source,
      name: alertName(alert),
      status: alert.status,
      fingerprint: alert.fingerprint,
      fingerprint_derived: alert.fingerprintDerived,
      starts_at: alert.startsAtText,
      labels: alert.labels,
      annotations: alert.annotations,
      generator_url: alert.generatorURL,
      values: alert.values,
      value_string: alert.valueString,
      receiver: i.notification.receiver,
      group_key: i.notification.groupKey,
      external_url: i.notification.externalURL,
      notification_version: i.notification.version,
      org_id: i.notification.orgId,
    },
    model: {
      name: modelName,
      version: modelVersion,
      version_source: fromLabel !== null ? 'alert_label' : fromMonitor !== null ? 'drift_monitor' : 'unknown',
      ...(fromLabel !== null && fromMonitor !== null && fromLabel !== fromMonitor ? { drift_monitor_version: fromMonitor } : {}),
    },
    range: {
      start: rangeStart,
      end: rangeEnd,
      source: chosen ? 'drift_monitor' : 'fallback',
      ...(chosen ? { window: chosen.name, offsets: chosen.window['offsets'] ?? null } : { fallback_ms_before_alert: i.fallbackRangeMs }),
    },
    drift_monitor: evidence.ok
      ? { status: 'ok', url: evidence.url, fetched_at: evidence.fetchedAt, report: evidence.report }
      : { status: 'unavailable', url: evidence.url, fetched_at: evidence.fetchedAt, error: evidence.error },
  };

  return {
    event_id: retrainEventId(alert.fingerprint, alert.startsAt, i.action),
    model_name: modelName,
    model_version: modelVersion,
    alert_name: alertName(alert),
    action: i.action,
    source: i.notification.source,
    fingerprint: alert.fingerprint,
    starts_at: alert.startsAt,
    range_start: rangeStart,
    range_end: rangeEnd,
    drifted_features: features,
    evidence_json: JSON.stringify(evidenceJson),
    created_at: i.now,
  };
}
