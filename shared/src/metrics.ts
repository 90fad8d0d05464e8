import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One prom-client registry per process, passed in explicitly (never the global one) so tests can build
 * several services in one process without metric name clashes.
 *
 * Naming: pipeline-wide metrics that every service emits through the shared runner are
 * `riskstream_<what>_<unit>` with a `service` label (one dashboard query covers every stage);
 * service-specific ones are `<service>_<what>_<unit>`.
 */
export function createMetricsRegistry(service: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

export interface PipelineMetrics {
  readonly consumed: Counter<'topic'>;
  readonly produced: Counter<'topic'>;
  readonly dlq: Counter<'topic' | 'code'>;
  readonly retries: Counter<'code'>;
  readonly batchDuration: Histogram<'topic'>;
  readonly batchSize: Histogram<'topic'>;
  readonly batchPhase: Counter<'topic' | 'phase'>;
  readonly lag: Gauge<'topic' | 'partition'>;
  readonly inFlight: Gauge;
  readonly crashes: Counter;
  readonly transactionSize: Histogram;
  readonly transactionDuration: Histogram;
  readonly transactionFailures: Counter<'type'>;
}

const pipelineMetricsByRegistry = new WeakMap<Registry, PipelineMetrics>();

/** The runner's metrics; created once per registry (several runners in one process share them). */
export function pipelineMetrics(registry: Registry): PipelineMetrics {
  const existing = pipelineMetricsByRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const m: PipelineMetrics = {
    consumed: new Counter({ name: 'riskstream_messages_consumed_total', help: 'Records consumed, by input topic', labelNames: ['topic'], registers }),
    produced: new Counter({ name: 'riskstream_messages_produced_total', help: 'Records produced and acknowledged, by output topic', labelNames: ['topic'], registers }),
    dlq: new Counter({ name: 'riskstream_dlq_messages_total', help: 'Records sent to the dead-letter topic, by input topic and error code', labelNames: ['topic', 'code'], registers }),
    retries: new Counter({ name: 'riskstream_handler_retries_total', help: 'Retries of retriable failures, by error code', labelNames: ['code'], registers }),
    batchDuration: new Histogram({
      name: 'riskstream_batch_duration_seconds',
      help: 'Time to process one micro-batch end to end (decode, handle, produce, commit)',
      labelNames: ['topic'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    batchPhase: new Counter({
      name: 'riskstream_batch_phase_seconds_total',
      help: 'Micro-batch time by phase: decode (input schemas), handle (the stage\'s work and encoding its outputs), commit (dead-letter records, produce, and the offsets\' commit or transaction)',
      labelNames: ['topic', 'phase'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'riskstream_batch_size_messages',
      help: 'Records per micro-batch',
      labelNames: ['topic'],
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    lag: new Gauge({ name: 'riskstream_consumer_lag_messages', help: 'High watermark minus next offset to process', labelNames: ['topic', 'partition'], registers }),
    inFlight: new Gauge({ name: 'riskstream_batches_in_flight', help: 'Micro-batches being processed now', registers }),
    crashes: new Counter({ name: 'riskstream_consumer_crashes_total', help: 'Consumer crashes followed by a restart', registers }),
    transactionSize: new Histogram({
      name: 'riskstream_transaction_size_messages',
      help: 'Input records committed per Kafka transaction (the commit cadence at work)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    transactionDuration: new Histogram({
      name: 'riskstream_transaction_duration_seconds',
      help: 'Time from starting a transaction to its commit (sends, offsets, EndTxn)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    transactionFailures: new Counter({
      name: 'riskstream_transaction_failures_total',
      help: 'Transactions that did not commit (their inputs are processed again), by Kafka error type; REBALANCED: work dropped at a rebalance before its commit began',
      labelNames: ['type'],
      registers,
    }),
  };
  pipelineMetricsByRegistry.set(registry, m);
  return m;
}
