/**
 * The bandit in the running drift monitor: which experiments run (the registry's at start, then
 * models.lifecycle.v1), their evidence from the monitor's scored and label batches, and on every tick
 * the weights the bandit decides, announced as ARM_WEIGHTS for scoring to follow. A stopped arm (weight
 * 0, `drift_experiment_arm_stopped` 1, which the ExperimentArmStopped alert watches) is announced with
 * its evidence in the event's reasons. GET /v1/experiments/<name> serves `riskstream experiment status`.
 */
import type { Producer } from 'kafkajs';
import {
  createIdempotentProducer,
  createRng,
  lifecycleEvent,
  sendLifecycleEvents,
  toAppError,
  type Logger,
  type ModelLifecycleEvent,
  type ServiceContext,
  type ValueModel,
} from '@riskstream/shared';
import { experimentFromRecord, type ExperimentSpec, type ModelSource } from '@riskstream/shared/model';
import type { BanditConfig } from './bandit-config.ts';
import { ExperimentBandits } from './experiment-bandits.ts';
import type { ExperimentLabel, ExperimentScoredRecord, WeightsDecision } from './experiment-controller.ts';
import { experimentMetrics, publishExperimentMetrics, type ExperimentMetrics } from './experiment-metrics.ts';
import { armStatus, type ExperimentStatus } from './experiment-status.ts';
import { stableHash32 } from './stable-hash.ts';
import type { StopDecision } from './thompson.ts';

export interface LiveExperimentsOptions {
  readonly ctx: ServiceContext;
  readonly config: BanditConfig & { readonly modelName: string };
  readonly valueModel: ValueModel;
  readonly source: ModelSource;
  readonly logger: Logger;
}

export class LiveExperiments {
  readonly #o: LiveExperimentsOptions;
  readonly #bandits: ExperimentBandits;
  readonly #metrics: ExperimentMetrics;
  /** The running experiments as last announced (arms, cap, start), by name. */
  readonly #specs = new Map<string, ExperimentSpec>();
  /** Decided weights not yet announced, with their reasons, by experiment. */
  readonly #unannounced = new Map<string, string[]>();
  #producer: Producer | undefined;

