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

export function valueMetrics(registry: Registry): ValueMetrics {
  const counter = (name: string, help: string): Counter<ValueLabels> => new Counter({ name, help, labelNames: LABELS, registers: [registry] });
  const atScoring = 'when the scored record arrives (expected value at the calibrated score)';
  const atLabel = 'when the label joins its scored record';
  return {
    estimated: {
      benefit: counter('riskstream_value_estimated_benefit_total', `Sum of the positive estimated values of decisions (currency units, label currency), ${atScoring}`),
      cost: counter('riskstream_value_estimated_cost_total', `Sum of the magnitudes of the negative estimated values of decisions (currency units, label currency), ${atScoring}`),
      events: counter('riskstream_value_estimated_events_total', `Decisions whose estimated value was counted, ${atScoring}`),
    },
    realised: {
      benefit: counter('riskstream_value_realised_benefit_total', `Sum of the positive realised values of decisions (currency units, label currency), ${atLabel}`),
      cost: counter('riskstream_value_realised_cost_total', `Sum of the magnitudes of the negative realised values of decisions (currency units, label currency), ${atLabel}`),
      events: counter('riskstream_value_realised_events_total', `Decisions whose realised value was counted, ${atLabel}`),
    },
  };
}
