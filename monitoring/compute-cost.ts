import type { CostSettings } from './cost-settings.ts';

/**
 * Compute cost from the processes' own measurements: every riskstream process exports prom-client's
 * default process_cpu_seconds_total and process_resident_memory_bytes, labelled by its `service` (the
 * stage: ingest, features, scoring, fused, decisions, drift-monitor, archiver, ...) and scraped under
 * job="riskstream". Dividing by the pipeline's scored transactions gives what each stage costs per 1,000
 * scores; the price per core-hour (cost-settings.ts) turns CPU seconds into money.
 *
 * Scored transactions are the streaming scoring stage's decisions (scoring_events_total, in the scoring
 * or the fused process) plus the decision API's (decisions_answers_total): each transaction is decided
 * once by one of them. With no scored traffic the per-1,000 rules have no series (nothing to divide by).
 *
 * Memory is a level, not a flow: per 1,000 scores it is the memory held while they were scored, in
 * GiB-seconds (resident bytes / throughput), the unit memory is billed in.
 */

export const COST_WINDOW = '5m';
const JOB = 'job="riskstream"';

export const COST_RECORDS = Object.freeze({
  scored: `riskstream:scored_transactions:rate${COST_WINDOW}`,
  cpu: `service:process_cpu_seconds:rate${COST_WINDOW}`,
  memory: 'service:process_resident_memory_bytes:sum',
  cpuPer1k: `service:cpu_seconds_per_1k_scored:rate${COST_WINDOW}`,
  memoryPer1k: `service:memory_gib_seconds_per_1k_scored:rate${COST_WINDOW}`,
  price: 'riskstream:compute_price_per_core_hour',
  costPer1k: `service:compute_cost_per_1k_scored:rate${COST_WINDOW}`,
  totalCpuPer1k: `riskstream:cpu_seconds_per_1k_scored:rate${COST_WINDOW}`,
  totalCostPer1k: `riskstream:compute_cost_per_1k_scored:rate${COST_WINDOW}`,
});

export interface CostRecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** In evaluation order: each rule reads only the ones before it (one group is evaluated in order). */
export function costRecordingRules(cost: CostSettings): CostRecordingRule[] {
  const r = COST_RECORDS;
  const w = COST_WINDOW;
  const perScored = (numerator: string): string => `${numerator} / on() group_left() (${r.scored} > 0)`;
  return [
    { record: r.scored, expr: `(sum(rate(scoring_events_total{${JOB}}[${w}])) or vector(0)) + (sum(rate(decisions_answers_total{${JOB}}[${w}])) or vector(0))` },
    { record: r.cpu, expr: `sum by (service) (rate(process_cpu_seconds_total{${JOB}}[${w}]))` },
    { record: r.memory, expr: `sum by (service) (process_resident_memory_bytes{${JOB}})` },
    { record: r.cpuPer1k, expr: perScored(`1000 * ${r.cpu}`) },
    { record: r.memoryPer1k, expr: perScored(`1000 * ${r.memory} / 1073741824`) },
    { record: r.price, expr: `vector(${cost.costPerCoreHour})`, labels: { currency: cost.costCurrency } },
    { record: r.costPer1k, expr: `${r.cpuPer1k} / 3600 * on() group_left(currency) ${r.price}` },
    { record: r.totalCpuPer1k, expr: `sum(${r.cpuPer1k})` },
    { record: r.totalCostPer1k, expr: `sum by (currency) (${r.costPer1k})` },
  ];
}
