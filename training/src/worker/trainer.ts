/**
 * What the trainer worker does with one models.retrain.v1 request.
 *
 * RETRAIN: build a point-in-time training set from the offline store (offline-training-set.ts), train a
 * challenger and compare it with the champion on the same holdout (challenger-job.ts, in a worker thread),
 * register it (parentVersion = champion), then decide:
 *   gate refused                      -> REGISTERED, REJECTED (reasons)
 *   gate passed, SHADOW_PERIOD_MS = 0 -> REGISTERED, PROMOTED
 *   gate passed, SHADOW_PERIOD_MS > 0 -> REGISTERED, SHADOW_STARTED (challenger alias); after the period
 *                                        PROMOTED, or REJECTED if the champion changed or the challenger
 *                                        alias was moved/cleared meanwhile (an operator's way to cancel)
 * Too little data or labels (or a training failure) is a REJECTED with reasons, never a crash. A request
 * for a model version that is no longer the champion is stale: logged, nothing trained.
 *
 * ROLLBACK: if the request names the current champion, roll the registry back to the previous champion
 * and announce ROLLED_BACK (previous_version = the version rolled back from); otherwise a logged no-op.
 *
 * Redelivery and restarts: every step is recorded in the run journal (run-journal.ts) before or after
 * it happens, so a redelivered request never trains twice and an interrupted one resumes. The registry is
 * also checked for a version whose trainingConfig.retrain.event_id is the request's (a crash between
 * registering and journalling). Lifecycle events get ids derived from the request id and action, so a
 * re-send after a crash is recognisably the same event.
 *
 * Requests for one event id are serialized in-process, and finalization takes a file lock, so a shadow
 * timer and a redelivery (or two replicas) cannot both promote.
 */
import { createHash } from 'node:crypto';
import {
  AppError,
  lifecycleEvent,
  toAppError,
  type LifecycleAction,
  type LifecycleModelRef,
  type Logger,
  type ModelLifecycleEvent,
  type RetrainRequested,
} from '@riskstream/shared';
import { FEATURE_NAMES } from '@riskstream/shared/features';
import type { JsonValue } from '@riskstream/shared/model';
import type { OfflineStoreReader } from '../data/offline-store.ts';
import type { GateSettings } from '../pipeline/train-model.ts';
import { championStack } from '../registry/model-aliases.ts';
import type { ModelRegistry, RegisteredModel } from '../registry/model-registry.ts';
import { reportWithVersion } from '../report/html-report.ts';
import type { GateResult } from '../registry/promotion-gate.ts';
import type { ChallengerRunner } from './challenger-thread.ts';
import { gateReasons, rollbackReasons, trainingFailedReason } from './decision-reasons.ts';
import { buildOfflineTrainingSet, sufficiencyProblems, type UnlabelledPolicy } from './offline-training-set.ts';
import type { RunJournal, RunOutcome, RunRecord } from './run-journal.ts';
import type { RetrainRuns } from './retrain-runs.ts';
import { ShadowTimers } from './shadow-timers.ts';
import type { TrainerMetrics } from './trainer-metrics.ts';
import { describeRange, holdoutAfter, trainedUntilMs, trainingWindow, type WindowSettings } from './training-window.ts';

export interface TrainerSettings {
  readonly window: WindowSettings;
  readonly unlabelled: UnlabelledPolicy;
  readonly minTrainFrauds: number;
  readonly minHoldoutFrauds: number;
  /** Challenger inputs; default the champion's, else the served feature set. */
  readonly features?: readonly string[];
  readonly seed: number;
  readonly searchTrials: number;
  readonly gate: GateSettings;
  readonly shadowPeriodMs: number;
  readonly modelServerUrl: string;
}

export interface TrainerDeps {
  readonly registry: ModelRegistry;
  readonly journal: RunJournal;
  /** Opens the offline store for one run; undefined when none is configured. */
  readonly openStore: (() => OfflineStoreReader) | undefined;
  /** Sends lifecycle events in order; resolves once Kafka acknowledged them. */
  readonly announce: (events: readonly ModelLifecycleEvent[]) => Promise<void>;
  readonly runChallenger: ChallengerRunner;
  /** Records retrains as tracked runs (riskstream runs list); absent: not recorded. */
  readonly runs?: RetrainRuns;
  readonly metrics: TrainerMetrics;
  readonly logger: Logger;
  readonly settings: TrainerSettings;
  readonly now?: () => number;
}

