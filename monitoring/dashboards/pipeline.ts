import { burnWindows, sloErrorRatioRecord } from '../alerts.ts';
import { COST_RECORDS } from '../compute-cost.ts';
import { dashboard, labelVariable, q, row, stat, stateTimeline, timeseries } from './panels.ts';

const S = 'service=~"$service"';
const R = '$__rate_interval';

function quantiles(metric: string, by: string, legend: string): ReturnType<typeof q>[] {
  return [0.5, 0.95, 0.99].map((p) =>
    q(`histogram_quantile(${p}, sum by (${by}le) (rate(${metric}_bucket[${R}])))`, `${legend}p${Math.round(p * 100)}`),
  );
}

export const pipelineDashboard = dashboard({
  uid: 'riskstream-pipeline',
  title: 'riskstream / pipeline overview',
  description: 'Throughput, lag, latency, dead letters and errors of every riskstream service (job="riskstream").',
  variables: [labelVariable('service', 'service', 'process_start_time_seconds{job="riskstream"}')],
  panels: [
    row('Throughput'),
    timeseries('Records consumed / s', [q(`sum by (service, topic) (rate(riskstream_messages_consumed_total{${S}}[${R}]))`, '{{service}} <- {{topic}}')], { unit: 'ops', min: 0 }),
    timeseries('Records produced / s', [q(`sum by (service, topic) (rate(riskstream_messages_produced_total{${S}}[${R}]))`, '{{service}} -> {{topic}}')], { unit: 'ops', min: 0 }),
    ...computeCostPanels(),
    timeseries('Ingest outcomes / s', [q(`sum by (outcome) (rate(ingest_records_total[${R}]))`, '{{outcome}}')], { unit: 'ops', min: 0, stack: true, w: 8 }),
    timeseries('Decisions / s', [q(`sum by (decision) (rate(scoring_events_total[${R}]))`, '{{decision}}')], { unit: 'ops', min: 0, stack: true, w: 8 }),
    stateTimeline('Targets up', [q('max by (replica) (up{job="riskstream"})', '{{replica}}')], {
      description: 'One row per scraped riskstream process; red is a failed scrape (ServiceDown fires after a while).',
      threshold: 'scrapeUp',
      belowIsBad: true,
      w: 8,
      h: 8,
    }),

    row('Lag and latency'),
    timeseries('Consumer lag (messages)', [q(`sum by (service, topic) (riskstream_consumer_lag_messages{${S}})`, '{{service}} <- {{topic}}')], {
      unit: 'short',
      min: 0,
      threshold: 'consumerLag',
    }),
    timeseries('Micro-batch duration', [0.5, 0.99].map((p) => q(`histogram_quantile(${p}, sum by (service, le) (rate(riskstream_batch_duration_seconds_bucket{${S}}[${R}])))`, `{{service}} p${p * 100}`)), {
      unit: 's',
      min: 0,
      description: 'Decode, handle, produce and commit of one micro-batch, per service.',
    }),
    timeseries(
      'Micro-batch time by phase (mean per batch)',
      [q(`sum by (service, phase) (rate(riskstream_batch_phase_seconds_total{${S}}[${R}])) / on (service) group_left sum by (service) (rate(riskstream_batch_duration_seconds_count{${S}}[${R}]))`, '{{service}} {{phase}}')],
      {
        unit: 's',
        min: 0,
        stack: true,
        description: 'Where a batch\'s time goes: decode (input schemas), handle (the stage\'s work), commit (produce and the Kafka transaction). A commit share that grows with load means the broker\'s transactions, not the stage, set the latency.',
      },
    ),
    timeseries('End-to-end latency (ingest to scored)', quantiles('scoring_end_to_end_latency_seconds', '', ''), {
      unit: 's',
      min: 0,
      threshold: 'latencySloSeconds',
    }),
    timeseries(
      'Latency SLO error ratio',
      burnWindows.map((w) => q(sloErrorRatioRecord(w), w)),
      { unit: 'percentunit', min: 0, description: 'Share of events scored later than the SLO bound (recording rules); the error budget is 1 - objective.' },
    ),
    timeseries(
      'Stage round trips p99',
      [
        q(`histogram_quantile(0.99, sum by (le) (rate(ingest_dedup_duration_seconds_bucket[${R}])))`, 'ingest dedup (Redis)'),
        q(`histogram_quantile(0.99, sum by (script, le) (rate(features_redis_roundtrip_seconds_bucket[${R}])))`, 'features {{script}} (Redis)'),
        q(`histogram_quantile(0.99, sum by (le) (rate(scoring_inference_duration_seconds_bucket[${R}])))`, 'scoring inference'),
      ],
      { unit: 's', min: 0 },
    ),
    timeseries('Batches in flight', [q(`sum by (service) (riskstream_batches_in_flight{${S}})`, '{{service}}')], { unit: 'short', min: 0 }),
    timeseries(
      'Commit cadence: inputs per transaction',
      [
        q(`histogram_quantile(0.5, sum by (service, le) (rate(riskstream_transaction_size_messages_bucket{${S}}[${R}])))`, '{{service}} p50'),
        q(`sum by (service) (rate(riskstream_transaction_size_messages_sum{${S}}[${R}])) / sum by (service) (rate(riskstream_transaction_size_messages_count{${S}}[${R}]))`, '{{service}} mean'),
      ],
      { unit: 'short', min: 0, description: 'COMMIT_INTERVAL_MS and COMMIT_MAX_RECORDS at work: few inputs per transaction means the broker pays a transaction for little.' },
    ),
    timeseries(
      'Transactions: commit time p99 and failures / s',
      [
        q(`histogram_quantile(0.99, sum by (service, le) (rate(riskstream_transaction_duration_seconds_bucket{${S}}[${R}])))`, '{{service}} commit p99 (s)'),
        q(`sum by (service) (rate(riskstream_transaction_failures_total{${S}}[${R}])) or sum by (service) (rate(riskstream_transaction_duration_seconds_count{${S}}[${R}])) * 0`, '{{service}} failures / s'),
      ],
      { unit: 'short', min: 0, description: 'A failed transaction is settled and its inputs processed again from the committed offsets (a rebalance, a fenced zombie, a broker outage).' },
    ),

    row('Decision API'),
    timeseries('Decision API requests / s by status', [q(`sum by (status) (rate(decisions_requests_total[${R}]))`, '{{status}}')], {
      unit: 'ops',
      min: 0,
      stack: true,
      w: 8,
      description: 'POST /v1/decisions: 200 decided, 400 invalid, 401 no or wrong key, 409 the stream had it first, 413 body too large, 429 saturated, 503 Redis (fail-closed), Kafka or the model unavailable.',
    }),
    timeseries(
      'Decision API latency',
      [...quantiles('decisions_request_duration_seconds', '', 'answer '), q(`histogram_quantile(0.99, sum by (le) (rate(decisions_record_duration_seconds_bucket[${R}])))`, 'outbox ack p99')],
      { unit: 's', min: 0, w: 8, description: 'From the request read to the answer written; the outbox ack is the Kafka part of it.' },
    ),
    timeseries(
      'Decision API: degraded, replayed, refused, relayed / s',
      [
        q(`sum(rate(decisions_features_degraded_total[${R}]))`, 'degraded (fail-open)'),
        q(`sum(rate(decisions_replayed_total[${R}]))`, 'retries answered from the store'),
        q(`sum(rate(decisions_auth_failures_total[${R}])) or sum(rate(decisions_requests_total[${R}])) * 0`, 'auth failures'),
        q(`sum by (outcome) (rate(decisions_relayed_total[${R}]))`, 'relay {{outcome}}'),
      ],
      { unit: 'ops', min: 0, w: 8 },
    ),

    row('Dead letters and errors'),
    timeseries(
      'Dead-lettered records / s',
      // The DLQ counter has no series before a service's first dead letter; the zero series per consumed
      // topic keeps the panel (and its check) meaningful on a healthy pipeline.
      [q(`sum by (service, topic) (rate(riskstream_dlq_messages_total{${S}}[${R}])) or sum by (service, topic) (rate(riskstream_messages_consumed_total{${S}}[${R}])) * 0`, '{{service}} <- {{topic}}')],
      { unit: 'ops', min: 0 },
    ),
    timeseries(
      'Dead-letter ratio',
      [q(`sum by (service, topic) (rate(riskstream_dlq_messages_total{${S}}[5m])) / sum by (service, topic) (rate(riskstream_messages_consumed_total{${S}}[5m])) or sum by (service, topic) (rate(riskstream_messages_consumed_total{${S}}[5m])) * 0`, '{{service}} <- {{topic}}')],
      { unit: 'percentunit', min: 0, threshold: 'dlqRatio' },
    ),
    timeseries(
      'Handler retries / s',
      [q(`sum by (service, code) (rate(riskstream_handler_retries_total{${S}}[${R}])) or sum by (service) (rate(riskstream_consumer_crashes_total{${S}}[${R}])) * 0`, '{{service}} {{code}}')],
      { unit: 'ops', min: 0, w: 8 },
    ),
    timeseries('Consumer crashes (5 m)', [q(`sum by (service) (increase(riskstream_consumer_crashes_total{${S}}[5m]))`, '{{service}}')], { unit: 'short', min: 0, w: 8 }),
    stat('Ingest rejections / s', [q(`sum(rate(ingest_rejections_total[${R}]))`, 'rejected')], { unit: 'ops', w: 8, h: 8 }),
    timeseries('Ingest rejections by reason / s', [q(`sum by (source, reason) (rate(ingest_rejections_total[${R}]))`, '{{source}} {{reason}}')], { unit: 'ops', min: 0 }),
    timeseries(
      'Duplicates, redeliveries and late events / s',
      [
        q(`sum(rate(ingest_duplicates_total[${R}]))`, 'ingest duplicates'),
        q(`sum(rate(ingest_redeliveries_total[${R}]))`, 'ingest redeliveries'),
        q(`sum(rate(features_redelivered_events_total[${R}]))`, 'features redelivered'),
        q(`sum(rate(features_late_events_total[${R}]))`, 'features late'),
      ],
      { unit: 'ops', min: 0 },
    ),
  ],
});

