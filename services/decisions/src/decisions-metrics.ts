import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The decision API's metrics. Labels carry statuses, outcomes and reasons only, never ids or values. */
export interface DecisionsMetrics {
  readonly requests: Counter<'status'>;
  readonly decisions: Counter<'decision'>;
  readonly duration: Histogram;
  readonly batchSize: Histogram;
  readonly inFlight: Gauge;
  /** Decided on default features because Redis was unavailable (fail-open policy). */
  readonly degraded: Counter;
  /** Answered from the answer store (a retry with the same transaction_id). */
  readonly replayed: Counter;
  readonly authFailures: Counter<'reason'>;
  readonly relayed: Counter<'outcome'>;
  readonly recordDuration: Histogram;
}

const byRegistry = new WeakMap<Registry, DecisionsMetrics>();

const LATENCY_BUCKETS = [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 1];

export function decisionsMetrics(registry: Registry): DecisionsMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const m: DecisionsMetrics = {
    requests: new Counter({ name: 'decisions_requests_total', help: 'POST /v1/decisions requests by HTTP status', labelNames: ['status'], registers }),
    decisions: new Counter({ name: 'decisions_answers_total', help: 'Decisions answered, by decision (APPROVE, REVIEW, DECLINE)', labelNames: ['decision'], registers }),
    duration: new Histogram({ name: 'decisions_request_duration_seconds', help: 'POST /v1/decisions from the request read to the answer written', buckets: LATENCY_BUCKETS, registers }),
    batchSize: new Histogram({ name: 'decisions_batch_size_requests', help: 'Requests decided together in one Redis round trip and one model run', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers }),
    inFlight: new Gauge({ name: 'decisions_in_flight_requests', help: 'Requests being decided now', registers }),
    degraded: new Counter({ name: 'decisions_features_degraded_total', help: 'Decisions made on default features because Redis was unavailable (DECISIONS_REDIS_POLICY=fail-open)', registers }),
    replayed: new Counter({ name: 'decisions_replayed_total', help: 'Retries with a known transaction_id answered with the stored decision', registers }),
    authFailures: new Counter({ name: 'decisions_auth_failures_total', help: 'Requests refused with 401, by reason', labelNames: ['reason'], registers }),
    relayed: new Counter({ name: 'decisions_relayed_total', help: 'Outbox records copied to valid, enriched and scored (relayed) or dropped as a second copy (duplicate)', labelNames: ['outcome'], registers }),
    recordDuration: new Histogram({ name: 'decisions_record_duration_seconds', help: 'Kafka acknowledgement of a batch of outbox records', buckets: LATENCY_BUCKETS, registers }),
  };
  byRegistry.set(registry, m);
  return m;
}
