/**
 * Follows the champion of one model: the reference profile to compare with, the review threshold and
 * the holdout metrics all come from its manifest. The registry alias is read at start (and polled until
 * a champion exists), models.lifecycle.v1 PROMOTED / ROLLED_BACK events switch immediately, and a
 * periodic reconciliation catches a switch whose announcement was lost. Only the manifest is read (the
 * monitor never scores), and it is validated by the model source; a version whose manifest cannot be
 * read is refused, logged and not retried until a lifecycle event names it again.
 *
 * Loads are serialised on one promise chain, so a poll and an event arriving together cannot install an
 * older version last.
 */
import { DependencyError, toAppError, type Logger, type ModelLifecycleEvent } from '@riskstream/shared';
import type { ModelManifest, ModelSource } from '@riskstream/shared/model';

export interface Champion {
  readonly manifest: ModelManifest;
  readonly version: number;
  /** The champion before this one, when known. */
  readonly previousVersion: number | null;
}

export type LifecycleOutcome = 'loaded' | 'refused' | 'unchanged' | 'ignored';

/** The registry's sources expose the manifest alone; the interface only promises fetch (manifest + ONNX). */
type ManifestReader = { manifest(name: string, version: number): Promise<ModelManifest> };

async function readManifest(source: ModelSource, name: string, version: number): Promise<ModelManifest> {
  const reader = source as Partial<ManifestReader>;
  if (typeof reader.manifest === 'function') return reader.manifest.call(source, name, version);
  return (await source.fetch(name, version)).manifest;
}

export interface ChampionTrackerOptions {
  readonly source: ModelSource;
  readonly name: string;
  readonly logger: Logger;
  /** Called (synchronously, between micro-batches) when the champion changes. */
  readonly onChange: (next: Champion, previous: Champion | undefined) => void;
}

export class ChampionTracker {
  readonly #o: ChampionTrackerOptions;
  readonly #log: Logger;
  readonly #refused = new Set<number>();
  #queue: Promise<unknown> = Promise.resolve();
  #current: Champion | undefined;
  #announcedWaiting = false;
  #closed = false;

  constructor(options: ChampionTrackerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'champion-tracker', model: options.name, source: options.source.location });
  }

  current(): Champion | undefined {
    return this.#current;
  }

  /** Reads the champion alias if no champion is followed yet; true once one is. */
  loadInitial(): Promise<boolean> {
    return this.#serialized(async () => {
      if (this.#current) return true;
      let version: number | undefined;
      try {
        version = await this.#resolveChampion();
      } catch {
        return false;
      }
      if (version === undefined) {
        if (!this.#announcedWaiting) this.#log.warn('no champion registered yet; events are counted but not compared until one is');
        this.#announcedWaiting = true;
        return false;
      }
      if (this.#refused.has(version)) return false;
      try {
        return await this.#switchTo(version, null, 'start-up');
      } catch (err) {
        const e = toAppError(err);
        this.#log.warn({ err: e, code: e.code, version }, 'cannot read the champion manifest; will retry');
        return false;
      }
    });
  }

  /** Applies a lifecycle event; a retriable source failure is thrown so the runner retries the event. */
  handleLifecycle(event: ModelLifecycleEvent): Promise<LifecycleOutcome> {
    if (event.model_name !== this.#o.name || (event.action !== 'PROMOTED' && event.action !== 'ROLLED_BACK')) return Promise.resolve('ignored');
    return this.#serialized(async () => {
      if (this.#current?.version === event.version) return 'unchanged';
      // An explicit announcement retries a version refused before.
      this.#refused.delete(event.version);
      const previous = event.previous_version ?? this.#current?.version ?? null;
      return (await this.#switchTo(event.version, previous, `${event.action} v${event.version}`)) ? 'loaded' : 'refused';
    });
  }

  /** Catches up with the registry alias (a missed lifecycle event); no-op without a champion yet. */
  reconcile(): Promise<void> {
    return this.#serialized(async () => {
      if (!this.#current) return;
      let version: number | undefined;
      try {
        version = await this.#resolveChampion();
      } catch {
        return;
      }
      if (version === undefined || version === this.#current.version || this.#refused.has(version)) return;
      this.#log.warn({ registry: version, following: this.#current.version }, 'the registry champion is not the one followed (missed lifecycle event?); catching up');
      try {
        await this.#switchTo(version, this.#current.version, `reconciled to v${version}`);
      } catch (err) {
        const e = toAppError(err);
        this.#log.warn({ err: e, code: e.code, version }, 'cannot read the registry champion; will retry');
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
  }

  async #resolveChampion(): Promise<number | undefined> {
    try {
      return await this.#o.source.resolve(this.#o.name, 'champion');
    } catch (err) {
      const e = toAppError(err);
      this.#log.warn({ err: e, code: e.code }, 'cannot read the champion alias');
      throw e;
    }
  }

  /** true when switched; false when the manifest was refused. DependencyError propagates (retry). */
  async #switchTo(version: number, previousVersion: number | null, why: string): Promise<boolean> {
    let manifest: ModelManifest;
    try {
      manifest = await readManifest(this.#o.source, this.#o.name, version);
    } catch (err) {
      const e = toAppError(err);
      if (e instanceof DependencyError) throw e;
      this.#refused.add(version);
      this.#log.error({ err: e, code: e.code, version }, 'champion manifest refused; the monitor keeps following the current champion');
      return false;
    }
    if (this.#closed) return false;
    const previous = this.#current;
    const next: Champion = { manifest, version, previousVersion: previousVersion ?? manifest.parentVersion ?? null };
    this.#current = next;
    this.#log.info({ why, version, previous: next.previousVersion }, 'following a new champion');
    this.#o.onChange(next, previous);
    return true;
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
