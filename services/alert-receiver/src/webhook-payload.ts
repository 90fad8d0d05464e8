import { createHash } from 'node:crypto';
import { ValidationError, type ValidationIssue } from '@riskstream/shared';

/**
 * The two webhook bodies, normalised. Both are Alertmanager's notification data (template.Data) plus
 * envelope fields:
 *  - Alertmanager webhook v4: version "4", groupKey, truncatedAlerts, status, receiver, groupLabels,
 *    commonLabels, commonAnnotations, externalURL, alerts[{status, labels, annotations, startsAt, endsAt,
 *    generatorURL, fingerprint}].
 *  - Grafana (webhook contact point, version "1"): the same plus orgId, title, state, message, and per
 *    alert values (refID -> number), valueString, silenceURL, dashboardURL, panelURL, imageURL.
 * Only what the receiver uses is checked strictly (status, labels, startsAt); the envelope is kept as
 * evidence. Every problem is reported at once, by JSON path.
 */

export type AlertSource = 'grafana' | 'alertmanager';
export const ALERT_SOURCES: readonly AlertSource[] = ['grafana', 'alertmanager'];

export interface ReceivedAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** epoch ms */
  readonly startsAt: number;
  /** As sent (RFC 3339, possibly with nanoseconds). */
  readonly startsAtText: string;
  readonly endsAtText: string | null;
  readonly generatorURL: string | null;
  readonly fingerprint: string;
  /** True when the sender gave none and it was derived from the labels. */
  readonly fingerprintDerived: boolean;
  /** Grafana only: the query and expression values that made the alert fire. */
  readonly values: Readonly<Record<string, unknown>> | null;
  readonly valueString: string | null;
}

export interface AlertNotification {
  readonly source: AlertSource;
  readonly version: string | null;
  readonly status: string | null;
  readonly receiver: string | null;
  readonly groupKey: string | null;
  readonly externalURL: string | null;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly truncatedAlerts: number;
  /** Grafana only. */
  readonly orgId: number | null;
  readonly title: string | null;
  readonly alerts: readonly ReceivedAlert[];
}

export const PAYLOAD_INVALID = 'PAYLOAD_INVALID';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  readonly issues: ValidationIssue[] = [];

  problem(path: string, problem: string): void {
    this.issues.push({ path, problem });
  }

  optionalString(o: Json, key: string, path: string): string | null {
    const v = o[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') {
      this.problem(`${path}.${key}`, 'must be a string');
      return null;
    }
    return v;
  }

  /** A map of string to string; absent means empty. */
  stringMap(o: Json, key: string, path: string, required = false): Record<string, string> {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.problem(`${path}.${key}`, 'is required');
      return {};
    }
    if (!isObject(v)) {
      this.problem(`${path}.${key}`, 'must be an object of strings');
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') this.problem(`${path}.${key}.${k}`, 'must be a string');
      else out[k] = val;
    }
    return out;
  }
}

/** Parses a decoded JSON body; throws ValidationError(PAYLOAD_INVALID) listing every problem. */
export function parseNotification(source: AlertSource, body: unknown): AlertNotification {
  const r = new Reader();
  if (!isObject(body)) throw new ValidationError(PAYLOAD_INVALID, [{ path: '$', problem: 'must be a JSON object (an Alertmanager or Grafana webhook notification)' }]);
  const alertsRaw = body['alerts'];
  const alerts: ReceivedAlert[] = [];
  if (!Array.isArray(alertsRaw)) r.problem('$.alerts', 'must be an array of alerts');
  else alertsRaw.forEach((a, i) => {
    const alert = parseAlert(r, a, `$.alerts[${i}]`);
    if (alert) alerts.push(alert);
  });
  const truncated = body['truncatedAlerts'];
  const orgId = body['orgId'];
  const n: AlertNotification = {
    source,
    version: versionOf(r, body),
    status: r.optionalString(body, 'status', '$'),
    receiver: r.optionalString(body, 'receiver', '$'),
    groupKey: r.optionalString(body, 'groupKey', '$'),
    externalURL: r.optionalString(body, 'externalURL', '$'),
    groupLabels: r.stringMap(body, 'groupLabels', '$'),
    commonLabels: r.stringMap(body, 'commonLabels', '$'),
    commonAnnotations: r.stringMap(body, 'commonAnnotations', '$'),
    truncatedAlerts: typeof truncated === 'number' && Number.isInteger(truncated) && truncated >= 0 ? truncated : 0,
    orgId: typeof orgId === 'number' ? orgId : null,
    title: source === 'grafana' ? r.optionalString(body, 'title', '$') : null,
    alerts,
  };
  if (r.issues.length > 0) throw new ValidationError(PAYLOAD_INVALID, r.issues);
  return n;
}

function versionOf(r: Reader, body: Json): string | null {
  const v = body['version'];
  if (typeof v === 'number') return String(v);
  return r.optionalString(body, 'version', '$');
}

function parseAlert(r: Reader, a: unknown, path: string): ReceivedAlert | undefined {
  if (!isObject(a)) {
    r.problem(path, 'must be an object');
    return undefined;
  }
  const before = r.issues.length;
  const status = a['status'];
  if (status !== 'firing' && status !== 'resolved') r.problem(`${path}.status`, 'must be "firing" or "resolved"');
  const labels = r.stringMap(a, 'labels', path, true);
  const annotations = r.stringMap(a, 'annotations', path);
  const startsAtText = r.optionalString(a, 'startsAt', path);
  let startsAt = Number.NaN;
  if (startsAtText === null) r.problem(`${path}.startsAt`, 'is required');
  else {
    startsAt = RFC3339.test(startsAtText) ? Date.parse(startsAtText) : Number.NaN;
    if (!Number.isFinite(startsAt) || startsAt <= 0) r.problem(`${path}.startsAt`, 'must be an RFC 3339 time after 1970');
  }
  const endsAtText = r.optionalString(a, 'endsAt', path);
  const generatorURL = r.optionalString(a, 'generatorURL', path);
  const fingerprintSent = r.optionalString(a, 'fingerprint', path);
  const valuesRaw = a['values'];
  if (valuesRaw !== undefined && valuesRaw !== null && !isObject(valuesRaw)) r.problem(`${path}.values`, 'must be an object');
  const valueString = r.optionalString(a, 'valueString', path);
  if (r.issues.length > before) return undefined;
  const fingerprint = fingerprintSent && fingerprintSent.trim() !== '' ? fingerprintSent : labelsFingerprint(labels);
  return {
    status: status as 'firing' | 'resolved',
    labels,
    annotations,
    startsAt,
    startsAtText: startsAtText!,
    endsAtText,
    generatorURL,
    fingerprint,
    fingerprintDerived: fingerprint !== fingerprintSent,
    values: isObject(valuesRaw) ? valuesRaw : null,
    valueString,
  };
}

/** A stable stand-in for senders without fingerprints: the same label set gives the same value. */
export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(k).update('\0').update(labels[k]!).update('\0');
  return h.digest('hex').slice(0, 16);
}
