import { Counter, Histogram, type Registry } from 'prom-client';

/** The feature service's own metrics; the shared runner adds the riskstream_* pipeline metrics. */
export interface FeaturesMetrics {
  readonly redisRoundtrip: Histogram<'script'>;
  readonly events: Counter<'kind'>;
  readonly lateEvents: Counter;
  readonly redeliveredEvents: Counter;
  readonly duplicateLabels: Counter;
  readonly degradedEvents: Counter;
  readonly generationChanges: Counter;
}

export function featuresMetrics(registry: Registry): FeaturesMetrics {
  const registers = [registry];
  return {
    redisRoundtrip: new Histogram({
      name: 'features_redis_roundtrip_seconds',
      help: 'Time of the one feature-store script call per micro-batch, by script (apply-events, apply-labels)',
      labelNames: ['script'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    events: new Counter({
      name: 'features_events_total',
      help: 'Input records handled, by kind (transaction, label)',
      labelNames: ['kind'],
      registers,
    }),
    lateEvents: new Counter({
      name: 'features_late_events_total',
      help: 'Transactions older than their partition watermark minus the allowed lateness: scored, not recorded',
      registers,
    }),
    redeliveredEvents: new Counter({
      name: 'features_redelivered_events_total',
      help: 'Transactions seen before (redelivery or replay): answered from their stored pre-state, not recorded again',
      registers,
    }),
    duplicateLabels: new Counter({
      name: 'features_duplicate_labels_total',
      help: 'Fraud labels for a transaction whose label was already recorded; ignored',
      registers,
    }),
    degradedEvents: new Counter({
      name: 'features_degraded_events_total',
      help: 'Transactions enriched on incomplete history because Redis lost the feature state (marked features_degraded)',
      registers,
    }),
    generationChanges: new Counter({
      name: 'features_store_generation_changes_total',
      help: 'Times this process found the feature store on a new generation: Redis lost the state (restarted empty, flushed)',
      registers,
    }),
  };
}
