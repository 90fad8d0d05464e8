/**
 * Experiments for the UI: every model's running experiment from the registry (arms, weights), with the
 * drift monitor's live statistics when it answers and the reason when it does not.
 */
import type { ExperimentStatus } from '@riskstream/drift-monitor';
import type { ExperimentSpec } from '@riskstream/shared/model';
import type { ModelRegistry } from '@riskstream/training';

export interface ExperimentView {
  readonly model: string;
  readonly spec: ExperimentSpec;
  readonly live: ExperimentStatus | null;
  readonly liveError: string | null;
}

const LIVE_TIMEOUT_MS = 3000;

export async function listExperiments(registry: ModelRegistry, driftMonitorUrl: string): Promise<ExperimentView[]> {
  const running: { model: string; spec: ExperimentSpec }[] = [];
  for (const model of await registry.models()) {
    const spec = (await registry.aliases(model)).experiment;
    if (spec) running.push({ model, spec });
  }
  return Promise.all(running.map(async ({ model, spec }) => ({ model, spec, ...(await liveStatistics(driftMonitorUrl, spec.name)) })));
}

/** GET <drift monitor>/v1/experiments/<name>; what went wrong otherwise, in words. */
export async function liveStatistics(driftMonitorUrl: string, name: string): Promise<{ live: ExperimentStatus | null; liveError: string | null }> {
  const url = `${driftMonitorUrl.replace(/\/+$/, '')}/v1/experiments/${encodeURIComponent(name)}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(LIVE_TIMEOUT_MS) });
    if (res.status === 404) return { live: null, liveError: `the drift monitor has no statistics for ${name} yet (${url})` };
    if (!res.ok) return { live: null, liveError: `the drift monitor answered ${res.status} (${url})` };
    return { live: (await res.json()) as ExperimentStatus, liveError: null };
  } catch (err) {
    return { live: null, liveError: `the drift monitor is not reachable at ${url} (${(err as Error).message})` };
  }
}
