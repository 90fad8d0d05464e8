/**
 * One live experiment as the drift monitor sees it: the scored records its arms decided and their
 * delayed labels go in (onScored, onLabel); decide(now) says when the bandit's weights should change
 * and which arms it stops. Publishing them (ARM_WEIGHTS, EXPERIMENT_STOPPED on models.lifecycle.v1) is
 * the caller's.
 *
 * A decision is evaluated when `intervalMs` has passed since the last evaluation or `everyEvents`
 * scored and labelled events have arrived since, whichever comes first; it is returned only when an arm
 * was stopped or some arm's weight moved by at least `minChange`, so small Monte Carlo wobbles do not
 * move cards between arms. A split experiment is measured the same way but never reweighted.
 */
import { ValidationError } from '@riskstream/shared';
import { ArmStatistics, type ArmScoredEvent, type ArmSnapshot, type ArmValueModel } from './arm-statistics.ts';
import type { ExperimentView } from './experiment-metrics.ts';
import { PendingLabels } from './pending-labels.ts';
import { stableFraction } from './stable-hash.ts';
import { banditDecision, banditSettingsProblems, posteriors, type ArmPosterior, type BanditSettings, type NormalSource, type StopDecision } from './thompson.ts';

/** The experiment as started: arm 0 is the control. Structurally a part of shared's ExperimentSpec. */
export interface ExperimentPlan {
  readonly name: string;
  readonly mode: 'split' | 'bandit';
  readonly arms: readonly { readonly arm: string }[];
  readonly weights: readonly number[];
}

export interface PublishPolicy {
  readonly intervalMs: number;
  readonly everyEvents: number;
  readonly minChange: number;
}

/** A scored record, with the experiment and arm that decided it (absent outside an experiment). */
export interface ExperimentScoredRecord extends ArmScoredEvent {
  readonly experiment?: string | null;
  readonly experiment_arm?: string | null;
}

export interface ExperimentLabel {
  readonly transaction_id: string;
  readonly is_fraud: boolean;
}

export interface ExperimentControllerDeps {
  readonly valueModel: ArmValueModel;
  readonly rng: NormalSource;
  readonly pendingCapacity: number;
  /**
   * Share of transactions (a stable hash of the id) held for their label, in (0, 1]; default 1. The rest
   * count by their estimate for good, corrected by the residuals of the sample. Pick it so that the
   * sample of one label delay's traffic fits the pending capacity.
   */
  readonly labelSample?: number;
}

export interface WeightsDecision {
  readonly weights: readonly number[];
  /** Arms stopped by this decision, with the evidence. */
  readonly stops: readonly StopDecision[];
  readonly probabilityBest: readonly number[];
  readonly posteriors: readonly ArmPosterior[];
  readonly at: number;
}

export class ExperimentController {
  readonly plan: ExperimentPlan;
  readonly #settings: BanditSettings;
  readonly #policy: PublishPolicy;
  readonly #rng: NormalSource;
  readonly #arms: ArmStatistics[];
  readonly #armIndex: ReadonlyMap<string, number>;
  readonly #pending: PendingLabels;
  readonly #labelSample: number;
  readonly #stopped = new Set<string>();
  #weights: readonly number[];
  #lastEvaluated = Number.NEGATIVE_INFINITY;
  #eventsSince = 0;
  #probabilityBest: readonly number[] | undefined;
  /** Records of this experiment naming no arm of it, and labels with no pending event. */
  unknownArm = 0;
  unmatchedLabels = 0;
  duplicates = 0;

  constructor(plan: ExperimentPlan, settings: BanditSettings, policy: PublishPolicy, deps: ExperimentControllerDeps) {
    const problems = banditSettingsProblems(settings, plan.arms.length);
    if (plan.arms.length < 2) problems.push('an experiment needs at least two arms');
    if (plan.weights.length !== plan.arms.length) problems.push(`${plan.weights.length} weights for ${plan.arms.length} arms`);
    const labelSample = deps.labelSample ?? 1;
    if (!(labelSample > 0 && labelSample <= 1)) problems.push(`labelSample must be in (0, 1], got ${labelSample}`);
    if (problems.length > 0) throw new ValidationError('EXPERIMENT_SETTINGS_INVALID', problems.map((problem) => ({ path: plan.name, problem })));
    this.plan = plan;
    this.#settings = settings;
    this.#policy = policy;
    this.#rng = deps.rng;
    this.#arms = plan.arms.map((a) => new ArmStatistics(a.arm, deps.valueModel));
    this.#armIndex = new Map(plan.arms.map((a, i) => [a.arm, i]));
    this.#pending = new PendingLabels(deps.pendingCapacity);
    this.#labelSample = labelSample;
    this.#weights = Object.freeze([...plan.weights]);
  }

