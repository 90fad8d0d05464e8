import { DependencyError, NotFoundError } from '@riskstream/shared';
import type { ScoringModel, ServingModels } from '@riskstream/scoring';
import type { ModelCatalog, ModelLease } from './model-catalog.ts';

/** Registered versions other than the champion kept loaded at once; the least recently used idle one goes. */
const MAX_EXTRA_VERSIONS = 4;

interface Loaded {
  readonly model: Promise<ScoringModel>;
  leases: number;
  lastUsed: number;
}

/**
 * The ModelCatalog of the decisions process: the champion is whatever scoring serves now (the same lease
 * that pins a batch, so a hot swap never pulls a model out from under a request); another version is
 * loaded from the registry on first use, with the same checks as a champion (loadScoringModel), and kept.
 */
export class ServingCatalog implements ModelCatalog {
  readonly modelName: string;
  readonly #serving: ServingModels;
  readonly #load: (version: number) => Promise<ScoringModel>;
  readonly #extra = new Map<number, Loaded>();

  constructor(modelName: string, serving: ServingModels, load: (version: number) => Promise<ScoringModel>) {
    this.modelName = modelName;
    this.#serving = serving;
    this.#load = load;
  }

  async acquire(name: string, version?: number): Promise<ModelLease> {
    if (name !== this.modelName) throw new NotFoundError('model', name);
    const lease = this.#serving.acquire();
    if (version === undefined || lease?.models.champion.version === version) {
      if (!lease) throw new DependencyError('model', 'no champion is loaded yet');
      return { model: lease.models.champion, release: () => lease.release() };
    }
    lease?.release();
    return this.#acquireExtra(version);
  }

  isReady(name: string, version?: number): boolean {
    if (name !== this.modelName) return false;
    const champion = this.#serving.current()?.champion;
    if (version === undefined || champion?.version === version) return champion !== undefined;
    return this.#extra.has(version);
  }

  async close(): Promise<void> {
    const loaded = [...this.#extra.values()];
    this.#extra.clear();
    await Promise.all(loaded.map((l) => l.model.then((m) => m.release()).catch(() => undefined)));
  }

  async #acquireExtra(version: number): Promise<ModelLease> {
    let entry = this.#extra.get(version);
    if (!entry) {
      entry = { model: this.#load(version), leases: 0, lastUsed: Date.now() };
      this.#extra.set(version, entry);
      // A failed load is not kept: the next request tries again (the registry may have been down).
      entry.model.catch(() => this.#extra.get(version) === entry && this.#extra.delete(version));
      this.#evict(version);
    }
    const held = entry;
    held.leases++;
    held.lastUsed = Date.now();
    try {
      const model = await held.model;
      let released = false;
      return { model, release: () => void (released ? undefined : ((released = true), held.leases--)) };
    } catch (err) {
      held.leases--;
      throw err;
    }
  }

  #evict(keep: number): void {
    const idle = [...this.#extra].filter(([v, l]) => l.leases === 0 && v !== keep).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    while (this.#extra.size > MAX_EXTRA_VERSIONS && idle.length > 0) {
      const [version, loaded] = idle.shift()!;
      this.#extra.delete(version);
      void loaded.model.then((m) => m.release()).catch(() => undefined);
    }
  }
}
