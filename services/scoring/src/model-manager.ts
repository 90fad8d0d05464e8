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
import { DependencyError, ModelError, toAppError, type Logger, type ModelLifecycleEvent } from '@riskstream/shared';
import { experimentFromRecord, modelRejectionReason, type ExperimentSpec, type ModelSource } from '@riskstream/shared/model';
import { loadScoringModel, type ScoringModel } from './scoring-model.ts';
import type { ScoringMetrics } from './scoring-metrics.ts';
import { members, type ServingExperiment, type ServingModels, type ServingSet } from './serving-models.ts';

/** models.lifecycle.v1 (schemas/model-lifecycle.avsc). */
export type LifecycleEvent = ModelLifecycleEvent;

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
      const set: ServingSet = challenger ? { champion, challenger } : { champion };
      const experiment = await this.#registryExperiment(set);
      this.#install(experiment ? { ...set, experiment } : set, 'start-up');
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
        // A promoted challenger stops shadowing itself; any other challenger keeps running, as does an experiment.
        const kept = current?.challenger && current.challenger.version !== champion.version ? current.challenger : undefined;
        this.#install(withParts(champion, kept, current?.experiment), `${event.action} v${event.version}`);
        await this.#refreshChallenger();
        return 'loaded';
      }
      if (event.action === 'EXPERIMENT_STARTED' || event.action === 'ARM_WEIGHTS' || event.action === 'EXPERIMENT_STOPPED') {
        return this.#applyExperimentEvent(event, log);
      }
      if (event.action === 'SHADOW_STARTED') {
        if (!current) return 'ignored';
        if (current.challenger?.version === event.version) return 'unchanged';
        const challenger = await this.#tryLoad(event.version, 'challenger', event.onnx_sha256);
        if (!challenger) return 'refused';
        const latest = this.#o.serving.current()!;
        this.#install(withParts(latest.champion, challenger, latest.experiment), `shadow v${event.version}`);
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
          this.#install(withParts(champion, kept, latest.experiment), `reconciled to v${version}`);
        }
      }
      await this.#refreshChallenger();
      await this.#reconcileExperiment();
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
  async #tryLoad(version: number, role: 'champion' | 'challenger' | 'experiment arm', expectedSha256?: string): Promise<ScoringModel | undefined> {
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
      if (current.challenger) this.#install(withParts(current.champion, undefined, current.experiment), 'challenger cleared');
      return;
    }
    const challenger = await this.#loadChallengerAlias(current.champion.version);
    const latest = this.#o.serving.current()!;
    if (challenger) this.#install(withParts(latest.champion, challenger, latest.experiment), `challenger v${challenger.version}`);
  }

  /** EXPERIMENT_STARTED / ARM_WEIGHTS install the event's experiment (loading arms not serving yet); STOPPED ends it. */
  async #applyExperimentEvent(event: LifecycleEvent, log: Logger): Promise<LifecycleOutcome> {
    const current = this.#o.serving.current();
    if (!current) return 'ignored';
    if (event.action === 'EXPERIMENT_STOPPED') {
      if (!current.experiment) return 'unchanged';
      this.#install(withParts(current.champion, current.challenger, undefined), `experiment ${current.experiment.spec.name} stopped`);
      return 'loaded';
    }
    let spec: ExperimentSpec;
    try {
      if (!event.experiment) throw new ModelError(event.model_name, `${event.action} carries no experiment`);
      spec = experimentFromRecord(event.model_name, event.experiment);
    } catch (err) {
      log.error({ err: toAppError(err) }, 'invalid experiment in a lifecycle event; serving unchanged');
      return 'refused';
    }
    if (current.experiment && sameExperiment(current.experiment.spec, spec)) return 'unchanged';
    const experiment = await this.#loadExperiment(spec, current);
    if (!experiment) return 'refused';
    const latest = this.#o.serving.current()!;
    this.#install(withParts(latest.champion, latest.challenger, experiment), `${event.action} ${spec.name}`);
    return 'loaded';
  }

  /** The experiment the registry records, with its arms loaded; undefined when none runs or an arm is refused. */
  async #registryExperiment(set: ServingSet): Promise<ServingExperiment | undefined> {
    let spec: ExperimentSpec | undefined;
    try {
      spec = (await this.#o.source.aliases(this.#o.name)).experiment;
    } catch (err) {
      const e = toAppError(err);
      this.#log.warn({ err: e, code: e.code }, 'cannot read the registry\'s experiment; serving without one for now');
      return set.experiment;
    }
    if (!spec) return undefined;
    if (set.experiment && sameExperiment(set.experiment.spec, spec)) return set.experiment;
    // A bandit's weights move on models.lifecycle.v1 (ARM_WEIGHTS from the drift monitor); the registry
    // keeps the weights it started with, so for the same bandit experiment the serving weights stand.
    if (set.experiment && spec.mode === 'bandit' && sameExperiment(set.experiment.spec, { ...spec, weights: set.experiment.spec.weights })) return set.experiment;
    return this.#loadExperiment(spec, set);
  }

  /** Catches up with an experiment started, reweighted or stopped while its announcement was missed. */
  async #reconcileExperiment(): Promise<void> {
    const current = this.#o.serving.current();
    if (!current) return;
    const experiment = await this.#registryExperiment(current);
    if (experiment === current.experiment) return;
    const latest = this.#o.serving.current()!;
    this.#install(withParts(latest.champion, latest.challenger, experiment), experiment ? `reconciled to experiment ${experiment.spec.name}` : 'reconciled: no experiment');
  }

  /** Loads each arm, reusing a model that already serves that version; undefined when an arm is refused. */
  async #loadExperiment(spec: ExperimentSpec, set: ServingSet): Promise<ServingExperiment | undefined> {
    const serving = new Map(members(set).map((m) => [m.version, m]));
    const models: ScoringModel[] = [];
    for (const { version } of spec.arms) {
      const model = serving.get(version) ?? (this.#refused.has(version) ? undefined : await this.#tryLoad(version, 'experiment arm'));
      if (!model) {
        this.#log.error({ experiment: spec.name, version }, 'an experiment arm cannot be served; the experiment does not run here');
        for (const m of models) if (!serving.has(m.version)) void m.release().catch(() => undefined);
        return undefined;
      }
      models.push(model);
    }
    return { spec, models };
  }

  #install(next: ServingSet, why: string): void {
    if (this.#closed) {
      // Shutting down: a model that finished loading now must not outlive the service.
      const serving = this.#o.serving.current();
      const current = new Set(serving ? members(serving) : []);
      for (const m of members(next)) if (!current.has(m)) void m.release().catch(() => undefined);
      return;
    }
    const previous = this.#o.serving.current();
    this.#o.serving.install(next);
    this.#log.info(
      {
        why,
        champion: next.champion.version,
        challenger: next.challenger?.version ?? null,
        experiment: next.experiment ? { name: next.experiment.spec.name, arms: next.experiment.spec.arms, weights: next.experiment.spec.weights } : null,
        previous: previous?.champion.version ?? null,
      },
      'serving models switched',
    );
  }
}

function withParts(champion: ScoringModel, challenger: ScoringModel | undefined, experiment: ServingExperiment | undefined): ServingSet {
  return { champion, ...(challenger ? { challenger } : {}), ...(experiment ? { experiment } : {}) };
}

/** Same experiment, arms and weights: nothing to install. */
function sameExperiment(a: ExperimentSpec, b: ExperimentSpec): boolean {
  return a.name === b.name && a.startedAt === b.startedAt
    && a.arms.length === b.arms.length && a.arms.every((arm, i) => arm.version === b.arms[i]!.version && arm.arm === b.arms[i]!.arm)
    && a.weights.every((w, i) => w === b.weights[i]);
}
