/**
 * Business value of the decisions, in currency units (the `currency` label, VALUE_CURRENCY), relative to
 * approving every transaction (shared/src/value/value-model.ts). Estimated when a scored record arrives
 * (the calibrated score is the probability of fraud), realised when its label joins.
 *
 * A decision's value can be negative and a Prometheus counter only grows, so each is split by sign:
 * benefit (positive values) and cost (the magnitude of negative ones); net value = benefit − cost, and
 * value per transaction = net / events. Labelled by model_version, and by experiment and arm when the
 * scored record names them ("" otherwise).
 */
import { Counter, type Registry } from 'prom-client';

export type ValueLabels = 'model_version' | 'experiment' | 'arm' | 'currency';

export interface ValueCounters {
  readonly benefit: Counter<ValueLabels>;
  readonly cost: Counter<ValueLabels>;
  readonly events: Counter<ValueLabels>;
}

export interface ValueMetrics {
  readonly estimated: ValueCounters;
  readonly realised: ValueCounters;
}

const LABELS: ValueLabels[] = ['model_version', 'experiment', 'arm', 'currency'];

function counters(registry: Registry, kind: 'estimated' | 'realised', when: string): ValueCounters {
  const registers = [registry];
  return {
    benefit: new Counter({
      name: `riskstream_value_${kind}_benefit_total`,
      help: `Sum of the positive ${kind} values of decisions (currency units, label currency), ${when}`,
      labelNames: LABELS,
      registers,
    }),
    cost: new Counter({
      name: `riskstream_value_${kind}_cost_total`,
      help: `Sum of the magnitudes of the negative ${kind} values of decisions (currency units, label currency), ${when}`,
      labelNames: LABELS,
      registers,
    }),
    events: new Counter({
      name: `riskstream_value_${kind}_events_total`,
      help: `Decisions whose ${kind} value was counted, ${when}`,
      labelNames: LABELS,
      registers,
    }),
  };
}

export function valueMetrics(registry: Registry): ValueMetrics {
  return {
    estimated: counters(registry, 'estimated', 'when the scored record arrives (expected value at the calibrated score)'),
    realised: counters(registry, 'realised', 'when the label joins its scored record'),
  };
}
