import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { REJECTION_REASONS } from './rejection-reasons.ts';

/**
 * Ingest's own metrics, next to the runner's riskstream_* ones. Labels carry codes and outcomes only,
 * never ids or values: a label value is stored and shipped as-is.
 */
export interface IngestMetrics {
  /** Stream path: every handled record once, by outcome. */
  readonly records: Counter<'outcome'>;
  /** Refused records by reason; source is kafka (to the DLQ) or http (answered to the client). */
  readonly rejections: Counter<'source' | 'reason'>;
  readonly duplicates: Counter;
  readonly redeliveries: Counter;
  readonly dedupDuration: Histogram;
  readonly httpRequests: Counter<'status'>;
  readonly httpRecords: Counter<'outcome'>;
  readonly httpInFlightRequests: Gauge;
  readonly httpInFlightRecords: Gauge;
}

const byRegistry = new WeakMap<Registry, IngestMetrics>();

export function ingestMetrics(registry: Registry): IngestMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const m: IngestMetrics = {
    records: new Counter({ name: 'ingest_records_total', help: 'Records handled from transactions.raw.v1, by outcome (valid, rejected, duplicate)', labelNames: ['outcome'], registers }),
    rejections: new Counter({ name: 'ingest_rejections_total', help: 'Refused records by reason code and source (kafka, http)', labelNames: ['source', 'reason'], registers }),
    duplicates: new Counter({ name: 'ingest_duplicates_total', help: 'Records dropped because their transaction_id was seen at other coordinates within the horizon', registers }),
    redeliveries: new Counter({ name: 'ingest_redeliveries_total', help: 'Records whose dedup marker already held their own coordinates (redelivered after an abort), processed again', registers }),
    dedupDuration: new Histogram({
      name: 'ingest_dedup_duration_seconds',
      help: 'One Redis round trip deduplicating a micro-batch',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    httpRequests: new Counter({ name: 'ingest_http_requests_total', help: 'POST /transactions requests by HTTP status', labelNames: ['status'], registers }),
    httpRecords: new Counter({ name: 'ingest_http_records_total', help: 'Records submitted over HTTP, by outcome (accepted, rejected)', labelNames: ['outcome'], registers }),
    httpInFlightRequests: new Gauge({ name: 'ingest_http_in_flight_requests', help: 'POST /transactions requests being handled now', registers }),
    httpInFlightRecords: new Gauge({ name: 'ingest_http_in_flight_records', help: 'Records of POST /transactions requests being validated or produced now', registers }),
  };
  // Zero series exist from the start, so rate() and absent-series alerts work before the first event.
  for (const outcome of ['valid', 'rejected', 'duplicate']) m.records.inc({ outcome }, 0);
  for (const outcome of ['accepted', 'rejected']) m.httpRecords.inc({ outcome }, 0);
  for (const reason of Object.keys(REJECTION_REASONS)) m.rejections.inc({ source: 'kafka', reason }, 0);
  byRegistry.set(registry, m);
  return m;
}