  constructor(o: LiveExperimentsOptions) {
    this.#o = o;
    this.#bandits = new ExperimentBandits({
      config: o.config,
      valueModel: o.valueModel,
      rngFor: (name) => createRng((o.config.banditSeed ^ stableHash32(name)) >>> 0),
    });
    this.#metrics = experimentMetrics(o.ctx.registry);
  }

  /** The registry's running experiment, if any; a source failure leaves it to the lifecycle events. */
  async loadInitial(): Promise<void> {
    try {
      const spec = (await this.#o.source.aliases(this.#o.config.modelName)).experiment;
      if (spec) this.#start(spec);
    } catch (err) {
      this.#o.logger.warn({ err: toAppError(err) }, 'cannot read the registry\'s experiment; waiting for lifecycle events');
    }
  }

  handleLifecycle(event: ModelLifecycleEvent): void {
    if (event.model_name !== this.#o.config.modelName || !event.experiment) return;
    let spec: ExperimentSpec;
    try {
      spec = experimentFromRecord(event.model_name, event.experiment);
    } catch (err) {
      this.#o.logger.error({ err: toAppError(err), eventId: event.event_id }, 'invalid experiment in a lifecycle event; ignored');
      return;
    }
    if (event.action === 'EXPERIMENT_STOPPED') {
      this.#specs.delete(spec.name);
      this.#unannounced.delete(spec.name);
      this.#bandits.stop(spec.name);
    } else if (event.action === 'EXPERIMENT_STARTED' || event.action === 'ARM_WEIGHTS') {
      this.#start(spec);
      this.#bandits.adoptWeights(spec.name, spec.weights);
      spec.weights.forEach((w, i) => w === 0 && this.#bandits.markStopped(spec.name, spec.arms[i]!.arm));
    }
    this.#publishMetrics();
  }

  addScored(records: readonly ExperimentScoredRecord[]): void {
    this.#bandits.addScored(records);
  }

  addLabels(labels: readonly ExperimentLabel[]): void {
    this.#bandits.addLabels(labels);
  }

  /**
   * Decides, announces what changed, and refreshes the metrics. An announcement that fails (Kafka down)
   * is sent again on the next tick, with the weights in force then.
   */
  async tick(now: number): Promise<void> {
    for (const { experiment, decision } of this.#bandits.decide(now)) {
      const spec = this.#specs.get(experiment);
      if (!spec) continue;
      const next: ExperimentSpec = { ...spec, weights: [...decision.weights] };
      this.#specs.set(experiment, next);
      for (const stop of decision.stops) this.#o.logger.warn({ experiment, stop }, 'experiment arm stopped automatically: its value trails the champion\'s');
      this.#unannounced.set(experiment, [...(this.#unannounced.get(experiment) ?? []).filter((r) => !r.startsWith('bandit weights') && !r.startsWith('P(best)')), ...reasonsOf(next, decision)]);
    }
    this.#publishMetrics();
    for (const [experiment, reasons] of this.#unannounced) {
      const spec = this.#specs.get(experiment);
      if (spec) await this.#announce(spec, reasons);
      this.#unannounced.delete(experiment);
    }
  }

  /** What `riskstream experiment status` prints; undefined for an experiment not running here. */
  status(name: string): ExperimentStatus | undefined {
    const spec = this.#specs.get(name);
    const controller = this.#bandits.get(name);
    if (!spec || !controller) return undefined;
    const view = controller.view();
    const posteriors = controller.posteriors();
    return {
      name,
      mode: spec.mode,
      currency: this.#o.valueModel.currency,
      arms: view.arms.map((a, i) => armStatus(a, posteriors[i]!, view.weights[i] ?? 0, view.stopped.has(a.arm), view.probabilityBest?.[i])),
    };
  }

  async close(): Promise<void> {
    await this.#producer?.disconnect();
  }

  #start(spec: ExperimentSpec): void {
    if (!this.#specs.has(spec.name)) this.#o.logger.info({ experiment: spec.name, mode: spec.mode, arms: spec.arms }, 'measuring experiment');
    this.#specs.set(spec.name, spec);
    this.#bandits.start(spec);
  }

  async #announce(spec: ExperimentSpec, reasons: string[]): Promise<void> {
    if (!this.#producer) {
      this.#producer = createIdempotentProducer(this.#o.ctx.kafka);
      await this.#producer.connect();
    }
    const control = spec.arms[0]!;
    const event = lifecycleEvent({ action: 'ARM_WEIGHTS', model: { name: this.#o.config.modelName, version: control.version, manifest: { onnxSha256: '' } }, reasons, experiment: spec });
    await sendLifecycleEvents(this.#producer, this.#o.ctx.codec, [event]);
  }

  #publishMetrics(): void {
    publishExperimentMetrics(this.#metrics, this.#bandits.views());
  }
}

function reasonsOf(spec: ExperimentSpec, d: WeightsDecision): string[] {
  const weights = spec.arms.map((a, i) => `${a.arm} ${(d.weights[i]! * 100).toFixed(1)}%`).join(', ');
  const best = spec.arms.map((a, i) => `${a.arm} ${(d.probabilityBest[i]! * 100).toFixed(1)}%`).join(', ');
  return [`bandit weights: ${weights}`, `P(best): ${best}`, ...d.stops.map(stopReason)];
}

function stopReason(s: StopDecision): string {
  return `arm ${s.arm} stopped after ${s.labelledEvents} labelled events: value per event ${s.meanValue.toFixed(4)} vs the champion's ${s.controlMeanValue.toFixed(4)} ` +
    `(upper ${(s.confidence * 100).toFixed(1)}% bound of the difference ${s.upperBound.toFixed(4)}, below -${s.margin})`;
}
