/**
 * Scoring's own metrics (`scoring_<what>_<unit>`), registered on the service's registry. The runner's
 * pipeline metrics (consumed, produced, lag, batch duration) come from shared and are not repeated here.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ScoringMetrics {
  readonly inferenceDuration: Histogram;
  readonly events: Counter<'decision'>;
  readonly modelVersion: Gauge<'model' | 'version'>;
  readonly modelLoads: Counter<'outcome'>;
  readonly modelRejections: Counter<'reason'>;
  readonly score: Histogram;
  readonly endToEndLatency: Histogram;
  readonly lifecycleEvents: Counter<'action'>;
  readonly challengerFailures: Counter;
}

export function scoringMetrics(registry: Registry): ScoringMetrics {
  const registers = [registry];
  return {
    inferenceDuration: new Histogram({
      name: 'scoring_inference_duration_seconds',
      help: 'Time to score one micro-batch: feature tensors, onnxruntime (champion and challenger) and reasons',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    events: new Counter({ name: 'scoring_events_total', help: 'Transactions scored, by decision', labelNames: ['decision'], registers }),
    modelVersion: new Gauge({
      name: 'scoring_model_version',
      help: 'The champion being served: 1 for the current model/version label pair, absent otherwise',
      labelNames: ['model', 'version'],
      registers,
    }),
    modelLoads: new Counter({
      name: 'scoring_model_loads_total',
      help: 'Model load attempts: loaded (validated and installed) or refused (old model keeps serving)',
      labelNames: ['outcome'],
      registers,
    }),
    modelRejections: new Counter({
      name: 'scoring_model_rejected_total',
      help: 'Models refused before serving, by reason (MODEL_REJECTION_REASONS: EMPTY_MODEL, UNREADABLE, SIGNATURE_MISMATCH, INVALID_OUTPUT, PATH_ESCAPE, ...)',
      labelNames: ['reason'],
      registers,
    }),
    score: new Histogram({
      name: 'scoring_score',
      help: 'Distribution of champion scores (calibrated probability of fraud)',
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1],
      registers,
    }),
    endToEndLatency: new Histogram({
      name: 'scoring_end_to_end_latency_seconds',
      help: 'From ingest (ingest_time) to the score being computed',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    lifecycleEvents: new Counter({
      name: 'scoring_lifecycle_events_total',
      help: 'Model lifecycle events seen for the served model, by action',
      labelNames: ['action'],
      registers,
    }),
    challengerFailures: new Counter({
      name: 'scoring_challenger_failures_total',
      help: 'Batches whose shadow (challenger) scoring failed; the champion result was still published',
      registers,
    }),
  };
}
