/**
 * Decides which models serve: the champion (and challenger) found in the model source at start, then
 * whatever models.lifecycle.v1 announces. Every candidate is loaded and validated BESIDE the models in
 * service (loadScoringModel); only a model that passed is installed, in one swap (serving-models.ts). A
 * refused model is counted and logged, the event is otherwise ignored, and the old model keeps serving.
 *
 * Loads run one at a time (a promise chain): the start-up poll and a lifecycle event arriving at the same
 * moment must not race each other into installing an older version last.
 *
 * The registry aliases are the truth and lifecycle events the fast path: `reconcile` (run periodically)
 * catches up with a promotion whose announcement was lost (Kafka down when it was published, an instance
 * restarting). A version refused once is not retried by the poll or the reconciliation (versions are
 * immutable, so it would fail again); only an explicit lifecycle event retries it.
 */
import { DependencyError, toAppError, type Logger } from '@riskstream/shared';
import { modelRejectionReason, type ModelSource } from '@riskstream/shared/model';
import { loadScoringModel, type ScoringModel } from './scoring-model.ts';
import type { ScoringMetrics } from './scoring-metrics.ts';
import type { ServingModels, ServingSet } from './serving-models.ts';

/** models.lifecycle.v1 (schemas/model-lifecycle.avsc). */
export interface LifecycleEvent {
  readonly event_id: string;
  readonly model_name: string;
  readonly action: 'REGISTERED' | 'PROMOTED' | 'REJECTED' | 'ROLLED_BACK' | 'SHADOW_STARTED';
  readonly version: number;
  readonly previous_version: number | null;
  readonly onnx_sha256: string;
  readonly artifact_uri: string;
  readonly reasons: readonly string[];
  readonly at: number;
}

export type LifecycleOutcome = 'loaded' | 'refused' | 'unchanged' | 'ignored';

export interface ModelManagerOptions {
  readonly source: ModelSource;
  readonly name: string;
  readonly serving: ServingModels;
  readonly metrics: ScoringMetrics;
  readonly logger: Logger;
  readonly intraOpNumThreads?: number;
}

export class ModelManager {
  readonly #o: ModelManagerOptions;
  readonly #log: Logger;
  #queue: Promise<unknown> = Promise.resolve();
  #announcedWaiting = false;
  #closed = false;
  /** Versions refused by a load attempt; skipped by loadInitial and reconcile. */
  readonly #refused = new Set<number>();

