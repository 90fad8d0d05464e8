/**
 * Tracked runs for the UI: the list (filter language and sort of run-filter.ts), one run, a comparison
 * table, and the one way to reach a run's file: by artifact name, looked up in what the run recorded.
 */
import { UsageError } from '@riskstream/shared';
import { compareRuns, type RunComparison, type RunStore, type TrackedRun } from '@riskstream/training';

/** A run as the browser sees it: artifacts by name and UI link, never a filesystem path. */
export interface RunView extends Omit<TrackedRun, 'artifacts'> {
  readonly artifacts: readonly { readonly name: string; readonly url: string }[];
}

/** The comparison of `riskstream runs compare` (a value is absent, null in JSON, where a run lacks the key). */
export interface UiRunComparison {
  readonly runs: readonly RunView[];
  readonly params: RunComparison['params'];
  readonly metrics: RunComparison['metrics'];
}

export const MAX_LISTED_RUNS = 500;
export const MAX_COMPARED_RUNS = 12;

export function runView(run: TrackedRun): RunView {
  const { artifacts, ...rest } = run;
  return {
    ...rest,
    artifacts: Object.keys(artifacts).sort().map((name) => ({ name, url: artifactUrl(run.id, name) })),
  };
}

export function artifactUrl(runId: string, name: string): string {
  return `/runs/${encodeURIComponent(runId)}/artifacts/${encodeURIComponent(name)}`;
}

export async function listRuns(store: RunStore, query: URLSearchParams): Promise<RunView[]> {
  const filter = query.get('filter')?.trim();
  const sort = query.get('sort')?.trim();
  const runs = await store.list({
    ...(filter ? { filter } : {}),
    ...(sort ? { sort } : {}),
    limit: limitOf(query.get('limit')),
  });
  return runs.map(runView);
}

function limitOf(raw: string | null): number {
  if (raw === null || raw === '') return MAX_LISTED_RUNS;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`limit must be a positive integer, got ${JSON.stringify(raw)}`);
  return Math.min(Number(raw), MAX_LISTED_RUNS);
}

export async function compareRunsOf(store: RunStore, idsParam: string | null): Promise<UiRunComparison> {
  const ids = (idsParam ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length < 2) throw new UsageError('compare needs at least two run ids: ?ids=a,b');
  if (ids.length > MAX_COMPARED_RUNS) throw new UsageError(`compare takes at most ${MAX_COMPARED_RUNS} runs, got ${ids.length}`);
  const runs = await Promise.all(ids.map((id) => store.get(id)));
  const { params, metrics } = compareRuns(runs);
  return { runs: runs.map(runView), params, metrics };
}

/** The recorded path of a run's artifact (undefined when the run recorded no such name); NotFoundError for an unknown run. */
export async function artifactPath(store: RunStore, runId: string, name: string): Promise<string | undefined> {
  const run = await store.get(runId);
  return Object.hasOwn(run.artifacts, name) ? run.artifacts[name] : undefined;
}
