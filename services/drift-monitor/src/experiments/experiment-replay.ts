/**
 * Replays labelled traffic through an experiment offline: every event carries the score and decision
 * each arm would give it, the routing picks the arm in force for the event's card with scoring's own
 * sticky rule (armIndexFor), the controller sees the scored record at once and the label
 * `labelDelayMs` of event time later, and its decisions change the weights for the following events.
 * With `fixedWeights` the plan's weights stay (a split) while the controller still measures.
 *
 * The replay keeps the truth the controller does not have: each event's realised value under every arm,
 * so it can report the value earned, the value the best single arm would have earned on the same events
 * (hindsight), and the regret.
 */
import type { Decision } from '@riskstream/shared';
import { armIndexFor } from '@riskstream/shared/model';
import type { ArmValueModel } from './arm-statistics.ts';
import { ExperimentController, type ExperimentPlan, type PublishPolicy } from './experiment-controller.ts';
import type { BanditSettings, NormalSource, StopDecision } from './thompson.ts';

export interface ReplayEvent {
  readonly transactionId: string;
  readonly cardToken: string;
  /** epoch ms */
  readonly eventTime: number;
  readonly amount: number;
  readonly isFraud: boolean;
  /** Per arm, in the plan's order. */
  readonly scores: readonly number[];
  readonly decisions: readonly Decision[];
}

export interface ReplayOptions {
  readonly plan: ExperimentPlan;
  readonly settings: BanditSettings;
  readonly policy: PublishPolicy;
  readonly valueModel: ArmValueModel;
  readonly rng: NormalSource;
  readonly labelDelayMs: number;
  readonly pendingCapacity: number;
  /** Share of transactions held for their label (the controller's labelSample); default 1. */
  readonly labelSample?: number;
  readonly fixedWeights: boolean;
}

export interface WeightChange {
  /** Events replayed before the change. */
  readonly afterEvents: number;
  readonly weights: readonly number[];
}

export interface ReplayResult {
  readonly events: number;
  /** Realised value of the decisions the routed arms made. */
  readonly value: number;
  readonly eventsByArm: readonly number[];
  /** Realised value each arm would have earned deciding every event. */
  readonly valueIfOnly: readonly number[];
  /** Value earned by the first k events, k = 0..events. */
  readonly cumulativeValue: Float64Array;
  /** Per arm: value that arm alone would have earned on the first k events. */
  readonly cumulativeIfOnly: readonly Float64Array[];
  /** The best single arm's value minus the value earned. */
  readonly regret: number;
  readonly weightChanges: readonly WeightChange[];
  readonly stops: readonly (StopDecision & { readonly afterEvents: number })[];
  readonly finalWeights: readonly number[];
}

/** Replays events in the order given (event time ascending). */
export function replayExperiment(events: readonly ReplayEvent[], o: ReplayOptions): ReplayResult {
  const c = new ExperimentController(o.plan, o.settings, o.policy, {
    valueModel: o.valueModel,
    rng: o.rng,
    pendingCapacity: o.pendingCapacity,
    ...(o.labelSample !== undefined ? { labelSample: o.labelSample } : {}),
  });
  const arms = o.plan.arms.length;
  const eventsByArm = new Array<number>(arms).fill(0);
  const valueIfOnly = new Array<number>(arms).fill(0);
  const weightChanges: WeightChange[] = [{ afterEvents: 0, weights: c.weights }];
  const stops: (StopDecision & { afterEvents: number })[] = [];
  const cumulativeValue = new Float64Array(events.length + 1);
  const cumulativeIfOnly = o.plan.arms.map(() => new Float64Array(events.length + 1));
  let value = 0;
  let nextLabel = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    // Labels due by this event's time arrive first (events are in time order, so labels are too).
    for (; nextLabel < i && events[nextLabel]!.eventTime + o.labelDelayMs <= e.eventTime; nextLabel++) {
      c.onLabel({ transaction_id: events[nextLabel]!.transactionId, is_fraud: events[nextLabel]!.isFraud });
    }
    if (!o.fixedWeights) {
      const d = c.decide(e.eventTime);
      if (d) {
        weightChanges.push({ afterEvents: i, weights: d.weights });
        for (const s of d.stops) stops.push({ ...s, afterEvents: i });
      }
    }
    const arm = armIndexFor({ name: o.plan.name, weights: c.weights }, e.cardToken);
    eventsByArm[arm]!++;
    for (let a = 0; a < arms; a++) valueIfOnly[a]! += o.valueModel.realised(e.decisions[a]!, e.amount, e.isFraud);
    value += o.valueModel.realised(e.decisions[arm]!, e.amount, e.isFraud);
    cumulativeValue[i + 1] = value;
    for (let a = 0; a < arms; a++) cumulativeIfOnly[a]![i + 1] = valueIfOnly[a]!;
    c.onScored({
      transaction_id: e.transactionId,
      card_token: e.cardToken,
      experiment: o.plan.name,
      experiment_arm: o.plan.arms[arm]!.arm,
      amount: e.amount,
      score: e.scores[arm]!,
      decision: e.decisions[arm]!,
    });
  }
  return {
    events: events.length,
    value,
    eventsByArm,
    valueIfOnly,
    cumulativeValue,
    cumulativeIfOnly,
    regret: Math.max(...valueIfOnly) - value,
    weightChanges,
    stops,
    finalWeights: c.weights,
  };
}

/** Events replayed before `arm` first had at least `share` of the weight; undefined when it never did. */
export function eventsUntilShare(changes: readonly WeightChange[], arm: number, share: number): number | undefined {
  return changes.find((c) => c.weights[arm]! >= share)?.afterEvents;
}
