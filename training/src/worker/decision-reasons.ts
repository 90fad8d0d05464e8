/**
 * The sentences a lifecycle event carries. They end up in Slack, the alert receiver's log and the
 * registry history, read by people deciding whether to step in, so each one states the numbers and the
 * rule they were held against ("AUC 0.8100 vs champion v3 0.8200: delta -0.0100, 95% CI [-0.0200, 0.0100]
 * does not clear margin 0.005"), not a code.
 */
import type { GateSettings } from '../pipeline/train-model.ts';
import type { GateResult } from '../registry/promotion-gate.ts';

const METRIC_LABELS: Record<GateResult['metric'], string> = { roc_auc: 'AUC', average_precision: 'AP', value: 'value' };

/** Metric values to 4 decimals; value (currency) to cents with its currency. */
function formatter(gate: GateResult): (v: number, signed?: boolean) => string {
  return (v, signed = false) => {
    if (!Number.isFinite(v)) return 'n/a';
    const s = gate.currency ? `${v.toFixed(2)} ${gate.currency}` : v.toFixed(4);
    return signed && v >= 0 ? `+${s}` : s;
  };
}

/** One line summarising the gate: both metrics, the delta, its interval and the margin it had to clear. */
export function gateHeadline(gate: GateResult, settings: GateSettings, championVersion: number | undefined): string {
  const label = METRIC_LABELS[gate.metric];
  const fmt = formatter(gate);
  if (!Number.isFinite(gate.challenger)) return `${label}: the challenger could not be evaluated (${gate.reasons.join('; ')})`;
  const against = gate.hasChampion ? `champion${championVersion !== undefined ? ` v${championVersion}` : ''}` : gate.metric === 'value' ? 'approve-everything baseline' : 'no-skill baseline';
  const margin = gate.hasChampion ? settings.margin : 0;
  const pct = `${Math.round(settings.confidence * 100)}%`;
  const verdict = gate.promote ? 'clears' : 'does not clear';
  return `${label} ${fmt(gate.challenger)} vs ${against} ${fmt(gate.champion)}: delta ${fmt(gate.delta, true)}, ${pct} CI [${fmt(gate.ci[0])}, ${fmt(gate.ci[1])}] ${verdict} margin ${margin}`;
}

/** Headline first, then the gate's own checks (which say which rule failed). */
export function gateReasons(gate: GateResult, settings: GateSettings, championVersion: number | undefined): string[] {
  return [gateHeadline(gate, settings, championVersion), ...gate.reasons];
}

export function trainingFailedReason(code: string, message: string): string {
  return `training failed (${code}): ${message}`;
}

/** The request fields a rollback's reasons quote. */
export interface RollbackRequestFacts {
  readonly alert_name: string;
  readonly source: string;
  readonly fingerprint: string;
  readonly range_start: number;
  readonly range_end: number;
  readonly drifted_features: readonly string[];
  readonly evidence_json: string;
}

const MAX_QUOTE = 300;

function clip(s: string): string {
  return s.length <= MAX_QUOTE ? s : `${s.slice(0, MAX_QUOTE - 1)}…`;
}

/**
 * Why the champion was rolled back, from the request: who asked (alert, source), what the alert said
 * (summary, value), over which event-time range, and which features drifted. The full evidence stays in
 * the request on models.retrain.v1; the reasons quote only what a person needs at a glance.
 */
export function rollbackReasons(r: RollbackRequestFacts, from: number, to: number): string[] {
  const reasons = [`alert ${r.alert_name} (${r.source}, fingerprint ${r.fingerprint}) requested a rollback: v${from} -> v${to}`];
  const evidence = parseEvidence(r.evidence_json);
  const summary = evidence?.alert?.annotations?.['summary'] ?? evidence?.alert?.annotations?.['description'];
  if (typeof summary === 'string' && summary.trim() !== '') reasons.push(`alert summary: ${clip(summary.trim())}`);
  const value = evidence?.alert?.value_string ?? (evidence?.alert?.values ? JSON.stringify(evidence.alert.values) : undefined);
  if (typeof value === 'string' && value.trim() !== '' && value !== 'null') reasons.push(`alert value: ${clip(value.trim())}`);
  if (r.range_start > 0 && r.range_end > r.range_start) {
    reasons.push(`evidence range [${new Date(r.range_start).toISOString()}, ${new Date(r.range_end).toISOString()})`);
  }
  if (r.drifted_features.length > 0) reasons.push(`drifted features: ${clip(r.drifted_features.join(', '))}`);
  if (!evidence && r.evidence_json.trim() !== '') reasons.push(`evidence: ${clip(r.evidence_json.trim())}`);
  return reasons;
}

interface EvidenceShape {
  readonly alert?: { readonly annotations?: Record<string, unknown>; readonly value_string?: unknown; readonly values?: unknown };
}

function parseEvidence(json: string): EvidenceShape | undefined {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as EvidenceShape) : undefined;
  } catch {
    return undefined;
  }
}
