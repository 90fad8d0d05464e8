import type { ExperimentStatus, Interval } from '@riskstream/drift-monitor';
import type { ExperimentSpec } from '@riskstream/shared/model';

/** What `riskstream experiment status` shows: the registry's experiment and the drift monitor's statistics. */
export interface ExperimentStatusView {
  readonly model: string;
  readonly spec: ExperimentSpec;
  readonly live: ExperimentStatus | undefined;
  readonly liveError: string | undefined;
}

const pct = (x: number | null | undefined): string => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');
const num = (x: number | null | undefined, digits = 3): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-');
const interval = (ci: Interval | undefined, show: (x: number) => string): string =>
  ci && ci.every((x) => typeof x === 'number' && Number.isFinite(x)) ? `[${show(ci[0])}, ${show(ci[1])}]` : '';

/** A table, one row per arm, the intervals beside their estimates. */
export function formatExperimentStatus(view: ExperimentStatusView): string {
  const { spec, live } = view;
  const lines = [
    `${view.model}: experiment ${spec.name} (${spec.mode}), started ${new Date(spec.startedAt).toISOString()}` +
      (spec.mode === 'bandit' ? `, max share ${pct(spec.maxShare)}, min events ${spec.minEvents}` : ''),
  ];
  if (!live) lines.push(`  no live statistics: ${view.liveError ?? 'unknown'}`);
  const header = ['arm', 'version', 'weight', 'events', 'labelled', 'approve/review/decline', 'precision (realised [95%] / est.)', 'recall (realised [95%] / est.)', `value/event ${live?.currency ?? ''} [95%]`, 'P(best)'];
  const rows = spec.arms.map((a, i) => {
    const s = live?.arms.find((x) => x.arm === a.arm);
    return [
      `${a.arm}${s?.stopped ? ' (stopped)' : ''}`,
      `v${a.version}`,
      pct(s?.weight ?? spec.weights[i]),
      String(s?.events ?? '-'),
      String(s?.labelled ?? '-'),
      s ? `${s.decisions.APPROVE}/${s.decisions.REVIEW}/${s.decisions.DECLINE}` : '-',
      s ? `${pct(s.precision.realised)} ${interval(s.precision.realisedCi, pct)} / ${pct(s.precision.estimated)}` : '-',
      s ? `${pct(s.recall.realised)} ${interval(s.recall.realisedCi, pct)} / ${pct(s.recall.estimated)}` : '-',
      s ? `${num(s.valuePerEvent.blended)} ${interval(s.valuePerEvent.ci, (x) => num(x))}` : '-',
      pct(s?.probabilityBest),
    ];
  });
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  for (const r of [header, ...rows]) lines.push(`  ${r.map((c, j) => c.padEnd(widths[j]!)).join('  ').trimEnd()}`);
  return `${lines.join('\n')}\n`;
}