export interface WorkContext {
  readonly signal: AbortSignal;
  heartbeat(): Promise<void>;
}

type Trained =
  | { readonly kind: 'registered'; readonly version: number; readonly parentVersion: number | null; readonly promote: boolean; readonly reasons: readonly string[] }
  | { readonly kind: 'rejected'; readonly outcome: RunOutcome; readonly reasons: readonly string[] };

/** Progress lines of a long stage: at most one per interval, plus every stage change. */
const PROGRESS_LOG_MS = 10_000;
/** After a failed finalization (Kafka or the registry lock unavailable), try again this much later. */
const FINALIZE_RETRY_MS = 5_000;

export class Trainer {
  readonly #d: TrainerDeps;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #timers: ShadowTimers;
  /** The request being trained right now, for the status route. */
  #training: { readonly eventId: string; readonly model: string; readonly since: string } | undefined;

  constructor(deps: TrainerDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: 'trainer' });
    this.#now = deps.now ?? Date.now;
    this.#timers = new ShadowTimers({
      fire: (eventId) => this.#finalizeLater(eventId),
      logger: this.#log,
      now: this.#now,
      onChange: (n) => deps.metrics.shadowPending.set(n),
    });
  }

  /** Handles one request; throws only retriable errors and SHUTDOWN (the runner retries / redelivers). */
  async handle(event: RetrainRequested, ctx: WorkContext): Promise<void> {
    const started = performance.now();
    try {
      await this.#serialized(event.event_id, () => (event.action === 'ROLLBACK' ? this.#rollback(event) : this.#retrain(event, ctx)));
    } finally {
      this.#d.metrics.runDuration.observe({ action: event.action }, (performance.now() - started) / 1000);
    }
  }

  status(): { training: { eventId: string; model: string; since: string } | null; shadow_pending: number } {
    return { training: this.#training ?? null, shadow_pending: this.#timers.pending };
  }

  /** Re-arms the shadow timers of runs a previous process left waiting. */
  async resumeShadows(): Promise<number> {
    const { runs: pending, unreadable } = await this.#d.journal.pendingShadows();
    if (unreadable.length > 0) this.#log.error({ files: unreadable }, 'unreadable run records; their shadow periods (if any) are not resumed');
    for (const run of pending) {
      this.#log.info({ eventId: run.event_id, model: run.model_name, version: run.version, until: new Date(run.shadow_until ?? 0).toISOString() }, 'resuming the shadow period of a challenger');
      this.#timers.schedule(run.event_id, run.shadow_until ?? 0);
    }
    return pending.length;
  }

  async close(): Promise<void> {
    await this.#timers.close();
    await Promise.all([...this.#queues.values()].map((p) => p.catch(() => undefined)));
  }

  #serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.#queues.set(key, tail);
    void tail.then(() => {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    });
    return run;
  }

  // ---------------------------------------------------------------- RETRAIN

  async #retrain(event: RetrainRequested, ctx: WorkContext): Promise<void> {
    const { journal, registry } = this.#d;
    const name = event.model_name;
    const log = this.#log.child({ eventId: event.event_id, model: name, alert: event.alert_name, action: 'RETRAIN' });
    let run = await journal.get(event.event_id);
    if (run?.state === 'done') {
      log.info({ outcome: run.outcome }, 'request already handled; ignoring the redelivery');
      this.#d.metrics.count('duplicate');
      return;
    }
    if (run?.state === 'shadow') {
      run = await this.#announceVersion(run, 'SHADOW_STARTED', run.reasons ?? []);
      this.#timers.schedule(run.event_id, run.shadow_until ?? 0);
      log.info({ version: run.version }, 'request redelivered during its shadow period; the period continues');
      return;
    }
    if (!run || run.state === 'training') {
      const existing = await this.#versionForEvent(name, event.event_id);
      if (existing) {
        log.warn({ version: existing.version }, 'the challenger of an interrupted run is already registered; resuming without retraining');
        run = await journal.put({ ...(run ?? newRun(event, 'registered', this.#now)), ...registeredFromManifest(existing, this.#d.settings.gate) });
      } else {
        if (!run) {
          const stale = await this.#staleReason(event);
          if (stale) {
            log.info({ reason: stale }, 'stale retrain request; nothing to do');
            await this.#done(newRun(event, 'done', this.#now), 'stale', { reasons: [stale] });
            return;
          }
          run = await journal.put(newRun(event, 'training', this.#now));
        }
        const trained = await this.#trainChallenger(event, ctx, log);
        if (trained.kind === 'rejected') {
          log.warn({ reasons: trained.reasons }, 'retrain rejected');
          run = await this.#announce(run, 'REJECTED', await this.#championRef(name), trained.reasons);
          await this.#done(run, trained.outcome, { reasons: trained.reasons });
          return;
        }
        run = await journal.put({ ...run, state: 'registered', version: trained.version, parent_version: trained.parentVersion, promote: trained.promote, reasons: trained.reasons });
      }
    }
    if (run.state !== 'registered') throw new AppError('HANDLER_FAILED', `run ${run.event_id} is in state ${run.state}, not a RETRAIN state`);

    const reasons = run.reasons ?? [];
    run = await this.#announceVersion(run, 'REGISTERED', reasons);
    if (!run.promote) {
      log.info({ version: run.version, reasons }, 'challenger registered; the promotion gate refused it');
      run = await this.#announceVersion(run, 'REJECTED', reasons);
      await this.#done(run, 'rejected');
      return;
    }
    const shadowMs = this.#d.settings.shadowPeriodMs;
    if (shadowMs > 0) {
      await registry.setAlias(name, 'challenger', run.version, `shadow before promotion (retrain request ${run.event_id}, alert ${event.alert_name})`);
      // The deadline is journalled before it is announced: a restart resumes the same period.
      run = await journal.put({ ...run, state: 'shadow', shadow_until: this.#now() + shadowMs });
      run = await this.#announceVersion(run, 'SHADOW_STARTED', [`shadow scoring for ${shadowMs} ms, then promotion`, ...reasons]);
      this.#timers.schedule(run.event_id, run.shadow_until!);
      this.#d.metrics.count('shadow_started');
      log.info({ version: run.version, until: new Date(run.shadow_until!).toISOString() }, 'challenger passed the gate; shadow period started');
      return;
    }
    await this.#finalize(run.event_id, log);
  }

  /** Fired by a shadow timer. */
  #finalizeLater(eventId: string): Promise<void> {
    const log = this.#log.child({ eventId });
    return this.#serialized(eventId, () => this.#finalize(eventId, log)).catch(async (err: unknown) => {
      const e = toAppError(err);
      if (e.retriable) {
        log.warn({ err: e, code: e.code, retryInMs: FINALIZE_RETRY_MS }, 'finalizing the shadow run failed; retrying');
        this.#timers.schedule(eventId, this.#now() + FINALIZE_RETRY_MS);
        return;
      }
      log.error({ err: e, code: e.code }, 'finalizing the shadow run failed; rejecting the challenger');
      await this.#serialized(eventId, async () => {
        const run = await this.#d.journal.get(eventId);
        if (!run || run.state === 'done') return;
        const reasons = [trainingFailedReason(e.code, e.message)];
        const announced = await this.#announceVersion(run, 'REJECTED', reasons);
        await this.#done(announced, 'failed', { reasons });
      }).catch((again: unknown) => {
        log.error({ err: again }, 'could not record the failed finalization; retrying later');
        this.#timers.schedule(eventId, this.#now() + FINALIZE_RETRY_MS * 12);
      });
    });
  }

  /**
   * Promotes a registered (or shadowing) challenger, unless the world moved on: the gate compared it
   * with `parent_version`, so a different champion now means the verdict no longer applies.
   */
  async #finalize(eventId: string, log: Logger): Promise<void> {
    const { journal, registry } = this.#d;
    await journal.withLock(eventId, async () => {
      // Re-read inside the lock: another replica, or an earlier attempt, may have finished it.
      let run = await journal.get(eventId);
      if (!run || run.state === 'done') return;
      if ((run.state !== 'registered' && run.state !== 'shadow') || run.version === undefined) {
        throw new AppError('HANDLER_FAILED', `run ${eventId} cannot be finalized from state ${run.state}`);
      }
      const name = run.model_name;
      const version = run.version;
      const aliases = await registry.aliases(name);
      const parent = run.parent_version ?? undefined;
      const reasons = run.reasons ?? [];
      if (aliases.champion === version) {
        // Promoted before a crash; only the announcement may be missing.
        run = await this.#announceVersion(run, 'PROMOTED', reasons, parent);
        await this.#done(run, 'promoted');
        return;
      }
      const inShadow = run.state === 'shadow';
      let refusal: string | undefined;
      if (aliases.champion !== parent) {
        refusal =
          `the champion changed from ${v(parent)} to ${v(aliases.champion)} ${inShadow ? 'during the shadow period' : 'while the challenger was trained'}; ` +
          `v${version} was compared with ${v(parent)}, so it is not promoted (a new retrain compares it with the current champion)`;
      } else if (inShadow && aliases.challenger !== version) {
        refusal = aliases.challenger === undefined
          ? `shadow cancelled: the challenger alias was cleared during the shadow period`
          : `superseded: the challenger alias now points at v${aliases.challenger}`;
      }
      const entry = await registry.get(name, version);
      const gate = recordedGate(entry);
      if (!refusal && !gate?.promote) refusal = `v${version} has no recorded passing gate result; not promoted`;
      if (refusal) {
        if (aliases.challenger === version) await registry.setAlias(name, 'challenger', undefined, refusal);
        log.warn({ version, reason: refusal }, 'challenger not promoted');
        run = await this.#announceVersion(run, 'REJECTED', [refusal, ...reasons]);
        await this.#done(run, 'rejected');
        return;
      }
      const why = `retrain request ${eventId} (alert ${run.alert_name}): promotion gate passed${inShadow ? ` after a ${this.#d.settings.shadowPeriodMs} ms shadow period` : ''}`;
      await registry.promote(name, version, gate!, why);
      log.info({ version, previous: parent ?? null }, 'challenger promoted to champion');
      run = await this.#announceVersion(run, 'PROMOTED', inShadow ? [...reasons, 'shadow period completed'] : reasons, parent);
      await this.#done(run, 'promoted');
    });
  }

  async #trainChallenger(event: RetrainRequested, ctx: WorkContext, log: Logger): Promise<Trained> {
    const { registry, settings, metrics } = this.#d;
    const name = event.model_name;
    if (!this.#d.openStore) {
      return { kind: 'rejected', outcome: 'insufficient_data', reasons: ['no offline store is configured (OFFLINE_STORE_DIR), so there is no training data'] };
    }
    metrics.running.set(1);
    const startedAt = new Date(this.#now()).toISOString();
    this.#training = { eventId: event.event_id, model: name, since: startedAt };
    try {
      const aliases = await registry.aliases(name);
      const champion = aliases.champion !== undefined ? await registry.get(name, aliases.champion) : undefined;
      const championUntil = champion && trainedUntilMs(champion.manifest);
      const window = holdoutAfter(trainingWindow(event.range_end, this.#now(), settings.window), championUntil);
      const holdoutSeenByChampion =
        champion && championUntil !== undefined && window.holdout.from.getTime() >= window.holdout.to.getTime()
          ? `no holdout the champion has not seen: v${champion.version} was trained on data up to ${new Date(championUntil).toISOString()}, ` +
            `and the newest labelled data (label delay ${settings.window.labelDelayDays} days) ends before that; retry once newer labels exist`
          : undefined;
      const featureNames = settings.features ?? champion?.manifest.featureNames ?? FEATURE_NAMES;
      log.info(
        { train: describeRange(window.train), holdout: describeRange(window.holdout), labelCutoff: window.cutoff.toISOString(), champion: champion?.version ?? null, features: featureNames.length },
        'retrain: reading the offline store',
      );

      let stageStart = performance.now();
      const store = this.#d.openStore();
      let lastLog = Date.now();
      let set;
      try {
        set = await buildOfflineTrainingSet({
          store,
          window,
          featureNames,
          ...(champion ? { extraFeatureNames: champion.manifest.featureNames } : {}),
          unlabelled: settings.unlabelled,
          onProgress: (n) => {
            if (Date.now() - lastLog >= PROGRESS_LOG_MS) {
              lastLog = Date.now();
              log.info({ transactionsRead: n }, 'retrain: reading the offline store');
            }
            void ctx.heartbeat().catch(() => undefined);
          },
        });
      } finally {
        await store.close();
      }
      metrics.stageDuration.observe({ stage: 'read' }, (performance.now() - stageStart) / 1000);
      const s = set.stats;
      for (const part of ['train', 'holdout'] as const) {
        metrics.trainingRows.set({ set: part }, s[part].rows);
        metrics.trainingFrauds.set({ set: part }, s[part].frauds);
      }
      log.info({ train: s.train, holdout: s.holdout, duplicates: s.duplicates, unlabelled: s.unlabelled, transactionsRead: s.transactionsRead }, 'retrain: training set built');
      const problems = sufficiencyProblems(set, settings, window);
      if (holdoutSeenByChampion) problems.push(holdoutSeenByChampion);
      if (problems.length > 0) return { kind: 'rejected', outcome: 'insufficient_data', reasons: problems };
      if (ctx.signal.aborted) throw new AppError('SHUTDOWN', 'retrain interrupted by shutdown');

      const championInput = champion
        ? {
            version: champion.version,
            onnx: await registry.readOnnx(champion),
            featureNames: champion.manifest.featureNames,
            thresholds: champion.manifest.thresholds,
            holdoutX: set.holdoutMatrix(champion.manifest.featureNames),
          }
        : undefined;
      const retrain: JsonValue = {
        event_id: event.event_id,
        alert_name: event.alert_name,
        source: event.source,
        fingerprint: event.fingerprint,
        requested_version: event.model_version,
        range_start: event.range_start,
        range_end: event.range_end,
        drifted_features: [...event.drifted_features],
      };
      stageStart = performance.now();
      let lastStage = '';
      lastLog = 0;
      const result = await this.#d.runChallenger(
        { name, data: set.data, seed: settings.seed, searchTrials: settings.searchTrials, gate: settings.gate, ...(championInput ? { champion: championInput } : {}), retrain },
        {
          signal: ctx.signal,
          progress: (stage, done, total) => {
            if (stage !== lastStage || done === total || Date.now() - lastLog >= PROGRESS_LOG_MS) {
              log.info({ stage, done, total }, 'retrain: training');
              lastStage = stage;
              lastLog = Date.now();
            }
            void ctx.heartbeat().catch(() => undefined);
          },
        },
      );
      metrics.stageDuration.observe({ stage: 'train' }, (performance.now() - stageStart) / 1000);
      log.info({ challenger: result.challenger, champion: result.champion ?? null, promote: result.gate.promote, trainSeconds: result.trainSeconds }, 'retrain: challenger trained and compared');

      stageStart = performance.now();
      const version = await registry.register(name, { onnx: result.onnx, manifest: result.manifest, reportHtml: (v) => reportWithVersion(result.reportHtml, v) });
      metrics.stageDuration.observe({ stage: 'register' }, (performance.now() - stageStart) / 1000);
      log.info({ version }, 'retrain: challenger registered');
      await this.#d.runs?.trained(
        {
          event,
          result,
          version,
          startedAt,
          data: { source: set.data.source, rows: set.data.dataset.rows, trainRows: s.train.rows, testRows: s.holdout.rows, timeRange: { from: window.train.from.toISOString(), to: window.holdout.to.toISOString() } },
          settings: { seed: settings.seed, searchTrials: settings.searchTrials, gate: settings.gate },
        },
        registry.root,
      );
      return { kind: 'registered', version, parentVersion: champion?.version ?? null, promote: result.gate.promote, reasons: result.reasons };
    } catch (err) {
      const e = toAppError(err);
      if (e.retriable || e.code === 'SHUTDOWN') throw e;
      log.error({ err: e, code: e.code }, 'retrain failed');
      return { kind: 'rejected', outcome: 'failed', reasons: [trainingFailedReason(e.code, e.message)] };
    } finally {
      metrics.running.set(0);
      this.#training = undefined;
    }
  }

  /** A retrain for a version that no longer serves: the alert is about the past. */
  async #staleReason(event: RetrainRequested): Promise<string | undefined> {
    if (event.model_version <= 0) return undefined;
    const { champion } = await this.#d.registry.aliases(event.model_name);
    if (champion === undefined || champion === event.model_version) return undefined;
    return `retrain requested for v${event.model_version} (alert ${event.alert_name}), but the champion is now v${champion}; the alert is about a model that no longer serves`;
  }

  async #versionForEvent(name: string, eventId: string): Promise<RegisteredModel | undefined> {
    const versions = await this.#d.registry.list(name);
    for (let i = versions.length - 1; i >= 0; i--) {
      const config = versions[i]!.manifest.trainingConfig as { retrain?: { event_id?: unknown } } | null;
      if (config?.retrain?.event_id === eventId) return versions[i];
    }
    return undefined;
  }

  // ---------------------------------------------------------------- ROLLBACK

  async #rollback(event: RetrainRequested): Promise<void> {
    const { journal, registry } = this.#d;
    const name = event.model_name;
    const log = this.#log.child({ eventId: event.event_id, model: name, alert: event.alert_name, action: 'ROLLBACK' });
    let run = await journal.get(event.event_id);
    if (run?.state === 'done') {
      log.info({ outcome: run.outcome }, 'request already handled; ignoring the redelivery');
      this.#d.metrics.count('duplicate');
      return;
    }
    // Every rollback this worker makes carries the request id in the alias history.
    const tag = `[request ${event.event_id}]`;
    if (!run) {
      const aliases = await registry.aliases(name);
      const champion = aliases.champion;
      const noop =
        champion === undefined
          ? `${name} has no champion to roll back`
          : event.model_version > 0 && champion !== event.model_version
            ? `rollback requested for v${event.model_version} (alert ${event.alert_name}), but the champion is v${champion}: nothing to roll back`
            : championStack(aliases).length < 2
              ? `${name} v${champion} has no previous champion to roll back to`
              : undefined;
      if (noop) {
        log.warn({ reason: noop }, 'rollback request is a no-op');
        await this.#done(newRun(event, 'done', this.#now), 'rollback_noop', { reasons: [noop] });
        return;
      }
      run = await journal.put({ ...newRun(event, 'rolling_back', this.#now), from_version: champion });
    }
    if (run.state === 'rolling_back') {
      const aliases = await registry.aliases(name);
      const made = [...aliases.history].reverse().find((h) => h.alias === 'champion' && h.action === 'rollback' && h.reason.includes(tag));
      let to: number;
      if (made?.version !== undefined) {
        to = made.version;
      } else if (aliases.champion !== run.from_version) {
        const noop = `the champion changed from ${v(run.from_version)} to ${v(aliases.champion)} before the rollback ran; nothing rolled back`;
        log.warn({ reason: noop }, 'rollback request is a no-op');
        await this.#done(run, 'rollback_noop', { reasons: [noop] });
        return;
      } else {
        const doc = await registry.rollback(name, `rollback requested by alert ${event.alert_name} (${event.source}) ${tag}`);
        to = doc.champion!;
        log.info({ from: run.from_version, to }, 'rolled back to the previous champion');
      }
      run = await journal.put({ ...run, state: 'rolled_back', to_version: to });
    }
    if (run.state !== 'rolled_back' || run.to_version === undefined) throw new AppError('HANDLER_FAILED', `run ${run.event_id} is in state ${run.state}, not a ROLLBACK state`);
    const model = await registry.get(name, run.to_version);
    const reasons = rollbackReasons(event, run.from_version ?? 0, run.to_version);
    run = await this.#announce(run, 'ROLLED_BACK', model, reasons, run.from_version);
    await this.#done(run, 'rolled_back', { reasons });
  }

  // ---------------------------------------------------------------- announcements and bookkeeping

  async #announceVersion(run: RunRecord, action: LifecycleAction, reasons: readonly string[], previousVersion?: number): Promise<RunRecord> {
    if (run.announced.includes(action)) return run;
    return this.#announce(run, action, await this.#d.registry.get(run.model_name, run.version!), reasons, previousVersion);
  }

  /** Sends one lifecycle event unless the journal says it was sent, then records it as sent. */
  async #announce(run: RunRecord, action: LifecycleAction, model: LifecycleModelRef, reasons: readonly string[], previousVersion?: number): Promise<RunRecord> {
    if (run.announced.includes(action)) return run;
    const event = lifecycleEvent(
      { action, model, reasons, eventId: lifecycleEventId(run.event_id, action), at: this.#now(), ...(previousVersion !== undefined ? { previousVersion } : {}) },
      this.#d.settings.modelServerUrl,
    );
    await this.#d.announce([event]);
    return this.#d.journal.put({ ...run, announced: [...run.announced, action] });
  }

  /** The champion that stays when a retrain produced no model; version 0 when there is none. */
  async #championRef(name: string): Promise<LifecycleModelRef> {
    const { champion } = await this.#d.registry.aliases(name);
    if (champion !== undefined) return this.#d.registry.get(name, champion);
    return { name, version: 0, manifest: { onnxSha256: '' } };
  }

  async #done(run: RunRecord, outcome: RunOutcome, extra: Partial<Pick<RunRecord, 'reasons'>> = {}): Promise<void> {
    await this.#d.journal.put({ ...run, ...extra, state: 'done', outcome });
    this.#d.metrics.count(outcome);
    if (run.action === 'RETRAIN') await this.#d.runs?.concluded(run, outcome, extra.reasons ?? run.reasons ?? [], run.version);
  }
}

