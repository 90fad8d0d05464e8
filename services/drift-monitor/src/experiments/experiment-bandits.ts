/**
 * The running experiments of the monitored model, one controller each, fed from the monitor's scored
 * and label micro-batches. What app.ts wires: start/stop from models.lifecycle.v1 (EXPERIMENT_STARTED,
 * EXPERIMENT_STOPPED; ARM_WEIGHTS set by hand are adopted, arms stopped by hand marked),
 * addScored/addLabels in the stream handler, decide(now) on a timer (publishing what it returns),
 * publishExperimentMetrics(views()) after it. The evidence lives in memory: a restarted monitor starts
 * it again from the records it reads.
 *
 * A label carries no experiment: it settles the event of whichever experiment holds it (at most one,
 * transaction ids being unique); labels no experiment holds (traffic from before any experiment, or
 * later than the pending capacity) are only counted.
 */
import type { ArmValueModel } from './arm-statistics.ts';
import { banditSettings, publishPolicy, type BanditConfig } from './bandit-config.ts';
import { ExperimentController, type ExperimentLabel, type ExperimentPlan, type ExperimentScoredRecord, type WeightsDecision } from './experiment-controller.ts';
import type { ExperimentView } from './experiment-metrics.ts';
import type { NormalSource } from './thompson.ts';

/** The experiment as started; structurally shared's ExperimentSpec. */
export interface ExperimentStart extends ExperimentPlan {
  readonly maxShare: number;
  readonly minEvents: number;
}

export interface ExperimentBanditsDeps {
  readonly config: BanditConfig;
  readonly valueModel: ArmValueModel;
  /** The draws of one experiment's bandit, seeded (e.g. from EXPERIMENT_SEED and the experiment's name). */
  readonly rngFor: (experiment: string) => NormalSource;
}

export class ExperimentBandits {
  readonly #deps: ExperimentBanditsDeps;
  readonly #running = new Map<string, ExperimentController>();
  /** Labels no running experiment was waiting for. */
  unmatchedLabels = 0;

  constructor(deps: ExperimentBanditsDeps) {
    this.#deps = deps;
  }

  /** Starts measuring an experiment; a repeated start of a running one keeps its evidence. */
  start(spec: ExperimentStart): void {
    if (this.#running.has(spec.name)) return;
    const c = this.#deps.config;
    const controller = new ExperimentController(spec, banditSettings(c, spec), publishPolicy(c), {
      valueModel: this.#deps.valueModel,
      rng: this.#deps.rngFor(spec.name),
      pendingCapacity: c.banditPendingCapacity,
      labelSample: c.banditLabelSample,
    });
    this.#running.set(spec.name, controller);
  }

  stop(name: string): void {
    this.#running.delete(name);
  }

  /** Weights changed outside the bandit (by hand); ignored for an experiment not running here. */
  adoptWeights(name: string, weights: readonly number[]): void {
    this.#running.get(name)?.adoptWeights(weights);
  }

  /** An arm stopped elsewhere (by hand, or before a restart); ignored for an experiment not running here. */
  markStopped(name: string, arm: string): void {
    this.#running.get(name)?.markStopped(arm);
  }

  get(name: string): ExperimentController | undefined {
    return this.#running.get(name);
  }

  addScored(records: readonly ExperimentScoredRecord[]): void {
    if (this.#running.size === 0) return;
    for (const r of records) if (r.experiment) this.#running.get(r.experiment)?.onScored(r);
  }

  addLabels(labels: readonly ExperimentLabel[]): void {
    if (this.#running.size === 0) return;
    for (const l of labels) {
      let settled = false;
      for (const c of this.#running.values()) if (c.holds(l.transaction_id)) settled = c.onLabel(l);
      if (!settled) this.unmatchedLabels++;
    }
  }

  /** The experiments whose weights should change now, with the arms to stop. */
  decide(now: number): { readonly experiment: string; readonly decision: WeightsDecision }[] {
    const out: { experiment: string; decision: WeightsDecision }[] = [];
    for (const [experiment, c] of this.#running) {
      const decision = c.decide(now);
      if (decision) out.push({ experiment, decision });
    }
    return out;
  }

  views(): ExperimentView[] {
    return [...this.#running.values()].map((c) => c.view());
  }
}
