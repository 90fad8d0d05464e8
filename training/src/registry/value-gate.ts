/**
 * The promotion gate's value criterion: what each model's decisions would have been worth on the holdout,
 * in currency units of the value model (shared/src/value/value-model.ts, relative to approving every
 * transaction). Each model decides at its OWN thresholds (the challenger at the ones training chose, the
 * champion at its manifest's), so the comparison is of the decisions that would serve, not of the scores.
 *
 * The gate bootstraps per-row values: a row's value depends only on that row (its score, amount and
 * label), so the total over a resample is the sum of the resampled rows' values and the paired bootstrap
 * of the other metrics applies unchanged.
 */
import { createValueModel, decisionAt, DEFAULT_VALUE_SETTINGS, ValidationError, type ValueSettings } from '@riskstream/shared';
import type { DecisionThresholds } from '@riskstream/shared/model';

/** The value criterion's inputs (plain data: it crosses into the training worker thread). */
export interface ValueGateInput {
  readonly settings: ValueSettings;
  /** Transaction amount per holdout row, in settings.currency. */
  readonly amounts: ArrayLike<number>;
  readonly challengerThresholds: DecisionThresholds;
  /** The champion's own thresholds; absent when there is no champion. */
  readonly championThresholds?: DecisionThresholds | undefined;
}

/** The value of each row's decision at `thresholds`. */
export function rowValues(input: ValueGateInput, scores: ArrayLike<number>, labels: ArrayLike<number>, thresholds: DecisionThresholds): Float64Array {
  const model = createValueModel(input.settings);
  const out = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = model.realised(decisionAt(scores[i]!, thresholds), input.amounts[i]!, labels[i] === 1);
  return out;
}

/** Total value: the gate's metric over per-row values (labels are already in them). */
export function totalValue(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

export function valueInputIssues(input: ValueGateInput | undefined, rows: number, hasChampion: boolean): { path: string; problem: string }[] {
  if (!input) return [{ path: 'value', problem: 'the value metric needs amounts, thresholds and the value settings' }];
  const issues: { path: string; problem: string }[] = [];
  if (input.amounts.length !== rows) issues.push({ path: 'value.amounts', problem: `length ${input.amounts.length} != labels ${rows}` });
  for (let i = 0; i < input.amounts.length; i++) {
    const a = input.amounts[i]!;
    if (!(Number.isFinite(a) && a >= 0)) {
      issues.push({ path: `value.amounts[${i}]`, problem: `is ${a}, expected a finite amount >= 0` });
      break;
    }
  }
  if (hasChampion && !input.championThresholds) issues.push({ path: 'value.championThresholds', problem: 'are required when there is a champion' });
  return issues;
}

/**
 * Amount per holdout row (data.testIndex order): the rows' transaction amounts when the training set
 * carries them, else the TX_AMOUNT feature (the amount itself, float32). ValidationError when neither is there.
 */
export function holdoutAmounts(
  data: { readonly amounts?: Float64Array | undefined; readonly testIndex: Uint32Array; readonly dataset: { readonly featureNames: readonly string[]; readonly cols: number; readonly x: Float32Array } },
): Float64Array {
  const { testIndex, dataset } = data;
  if (data.amounts) return Float64Array.from(testIndex, (r) => data.amounts![r]!);
  const j = dataset.featureNames.indexOf(AMOUNT_FEATURE);
  if (j < 0) {
    throw new ValidationError('GATE_INPUT_INVALID', [{ path: 'amounts', problem: `the value metric needs transaction amounts: the training set has none and no ${AMOUNT_FEATURE} feature` }]);
  }
  return Float64Array.from(testIndex, (r) => dataset.x[r * dataset.cols + j]!);
}

export const AMOUNT_FEATURE = 'TX_AMOUNT';

type HoldoutSource = Parameters<typeof holdoutAmounts>[0];

/** The value criterion's input for a training run's holdout (settings default to the VALUE_* defaults). */
export function valueGateInput(
  gate: { readonly value?: ValueSettings | undefined },
  data: HoldoutSource,
  challengerThresholds: DecisionThresholds,
  championThresholds: DecisionThresholds | undefined,
): ValueGateInput {
  return { settings: gate.value ?? DEFAULT_VALUE_SETTINGS, amounts: holdoutAmounts(data), challengerThresholds, ...(championThresholds ? { championThresholds } : {}) };
}