  constructor(options: ModelManagerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'model-manager', model: options.name, source: options.source.location });
  }

  /** Loads the champion (and challenger) aliases if nothing serves yet; true once a champion serves. */
  loadInitial(): Promise<boolean> {
    return this.#serialized(async () => {
      if (this.#o.serving.current()) return true;
      let version: number | undefined;
      try {
        version = await this.#o.source.resolve(this.#o.name, 'champion');
      } catch (err) {
        const e = toAppError(err);
        this.#log.warn({ err: e, code: e.code }, 'cannot read the champion alias; will retry');
        return false;
      }
      if (version === undefined) {
        if (!this.#announcedWaiting) this.#log.warn('no champion registered yet; not consuming until one is promoted');
        this.#announcedWaiting = true;
        return false;
      }
      if (this.#refused.has(version)) return false;
      let champion: ScoringModel | undefined;
      try {
        champion = await this.#tryLoad(version, 'champion');
      } catch (err) {
        const e = toAppError(err);
        this.#log.warn({ err: e, code: e.code, version }, 'cannot fetch the champion; will retry');
        return false;
      }
      if (!champion) return false;
      const challenger = await this.#loadChallengerAlias(champion.version);
      this.#install(challenger ? { champion, challenger } : { champion }, 'start-up');
      return true;
    });
  }

  /** Applies one lifecycle event. Retriable source failures (model server down) are thrown for retry. */
  handleLifecycle(event: LifecycleEvent): Promise<LifecycleOutcome> {
    if (event.model_name !== this.#o.name) return Promise.resolve('ignored');
    this.#o.metrics.lifecycleEvents.inc({ action: event.action });
    return this.#serialized(async () => {
      const current = this.#o.serving.current();
      const log = this.#log.child({ eventId: event.event_id, action: event.action, version: event.version });
      if (event.action === 'PROMOTED' || event.action === 'ROLLED_BACK') {
        if (current?.champion.version === event.version) {
          log.info('lifecycle event names the champion already serving');
          return 'unchanged';
        }
        const champion = await this.#tryLoad(event.version, 'champion', event.onnx_sha256);
        if (!champion) return 'refused';
        // A promoted challenger stops shadowing itself; any other challenger keeps running.
        const kept = current?.challenger && current.challenger.version !== champion.version ? current.challenger : undefined;
        this.#install(kept ? { champion, challenger: kept } : { champion }, `${event.action} v${event.version}`);
        await this.#refreshChallenger();
        return 'loaded';
      }
      if (event.action === 'SHADOW_STARTED') {
        if (!current) return 'ignored';
        if (current.challenger?.version === event.version) return 'unchanged';
        const challenger = await this.#tryLoad(event.version, 'challenger', event.onnx_sha256);
        if (!challenger) return 'refused';
        this.#install({ champion: this.#o.serving.current()!.champion, challenger }, `shadow v${event.version}`);
        return 'loaded';
      }
      return 'ignored';
    });
  }

  /** Brings the serving set in line with the registry aliases; no-op until a champion serves. */
  reconcile(): Promise<void> {
    return this.#serialized(async () => {
      const current = this.#o.serving.current();
      if (!current) return;
      let version: number | undefined;
      try {
        version = await this.#o.source.resolve(this.#o.name, 'champion');
      } catch (err) {
        const e = toAppError(err);
        this.#log.warn({ err: e, code: e.code }, 'cannot read the champion alias during reconciliation');
        return;
      }
      if (version !== undefined && version !== current.champion.version && !this.#refused.has(version)) {
        this.#log.warn({ registry: version, serving: current.champion.version }, 'the registry champion is not the one serving (missed lifecycle event?); catching up');
        let champion: ScoringModel | undefined;
        try {
          champion = await this.#tryLoad(version, 'champion');
        } catch (err) {
          const e = toAppError(err);
          this.#log.warn({ err: e, code: e.code, version }, 'cannot fetch the registry champion; will retry');
          return;
        }
        if (champion) {
          const latest = this.#o.serving.current()!;
          const kept = latest.challenger && latest.challenger.version !== champion.version ? latest.challenger : undefined;
          this.#install(kept ? { champion, challenger: kept } : { champion }, `reconciled to v${version}`);
        }
      }
      await this.#refreshChallenger();
    });
  }

  /** Waits for the load in progress; nothing is installed afterwards. Call before releasing the sessions. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** undefined when refused (counted and logged); DependencyError is thrown so the caller can retry. */
  async #tryLoad(version: number, role: 'champion' | 'challenger', expectedSha256?: string): Promise<ScoringModel | undefined> {
    const started = performance.now();
    try {
      const fetched = await this.#o.source.fetch(this.#o.name, version);
      const model = await loadScoringModel(fetched, {
        ...(this.#o.intraOpNumThreads !== undefined ? { intraOpNumThreads: this.#o.intraOpNumThreads } : {}),
        ...(expectedSha256 !== undefined ? { expectedSha256 } : {}),
      });
      this.#o.metrics.modelLoads.inc({ outcome: 'loaded' });
      this.#refused.delete(version);
      this.#log.info({ version, role, ms: Math.round(performance.now() - started) }, 'model loaded and validated');
      return model;
    } catch (err) {
      const e = toAppError(err);
      if (e instanceof DependencyError) throw e;
      const reason = modelRejectionReason(e);
      this.#o.metrics.modelLoads.inc({ outcome: 'refused' });
      this.#o.metrics.modelRejections.inc({ reason });
      this.#refused.add(version);
      this.#log.error({ err: e, code: e.code, reason, version, role }, 'model refused; the current model keeps serving');
      return undefined;
    }
  }

  async #loadChallengerAlias(championVersion: number): Promise<ScoringModel | undefined> {
    try {
      const version = await this.#o.source.resolve(this.#o.name, 'challenger');
      if (version === undefined || version === championVersion || this.#refused.has(version)) return undefined;
      return await this.#tryLoad(version, 'challenger');
    } catch (err) {
      const e = toAppError(err);
      this.#log.warn({ err: e, code: e.code }, 'cannot load the challenger; scoring without shadow');
      return undefined;
    }
  }

  /** After a champion change the challenger alias may have moved (cleared by a promotion, for one). */
  async #refreshChallenger(): Promise<void> {
    const current = this.#o.serving.current();
    if (!current) return;
    let version: number | undefined;
    try {
      version = await this.#o.source.resolve(this.#o.name, 'challenger');
    } catch (err) {
      const e = toAppError(err);
      this.#log.warn({ err: e, code: e.code }, 'cannot read the challenger alias; keeping the current shadow');
      return;
    }
    if (version === current.challenger?.version || (version !== undefined && this.#refused.has(version))) return;
    if (version === undefined || version === current.champion.version) {
      if (current.challenger) this.#install({ champion: current.champion }, 'challenger cleared');
      return;
    }
    const challenger = await this.#loadChallengerAlias(current.champion.version);
    const latest = this.#o.serving.current()!;
    if (challenger) this.#install({ champion: latest.champion, challenger }, `challenger v${challenger.version}`);
  }

  #install(next: ServingSet, why: string): void {
    if (this.#closed) {
      // Shutting down: a model that finished loading now must not outlive the service.
      const current = new Set([this.#o.serving.current()?.champion, this.#o.serving.current()?.challenger]);
      for (const m of [next.champion, next.challenger]) if (m && !current.has(m)) void m.release().catch(() => undefined);
      return;
    }
    const previous = this.#o.serving.current();
    this.#o.serving.install(next);
    this.#log.info(
      { why, champion: next.champion.version, challenger: next.challenger?.version ?? null, previous: previous?.champion.version ?? null },
      'serving models switched',
    );
  }
}
