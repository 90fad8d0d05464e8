/**
 * Per experiment and arm metrics, in the drift monitor's style: gauges labelled by experiment and arm
 * (never by card), rewritten as a whole on each publish (reset, then set), so the series of a finished
 * experiment disappear instead of going stale. Counts are gauges too: they are the arm's totals since
 * the experiment started, which the controller holds, not increments seen by this process.
 * `source` is `realised` (labelled events), `estimated` (every event, from the calibrated scores) or,
 * for value, `blended` (realised where labelled, estimated otherwise: what the bandit uses).
 */
import { Gauge, type Registry } from 'prom-client';
import { blendedValuePerEvent, precisionOf, recallOf, type ArmSnapshot } from './arm-statistics.ts';

type ArmLabels = 'experiment' | 'arm';

export interface ExperimentMetrics {
  readonly events: Gauge<ArmLabels>;
  readonly labelledEvents: Gauge<ArmLabels>;
  readonly decisions: Gauge<ArmLabels | 'decision'>;
  readonly precision: Gauge<ArmLabels | 'source'>;
  readonly recall: Gauge<ArmLabels | 'source'>;
  readonly value: Gauge<ArmLabels | 'source'>;
  readonly valuePerEvent: Gauge<ArmLabels | 'source'>;
  readonly estimateBias: Gauge<ArmLabels>;
  readonly pendingLabels: Gauge<ArmLabels>;
  readonly weight: Gauge<ArmLabels>;
  readonly probabilityBest: Gauge<ArmLabels>;
  readonly stopped: Gauge<ArmLabels>;
}

/** One experiment's state to publish. */
export interface ExperimentView {
  readonly experiment: string;
  readonly arms: readonly ArmSnapshot[];
  readonly weights: readonly number[];
  /** From the last bandit decision; absent for a split. */
  readonly probabilityBest?: readonly number[];
  readonly stopped: ReadonlySet<string>;
}

export function experimentMetrics(registry: Registry): ExperimentMetrics {
  const registers = [registry];
  const arm = (name: string, help: string): Gauge<ArmLabels> => new Gauge({ name, help, labelNames: ['experiment', 'arm'], registers });
  const bySource = (name: string, help: string): Gauge<ArmLabels | 'source'> =>
    new Gauge({ name, help, labelNames: ['experiment', 'arm', 'source'], registers });
  return {
    events: arm('drift_experiment_arm_events', 'Scored events the arm decided since the experiment started'),
    labelledEvents: arm('drift_experiment_arm_labelled_events', 'Events of the arm whose label has arrived'),
    decisions: new Gauge({
      name: 'drift_experiment_arm_decisions',
      help: 'Decisions of the arm since the experiment started, by decision',
      labelNames: ['experiment', 'arm', 'decision'],
      registers,
    }),
    precision: bySource('drift_experiment_arm_precision', 'Precision of the arm\'s REVIEW and DECLINE decisions (realised: labelled events; estimated: calibrated scores)'),
    recall: bySource('drift_experiment_arm_recall', 'Recall of the arm\'s REVIEW and DECLINE decisions (realised: labelled events; estimated: calibrated scores)'),
    value: bySource('drift_experiment_arm_value', 'Total value of the arm\'s decisions in VALUE_CURRENCY against approving everything (realised, estimated or blended)'),
    valuePerEvent: bySource('drift_experiment_arm_value_per_event', 'Mean value per event of the arm in VALUE_CURRENCY (realised, estimated or blended)'),
    estimateBias: arm(
      'drift_experiment_arm_estimate_bias',
      'Mean realised minus estimated value per labelled event of the arm, in VALUE_CURRENCY: how far its calibration is off in value (the bandit corrects its estimates by it)',
    ),
    pendingLabels: arm('drift_experiment_arm_estimate_only_events', 'Events of the arm counted by their estimated value: label not arrived, evicted or outside the label sample'),
    weight: arm('drift_experiment_arm_weight', 'Share of cards routed to the arm (the weights in force)'),
    probabilityBest: arm('drift_experiment_arm_probability_best', 'Posterior probability that the arm has the highest value per event (bandit experiments)'),
    stopped: arm('drift_experiment_arm_stopped', '1 when the arm was stopped (automatically or by hand)'),
  };
}

const ratio = (num: number, den: number): number => (den > 0 ? num / den : Number.NaN);

function setArm(m: ExperimentMetrics, v: ExperimentView, i: number): void {
  const a = v.arms[i]!;
  const l = { experiment: v.experiment, arm: a.arm };
  const finite = (g: Gauge<ArmLabels | 'source'>, source: string, x: number): void => {
    if (Number.isFinite(x)) g.set({ ...l, source }, x);
  };
  m.events.set(l, a.events);
  m.labelledEvents.set(l, a.labelled.n);
  for (const [decision, n] of Object.entries(a.decisions)) m.decisions.set({ ...l, decision }, n);
  finite(m.precision, 'realised', precisionOf(a.realised));
  finite(m.precision, 'estimated', precisionOf(a.estimated));
  finite(m.recall, 'realised', recallOf(a.realised));
  finite(m.recall, 'estimated', recallOf(a.estimated));
  finite(m.value, 'realised', a.labelled.sum);
  finite(m.value, 'estimated', a.estimatedValue);
  finite(m.value, 'blended', a.labelled.sum + a.estimateOnly.sum);
  finite(m.valuePerEvent, 'realised', ratio(a.labelled.sum, a.labelled.n));
  finite(m.valuePerEvent, 'estimated', ratio(a.estimatedValue, a.events));
  finite(m.valuePerEvent, 'blended', blendedValuePerEvent(a));
  if (a.residual.n > 0) m.estimateBias.set(l, a.residual.sum / a.residual.n);
  m.pendingLabels.set(l, a.estimateOnly.n);
  m.weight.set(l, v.weights[i] ?? 0);
  const pBest = v.probabilityBest?.[i];
  if (pBest !== undefined) m.probabilityBest.set(l, pBest);
  m.stopped.set(l, v.stopped.has(a.arm) ? 1 : 0);
}

/** Rewrites every experiment gauge from the running experiments' views. */
export function publishExperimentMetrics(m: ExperimentMetrics, views: readonly ExperimentView[]): void {
  for (const g of Object.values(m)) (g as Gauge<string>).reset();
  for (const v of views) for (let i = 0; i < v.arms.length; i++) setArm(m, v, i);
}
