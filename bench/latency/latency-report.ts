/**
 * The ratios the issue binds, computed from the systems' figures, each with its target and verdict:
 *  - riskstream p50 <= 0.2x the reference's and p99 <= 0.35x, at each rate;
 *  - riskstream p99 <= Kafka Streams' at commit.interval.ms 100 (the 10 ms figure beside it);
 *  - broker CPU per event at 200/s <= 0.25x the reference's;
 *  - backlog throughput >= 1.0x the reference's sustained rate.
 * A ratio whose figures were not measured is null and fails.
 */
import type { SystemFigures } from './measure-system.ts';

export interface Bound {
  readonly value: number | null;
  readonly target: string;
  readonly pass: boolean;
}

/** The rate the broker CPU target is stated at. */
const CPU_RATE = 200;

function bound(numerator: number | undefined, denominator: number | undefined, op: '<=' | '>=', limit: number): Bound {
  const ok = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);
  const value = ok(numerator) && ok(denominator) && denominator > 0 ? Math.round((numerator / denominator) * 1000) / 1000 : null;
  return { value, target: `${op} ${limit}`, pass: value !== null && (op === '<=' ? value <= limit : value >= limit) };
}

function latencyBounds(rs: SystemFigures, systems: Readonly<Record<string, SystemFigures>>, key: string) {
  const at = (name: string) => systems[name]?.latency[key];
  const mine = rs.latency[key];
  return {
    p50VsReference: bound(mine?.p50Ms, at('reference')?.p50Ms, '<=', 0.2),
    p99VsReference: bound(mine?.p99Ms, at('reference')?.p99Ms, '<=', 0.35),
    p99VsKafkaStreams100: {
      ...bound(mine?.p99Ms, at('kafka-streams-100')?.p99Ms, '<=', 1),
      kafkaStreams100P99Ms: at('kafka-streams-100')?.p99Ms ?? null,
      kafkaStreams10P99Ms: at('kafka-streams-10')?.p99Ms ?? null,
      p99VsKafkaStreams10: bound(mine?.p99Ms, at('kafka-streams-10')?.p99Ms, '<=', 1).value,
    },
  };
}

/** Per riskstream topology: the latency ratios at each rate, the broker CPU ratio and the backlog ratio. */
export function bindingRatios(systems: Readonly<Record<string, SystemFigures>>, topologies: readonly string[], rates: readonly number[]) {
  const reference = systems['reference'];
  const cpuKey = `at${CPU_RATE}`;
  const out: Record<string, Record<string, unknown>> = {};
  for (const topology of topologies) {
    const rs = systems[`riskstream-${topology}`];
    if (!rs) continue;
    out[topology] = {
      ...Object.fromEntries(rates.map((r) => [`at${r}`, latencyBounds(rs, systems, `at${r}`)])),
      brokerCpuAt200VsReference: bound(rs.latency[cpuKey]?.cpuMicrosecondsPerEvent.perSource['kafka'], reference?.latency[cpuKey]?.cpuMicrosecondsPerEvent.perSource['kafka'], '<=', 0.25),
      backlogVsReference: bound(rs.backlog.eventsPerSecond, reference?.backlog.eventsPerSecond, '>=', 1),
    };
  }
  return out;
}
