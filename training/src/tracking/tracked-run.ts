/**
 * One training run as the tracking store keeps it: what was asked (parameters, every default included),
 * on what (data), what came out (metrics, artifacts) and what became of it (outcome). Every
 * `riskstream train`, every sweep trial, every algorithm-selection trial and every trainer-worker
 * challenger is one run; a sweep is a run too, the parent of its trials.
 *
 * Parameters and metrics are flat maps with dotted keys (`gbdt.learningRate`, `ap`), so a filter or a
 * comparison table addresses them with one name.
 */
import { randomBytes } from 'node:crypto';
import type { JsonValue } from '@riskstream/shared/model';

export const RUN_KINDS = ['train', 'retrain', 'sweep', 'trial', 'algorithm'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export type RunStatus = 'running' | 'finished' | 'failed';

/** What became of the model: registered (and promoted or not), or never registered. */
export type RunOutcomeStatus = 'promoted' | 'registered' | 'rejected' | 'not-registered' | 'failed';

export interface RunOutcome {
  readonly status: RunOutcomeStatus;
  readonly version?: number;
  readonly reasons: readonly string[];
}

export interface RunData {
  readonly source: JsonValue;
  readonly rows: number;
  readonly trainRows?: number;
  readonly testRows?: number;
  readonly hash?: string;
  /** ISO times of the first and last event, when the data has event times. */
  readonly timeRange?: { readonly from: string; readonly to: string };
}

export interface TrackedRun {
  readonly id: string;
  readonly parentId?: string;
  readonly model: string;
  readonly kind: RunKind;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly params: Readonly<Record<string, JsonValue>>;
  readonly data?: RunData;
  readonly metrics: Readonly<Record<string, number>>;
  /** Artifact name -> absolute path (report.html, model.onnx, metrics.json, manifest.json). */
  readonly artifacts: Readonly<Record<string, string>>;
  readonly outcome?: RunOutcome;
  /** Git commit of the code that trained, with `-dirty` when the tree had changes. */
  readonly codeVersion?: string;
  readonly error?: string;
}

export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

/** Nested objects become dotted keys: { gbdt: { maxLeaves: 8 } } -> { 'gbdt.maxLeaves': 8 }. Arrays stay values. */
export function flattenParams(value: Readonly<Record<string, unknown>>, prefix = ''): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) Object.assign(out, flattenParams(v as Record<string, unknown>, key));
    else out[key] = toJson(v);
  }
  return out;
}

function toJson(v: unknown): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (Array.isArray(v)) return v.map(toJson);
  return String(v);
}