  /** The weights in force (the plan's until a decision changes them). */
  get weights(): readonly number[] {
    return this.#weights;
  }

  /**
   * Weights set elsewhere (a manual change, or this experiment's last ARM_WEIGHTS after a restart): they
   * are in force until the next decision, which is compared with them.
   */
  adoptWeights(weights: readonly number[]): void {
    if (weights.length !== this.plan.arms.length || weights.some((w) => !(w >= 0 && w <= 1))) {
      throw new ValidationError('EXPERIMENT_WEIGHTS_INVALID', [{ path: this.plan.name, problem: `${weights.length} weights in [0, 1] expected for ${this.plan.arms.length} arms, got ${weights.join(', ')}` }]);
    }
    this.#weights = Object.freeze([...weights]);
  }

  /** An arm stopped elsewhere (by hand, or announced before a restart): weight 0 from the next decision on. */
  markStopped(arm: string): void {
    if (!this.#armIndex.has(arm) || this.#armIndex.get(arm) === 0) {
      throw new ValidationError('EXPERIMENT_ARM_INVALID', [{ path: this.plan.name, problem: `"${arm}" is not an arm that can be stopped (the control cannot)` }]);
    }
    this.#stopped.add(arm);
  }

  get stopped(): ReadonlySet<string> {
    return this.#stopped;
  }

  /** Counts a scored record of this experiment; false when it is not one (other experiment, unknown arm, redelivery of a held event). */
  onScored(record: ExperimentScoredRecord): boolean {
    if (record.experiment !== this.plan.name) return false;
    const i = this.#armIndex.get(record.experiment_arm ?? '');
    if (i === undefined) {
      this.unknownArm++;
      return false;
    }
    if (this.#pending.has(record.transaction_id)) {
      this.duplicates++;
      return false;
    }
    const pending = this.#arms[i]!.addScored(record, i);
    // Outside the label sample an event keeps its estimate (and a redelivery of it is not recognised).
    if (this.#labelSample < 1 && stableFraction(record.transaction_id) >= this.#labelSample) {
      this.#arms[i]!.expire();
    } else {
      const evicted = this.#pending.put(record.transaction_id, pending);
      if (evicted) this.#arms[evicted.arm]!.expire();
    }
    this.#eventsSince++;
    return true;
  }

  /** true while the transaction's event waits for its label here. */
  holds(transactionId: string): boolean {
    return this.#pending.has(transactionId);
  }

  /** Settles the label's event; false when no event of this experiment waits for it. */
  onLabel(label: ExperimentLabel): boolean {
    const pending = this.#pending.take(label.transaction_id);
    if (pending === undefined) {
      this.unmatchedLabels++;
      return false;
    }
    this.#arms[pending.arm]!.settle(pending, label.is_fraud);
    this.#eventsSince++;
    return true;
  }

  /** New weights and stops when it is time and they changed materially; undefined otherwise. */
  decide(now: number): WeightsDecision | undefined {
    if (this.plan.mode !== 'bandit') return undefined;
    if (now - this.#lastEvaluated < this.#policy.intervalMs && this.#eventsSince < this.#policy.everyEvents) return undefined;
    this.#lastEvaluated = now;
    this.#eventsSince = 0;
    const d = banditDecision(this.snapshot(), this.#stopped, this.#settings, this.#rng);
    this.#probabilityBest = d.probabilityBest;
    const moved = d.weights.some((w, i) => Math.abs(w - this.#weights[i]!) >= this.#policy.minChange);
    if (d.stops.length === 0 && !moved) return undefined;
    for (const s of d.stops) this.#stopped.add(s.arm);
    this.#weights = Object.freeze([...d.weights]);
    return { weights: this.#weights, stops: d.stops, probabilityBest: d.probabilityBest, posteriors: d.posteriors, at: now };
  }

  /** Each arm's posterior on value per event, as the bandit's next decision would see it. */
  posteriors(): ArmPosterior[] {
    return posteriors(this.snapshot(), this.#settings);
  }

  snapshot(): ArmSnapshot[] {
    return this.#arms.map((a) => a.snapshot());
  }

  /** What the metrics publish (experiment-metrics.ts). */
  view(): ExperimentView {
    return {
      experiment: this.plan.name,
      arms: this.snapshot(),
      weights: this.#weights,
      ...(this.#probabilityBest ? { probabilityBest: this.#probabilityBest } : {}),
      stopped: this.#stopped,
    };
  }
}