/** Beside the throughput: what each stage spends per 1,000 scores (monitoring/compute-cost.ts). */
function computeCostPanels(): ReturnType<typeof timeseries>[] {
  const c = COST_RECORDS;
  return [
    timeseries('Scored transactions / s (streaming and decision API)', [q(c.scored, 'scored / s')], {
      unit: 'ops',
      min: 0,
      w: 8,
      description: 'The denominator of the cost panels: scoring_events_total (scoring or fused) plus decisions_answers_total (decision API).',
    }),
    timeseries('CPU seconds per 1,000 scored, by stage', [q(`${c.cpuPer1k}{${S}}`, '{{service}}'), q(c.totalCpuPer1k, 'all stages')], {
      unit: 's',
      min: 0,
      w: 8,
      description: 'Each process\'s own CPU time (process_cpu_seconds_total) per 1,000 scored transactions; every riskstream process counts, the monitor and archiver included.',
    }),
    timeseries('Compute cost per 1,000 scores', [q(`${c.costPer1k}{${S}}`, '{{service}} ({{currency}})'), q(c.totalCostPer1k, 'all stages ({{currency}})')], {
      unit: 'short',
      min: 0,
      w: 8,
      description: 'CPU seconds per 1,000 scores / 3600 × the price per core-hour (COST_PER_CORE_HOUR when the rules were generated, monitoring/cost-settings.ts).',
    }),
    timeseries('Resident memory by stage', [q(`${c.memory}{${S}}`, '{{service}}')], { unit: 'bytes', min: 0, description: 'process_resident_memory_bytes summed over each stage\'s replicas.' }),
    timeseries('Memory held per 1,000 scored (GiB-seconds), by stage', [q(`${c.memoryPer1k}{${S}}`, '{{service}}')], {
      unit: 'short',
      min: 0,
      description: 'Resident memory × the time 1,000 scores take at the current throughput: the GiB-seconds memory is billed in.',
    }),
  ];
}