function v(version: number | undefined): string {
  return version === undefined ? 'none' : `v${version}`;
}

function newRun(event: RetrainRequested, state: RunRecord['state'], now: () => number): RunRecord {
  const at = new Date(now()).toISOString();
  return { event_id: event.event_id, model_name: event.model_name, action: event.action, alert_name: event.alert_name, state, received_at: at, updated_at: at, announced: [] };
}

/** The gate verdict recorded in a manifest (trainingConfig.gateResult), as `models promote` reads it. */
function recordedGate(entry: RegisteredModel): GateResult | undefined {
  const config = entry.manifest.trainingConfig as { gateResult?: GateResult } | null;
  return config?.gateResult;
}

function registeredFromManifest(entry: RegisteredModel, fallbackGate: GateSettings): Pick<RunRecord, 'state' | 'version' | 'parent_version' | 'promote' | 'reasons'> {
  const gate = recordedGate(entry);
  const config = entry.manifest.trainingConfig as { gate?: GateSettings } | null;
  return {
    state: 'registered',
    version: entry.version,
    parent_version: entry.manifest.parentVersion ?? null,
    promote: gate?.promote === true,
    reasons: gate ? gateReasons(withNumbers(gate), config?.gate ?? fallbackGate, entry.manifest.parentVersion) : ['no gate result recorded'],
  };
}

/** JSON turned NaN into null; the reason formatter expects numbers. */
function withNumbers(g: GateResult): GateResult {
  const n = (x: unknown) => (typeof x === 'number' ? x : Number.NaN);
  return { ...g, challenger: n(g.challenger), champion: n(g.champion), delta: n(g.delta), ci: [n(g.ci?.[0]), n(g.ci?.[1])], pValue: n(g.pValue) };
}

/** Stable per request and action: a re-send after a crash carries the same id. UUID layout, version 8. */
export function lifecycleEventId(requestId: string, action: LifecycleAction): string {
  const b = createHash('sha256').update(`trainer\0${requestId}\0${action}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
