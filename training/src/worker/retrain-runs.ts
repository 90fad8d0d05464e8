/**
 * The trainer worker's retrains as tracked runs (kind `retrain`), so they sit in `riskstream runs list`
 * and the web UI beside the runs of `riskstream train`. One run per retrain request: its id comes from
 * the event id, so a redelivered request updates its run instead of adding one. The run is saved when
 * the challenger is registered and again when the request concludes (promoted after its shadow period,
 * rejected, or failed). Tracking is a record, not part of the decision: a failure to save is logged and
 * the retrain goes on.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Logger, RetrainRequested } from '@riskstream/shared';
import type { GateSettings } from '../pipeline/train-model.ts';
import type { RunStore } from '../tracking/run-store.ts';
import { codeVersionField } from '../tracking/code-version.ts';
import { finiteMetrics, headlineMetrics } from '../tracking/tracked-training.ts';
import { flattenParams, type RunData, type RunOutcomeStatus, type TrackedRun } from '../tracking/tracked-run.ts';
import type { ChallengerJobResult } from './challenger-job.ts';
import type { RunOutcome } from './run-journal.ts';

export interface RetrainTrained {
  readonly event: RetrainRequested;
  readonly result: ChallengerJobResult;
  readonly version: number;
  readonly startedAt: string;
  readonly data: RunData;
  readonly settings: { readonly seed: number; readonly searchTrials: number; readonly gate: GateSettings };
}

/** What a registered version's directory holds. */
const REGISTERED_ARTIFACTS = ['report.html', 'model.onnx', 'manifest.json'] as const;

const CONCLUSIONS: Partial<Record<RunOutcome, RunOutcomeStatus>> = {
  promoted: 'promoted',
  rejected: 'rejected',
  failed: 'failed',
  insufficient_data: 'failed',
};

export class RetrainRuns {
  readonly #store: RunStore | undefined;
  readonly #log: Logger;

  constructor(store: RunStore | undefined, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  static runId(eventId: string): string {
    return createHash('sha256').update(`retrain:${eventId}`).digest('hex').slice(0, 12);
  }

  /** The challenger is registered: its parameters, data, metrics and artifacts. */
  async trained(t: RetrainTrained, registryDir: string): Promise<void> {
    const { result, event } = t;
    const metrics = result.manifest.metrics as Record<string, unknown>;
    const validation = (metrics['validation'] ?? {}) as Record<string, number>;
    const versionDir = join(registryDir, event.model_name, String(t.version));
    await this.#save({
      id: RetrainRuns.runId(event.event_id),
      model: event.model_name,
      kind: 'retrain',
      status: 'finished',
      startedAt: t.startedAt,
      endedAt: new Date().toISOString(),
      params: flattenParams({ ...t.settings, algorithm: (result.manifest.trainingConfig as { algorithm?: string }).algorithm ?? 'gbdt', retrain: { event_id: event.event_id, alert: event.alert_name, requested_version: event.model_version } }),
      data: { ...t.data, hash: result.manifest.dataHash },
      metrics: runMetrics(result, validation),
      artifacts: Object.fromEntries(REGISTERED_ARTIFACTS.map((f) => [f, join(versionDir, f)])),
      outcome: { status: result.gate.promote ? 'registered' : 'rejected', version: t.version, reasons: [...result.reasons] },
      ...codeVersionField(),
    });
  }

  /** The request concluded: promoted, rejected or failed (with or without a registered challenger). */
  async concluded(event: Pick<RetrainRequested, 'event_id' | 'model_name' | 'alert_name'>, outcome: RunOutcome, reasons: readonly string[], version: number | undefined): Promise<void> {
    const status = CONCLUSIONS[outcome];
    if (!this.#store || !status) return;
    const id = RetrainRuns.runId(event.event_id);
    const now = new Date().toISOString();
    const existing = await this.#store.get(id).catch(() => undefined);
    const base: TrackedRun = existing ?? { id, model: event.model_name, kind: 'retrain', status: 'finished', startedAt: now, params: flattenParams({ retrain: { event_id: event.event_id, alert: event.alert_name } }), metrics: {}, artifacts: {} };
    await this.#save({
      ...base,
      status: status === 'failed' ? 'failed' : 'finished',
      endedAt: base.endedAt ?? now,
      outcome: { status, ...(version !== undefined ? { version } : {}), reasons: [...reasons] },
      ...(status === 'failed' && reasons[0] ? { error: reasons[0] } : {}),
    });
  }

  async #save(run: TrackedRun): Promise<void> {
    if (!this.#store) return;
    try {
      await this.#store.save(run);
    } catch (err) {
      this.#log.warn({ err, runId: run.id }, 'could not record the retrain run; the retrain goes on');
    }
  }
}

function runMetrics(result: ChallengerJobResult, validation: Record<string, number>): Record<string, number> {
  return finiteMetrics({
    ...headlineMetrics('', result.challenger),
    valid_ap: validation['average_precision'],
    valid_auc: validation['roc_auc'],
    ...(result.champion ? headlineMetrics('champion_', result.champion) : {}),
    train_seconds: result.trainSeconds,
  });
}
