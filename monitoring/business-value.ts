/**
 * The business value of decisions (services/drift-monitor/src/value-metrics.ts): net value = benefit −
 * cost, in the currency of the `currency` label, per model version and experiment arm; estimated at
 * scoring, realised when labels join. Per 1,000 decisions it compares versions and arms whatever their
 * traffic share. Realised value in a window is that of the labels arriving in it, which belong to
 * transactions scored earlier (labels are late).
 */

export const VALUE_WINDOW = '5m';
export const VALUE_KINDS = ['estimated', 'realised'] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

const BY = 'model_version, experiment, arm, currency';

export function valueRecords(kind: ValueKind): { net: string; per1k: string } {
  return {
    net: `model_version_arm:riskstream_value_${kind}_net:rate${VALUE_WINDOW}`,
    per1k: `model_version_arm:riskstream_value_${kind}_per_1k_decisions:rate${VALUE_WINDOW}`,
  };
}

export function valueRecordingRules(): { record: string; expr: string }[] {
  return VALUE_KINDS.flatMap((kind) => {
    const r = valueRecords(kind);
    const rate = (what: string): string => `sum by (${BY}) (rate(riskstream_value_${kind}_${what}_total[${VALUE_WINDOW}]))`;
    return [
      { record: r.net, expr: `${rate('benefit')} - ${rate('cost')}` },
      { record: r.per1k, expr: `1000 * ${r.net} / (${rate('events')} > 0)` },
    ];
  });
}
