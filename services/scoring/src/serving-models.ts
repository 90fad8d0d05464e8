/**
 * The models scoring serves right now, and the hot-swap rule.
 *
 * A batch takes a lease on the current set when it starts and scores every one of its events with that
 * set, so each event is scored by exactly one champion version, whatever happens meanwhile. A swap is one
 * reference assignment (JavaScript runs it between two awaits, so no batch sees half a swap): batches that
 * start after it get the new set. A replaced model's session is released once the last lease that holds
 * it ends; releasing it earlier would pull the session out from under a batch in flight.
 */
import type { ExperimentSpec } from '@riskstream/shared/model';
import type { ScoringModel } from './scoring-model.ts';

export interface ServingSet {
  readonly champion: ScoringModel;
  /** Shadow model: scored next to the champion, never used for the decision. */
  readonly challenger?: ScoringModel;
  /** A live experiment: each card's arm decides (transaction-scorer.ts). */
  readonly experiment?: ServingExperiment;
}

export interface ServingExperiment {
  readonly spec: ExperimentSpec;
  /** One per spec.arms entry, in the same order. */
  readonly models: readonly ScoringModel[];
}

export interface Lease {
  readonly models: ServingSet;
  /** Idempotent. */
  release(): void;
}

export interface ServingModelsOptions {
  /** Called after a set became current (metrics, logs). */
  readonly onInstall?: (next: ServingSet, previous: ServingSet | undefined) => void;
  /** Called when releasing a retired session failed; the swap itself already succeeded. */
  readonly onReleaseError?: (model: ScoringModel, err: unknown) => void;
}

export class ServingModels {
  #current: ServingSet | undefined;
  readonly #leases = new Map<ScoringModel, number>();
  readonly #retired = new Set<ScoringModel>();
  readonly #options: ServingModelsOptions;
  #installed: () => void = () => undefined;
  /** Resolves when the first set is installed; scoring does not consume before that. */
  readonly firstInstall: Promise<void>;

  constructor(options: ServingModelsOptions = {}) {
    this.#options = options;
    this.firstInstall = new Promise((resolve) => (this.#installed = resolve));
  }

  current(): ServingSet | undefined {
    return this.#current;
  }

  /** undefined while no model is loaded. */
  acquire(): Lease | undefined {
    const models = this.#current;
    if (!models) return undefined;
    const held = members(models);
    for (const m of held) this.#leases.set(m, (this.#leases.get(m) ?? 0) + 1);
    let released = false;
    return {
      models,
      release: () => {
        if (released) return;
        released = true;
        for (const m of held) {
          const n = (this.#leases.get(m) ?? 1) - 1;
          if (n > 0) this.#leases.set(m, n);
          else this.#leases.delete(m);
          this.#releaseIfIdle(m);
        }
      },
    };
  }

  /** Makes `next` current. Models of the old set that `next` does not keep are released when idle. */
  install(next: ServingSet): void {
    const previous = this.#current;
    this.#current = next;
    const kept = new Set(members(next));
    for (const m of kept) this.#retired.delete(m);
    for (const m of previous ? members(previous) : []) {
      if (kept.has(m)) continue;
      this.#retired.add(m);
      this.#releaseIfIdle(m);
    }
    this.#options.onInstall?.(next, previous);
    this.#installed();
  }

  /** Releases everything; call after the consumers stopped (no lease can be outstanding then). */
  async close(): Promise<void> {
    const all = new Set([...(this.#current ? members(this.#current) : []), ...this.#retired]);
    this.#current = undefined;
    this.#retired.clear();
    await Promise.all([...all].map((m) => m.release().catch((err: unknown) => this.#options.onReleaseError?.(m, err))));
  }

  #releaseIfIdle(model: ScoringModel): void {
    if (!this.#retired.has(model) || this.#leases.has(model)) return;
    this.#retired.delete(model);
    void model.release().catch((err: unknown) => this.#options.onReleaseError?.(model, err));
  }
}

/** Every distinct model the set holds. */
export function members(set: ServingSet): ScoringModel[] {
  return [...new Set([set.champion, ...(set.challenger ? [set.challenger] : []), ...(set.experiment?.models ?? [])])];
}
