/**
 * The drift monitor's evidence (GET <DRIFT_MONITOR_URL>/v1/drift, see the monitoring contract): model
 * name and version, per window the event-time range, the consumed offsets, the drifted features and
 * their statistics, and the performance estimates. A retrain request carries it so the trainer knows what
 * drifted and which data to train on.
 *
 * Fetching never throws: the drift monitor being down must not stop a retrain request, so a failure is
 * returned as a reason and the request is published with what the alert itself says.
 */

export type DriftWindowName = 'count' | 'time';
export const DRIFT_WINDOWS: readonly DriftWindowName[] = ['count', 'time'];

export interface DriftWindow {
  readonly events: number | null;
  /** epoch ms */
  readonly event_time_start: number | null;
  readonly event_time_end: number | null;
  readonly drifted_features: readonly string[];
  /** Everything else the monitor reports (offsets, per-feature statistics, score drift), kept as is. */
  readonly [key: string]: unknown;
}

export interface DriftReport {
  readonly model_name: string | null;
  readonly model_version: number | null;
  readonly previous_version: number | null;
  readonly windows: Partial<Record<DriftWindowName, DriftWindow>>;
  readonly [key: string]: unknown;
}

export type EvidenceResult =
  | { readonly ok: true; readonly report: DriftReport; readonly url: string; readonly fetchedAt: number }
  | { readonly ok: false; readonly error: string; readonly url: string; readonly fetchedAt: number };

export interface DriftEvidenceOptions {
  /** Base URL of the drift monitor, without a trailing slash. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly now: () => number;
  readonly fetch?: typeof fetch;
}

export type DriftEvidenceSource = () => Promise<EvidenceResult>;

export function driftEvidenceSource(o: DriftEvidenceOptions): DriftEvidenceSource {
  const url = `${o.baseUrl}/v1/drift`;
  const doFetch = o.fetch ?? fetch;
  return async () => {
    const fetchedAt = o.now();
    const signal = AbortSignal.timeout(o.timeoutMs);
    try {
      const res = await doFetch(url, { signal, headers: { accept: 'application/json' } });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        return { ok: false, error: `GET /v1/drift answered ${res.status}`, url, fetchedAt };
      }
      const text = await readLimited(res, o.maxBytes);
      if (text === undefined) return { ok: false, error: `GET /v1/drift answer exceeds ${o.maxBytes} bytes`, url, fetchedAt };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { ok: false, error: 'GET /v1/drift answer is not JSON', url, fetchedAt };
      }
      const report = parseDriftReport(parsed);
      if (typeof report === 'string') return { ok: false, error: `GET /v1/drift answer: ${report}`, url, fetchedAt };
      return { ok: true, report, url, fetchedAt };
    } catch (err) {
      const e = err as Error;
      const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${o.timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message;
      return { ok: false, error: `GET /v1/drift failed: ${reason}`, url, fetchedAt };
    }
  };
}

async function readLimited(res: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The report, or a reason why it is unusable. Lenient beyond what the receiver reads. */
export function parseDriftReport(v: unknown): DriftReport | string {
  if (!isObject(v)) return 'not a JSON object';
  if (!isObject(v['windows'])) return 'windows is missing';
  const windows: Partial<Record<DriftWindowName, DriftWindow>> = {};
  for (const name of DRIFT_WINDOWS) {
    const w = (v['windows'] as Record<string, unknown>)[name];
    if (w === undefined || w === null) continue;
    if (!isObject(w)) return `windows.${name} is not an object`;
    const drifted = Array.isArray(w['drifted_features']) ? w['drifted_features'].filter((f): f is string => typeof f === 'string') : [];
    windows[name] = {
      ...w,
      events: numberOrNull(w['events']),
      event_time_start: numberOrNull(w['event_time_start']),
      event_time_end: numberOrNull(w['event_time_end']),
      drifted_features: drifted,
    };
  }
  const version = numberOrNull(v['model_version']);
  return {
    ...v,
    model_name: typeof v['model_name'] === 'string' && v['model_name'] !== '' ? v['model_name'] : null,
    model_version: version !== null && Number.isInteger(version) ? version : null,
    previous_version: numberOrNull(v['previous_version']),
    windows,
  };
}
