/**
 * The business value of a decision, in currency units (VALUE_CURRENCY), relative to a baseline that
 * approves every transaction. Under that baseline every fraud is missed and costs its amount plus the
 * chargeback fee; every legitimate transaction goes through. A decision's value is what it changes:
 *
 *   APPROVE                 0 (the baseline's own decision)
 *   DECLINE, fraud          + prevented share × amount + chargeback fee (a declined fraud is not charged back)
 *   DECLINE, legitimate     − (false-decline cost + false-decline share × amount) (lost sale, customer friction)
 *   REVIEW, fraud           + prevented share × amount + chargeback fee − review cost
 *   REVIEW, legitimate      − review cost
 *
 * A review is assumed to reach the right answer: the analyst declines a fraud (with a decline's effect) and
 * approves a legitimate transaction. So a model that declines and reviews the right transactions earns
 * more, and the sum over a set of transactions compares models on the same data.
 *
 * Before a label arrives the calibrated score is the probability of fraud, and the expected value is the
 * probability-weighted mean of the two outcomes (linear in the probability).
 */
import { ValidationError } from '../errors.ts';
import { field, loadConfig, type ConfigOf } from '../config.ts';
import type { ScoredTransaction } from '../topic-records.ts';

export type Decision = ScoredTransaction['decision'];

export interface ValueModel {
  /** ISO 4217 code of every amount and cost below and of every value returned. */
  currency: string;
  /** Value of a decision once its label is known. amount: the transaction's amount, in `currency`. */
  realised(decision: Decision, amount: number, isFraud: boolean): number;
  /** Value expected before the label: fraudProbability is the calibrated score in [0, 1]. */
  expected(decision: Decision, amount: number, fraudProbability: number): number;
}

/**
 * The value model's settings. Defaults are plausible for card-not-present e-commerce in euros: an analyst's
 * few minutes per review, a chargeback's handling fee, and a false decline that loses the sale's margin plus
 * a fixed cost of customer friction (support contact, abandoned cart, churn).
 */
export const valueSchema = {
  currency: field.string({
    env: 'VALUE_CURRENCY',
    description: 'ISO 4217 currency code of the transaction amounts and of every VALUE_* cost',
    default: 'EUR',
    pattern: /^[A-Z]{3}$/,
  }),
  declinePreventedShare: field.number({
    env: 'VALUE_DECLINE_PREVENTED_SHARE',
    description: 'share (0..1) of a fraud\'s amount that declining (or reviewing) it saves; below 1 when fraudsters retry elsewhere successfully',
    default: 1,
    min: 0,
    max: 1,
  }),
  reviewCost: field.number({
    env: 'VALUE_REVIEW_COST',
    description: 'cost of one manual review, in VALUE_CURRENCY per reviewed transaction',
    default: 3,
    min: 0,
  }),
  falseDeclineCost: field.number({
    env: 'VALUE_FALSE_DECLINE_COST',
    description: 'fixed cost of declining one legitimate transaction (customer friction, support), in VALUE_CURRENCY per false decline',
    default: 5,
    min: 0,
  }),
  falseDeclineShare: field.number({
    env: 'VALUE_FALSE_DECLINE_SHARE',
    description: 'share (0..1) of a declined legitimate transaction\'s amount lost with it (the sale\'s margin), added to VALUE_FALSE_DECLINE_COST',
    default: 0.1,
    min: 0,
    max: 1,
  }),
  chargebackCost: field.number({
    env: 'VALUE_CHARGEBACK_COST',
    description: 'fee of one missed (approved) fraud, in VALUE_CURRENCY per chargeback, on top of the amount lost',
    default: 15,
    min: 0,
  }),
} as const;

export type ValueSettings = ConfigOf<typeof valueSchema>;

function checkInputs(amount: number, probability: number, decision: Decision): void {
  const issues = [];
  if (!Number.isFinite(amount) || amount < 0) issues.push({ path: 'amount', problem: `must be a finite number >= 0, got ${amount}` });
  if (!(probability >= 0 && probability <= 1)) issues.push({ path: 'fraudProbability', problem: `must be in [0, 1], got ${probability}` });
  if (decision !== 'APPROVE' && decision !== 'REVIEW' && decision !== 'DECLINE') issues.push({ path: 'decision', problem: `unknown decision "${String(decision)}"` });
  if (issues.length > 0) throw new ValidationError('VALUE_INPUT_INVALID', issues);
}

/** Value of a decision on a fraud and on a legitimate transaction of this amount. */
function outcomes(s: ValueSettings, decision: Decision, amount: number): { fraud: number; legitimate: number } {
  const stopped = s.declinePreventedShare * amount + s.chargebackCost;
  switch (decision) {
    case 'APPROVE':
      return { fraud: 0, legitimate: 0 };
    case 'DECLINE':
      return { fraud: stopped, legitimate: -(s.falseDeclineCost + s.falseDeclineShare * amount) };
    case 'REVIEW':
      return { fraud: stopped - s.reviewCost, legitimate: -s.reviewCost };
  }
}

/** Only the value settings of a config whose schema spreads valueSchema (plain data, frozen). */
export function valueSettingsOf(config: ValueSettings): ValueSettings {
  return Object.freeze({
    currency: config.currency,
    declinePreventedShare: config.declinePreventedShare,
    reviewCost: config.reviewCost,
    falseDeclineCost: config.falseDeclineCost,
    falseDeclineShare: config.falseDeclineShare,
    chargebackCost: config.chargebackCost,
  });
}

/** A value model from settings already validated: loadValueModel's, a service config's (valueSchema spread in), a test's. */
export function createValueModel(settings: ValueSettings): ValueModel {
  const s = valueSettingsOf(settings);
  return Object.freeze({
    currency: s.currency,
    realised(decision: Decision, amount: number, isFraud: boolean): number {
      checkInputs(amount, isFraud ? 1 : 0, decision);
      const o = outcomes(s, decision, amount);
      return isFraud ? o.fraud : o.legitimate;
    },
    expected(decision: Decision, amount: number, fraudProbability: number): number {
      checkInputs(amount, fraudProbability, decision);
      const o = outcomes(s, decision, amount);
      return fraudProbability * o.fraud + (1 - fraudProbability) * o.legitimate;
    },
  });
}

/** Reads the VALUE_* variables once, reports every problem at once (ConfigError), returns a frozen model. */
export function loadValueModel(env: NodeJS.ProcessEnv = process.env): ValueModel {
  return createValueModel(loadConfig(valueSchema, env));
}

/** Every VALUE_* default. */
export const DEFAULT_VALUE_SETTINGS: ValueSettings = valueSettingsOf(loadConfig(valueSchema, {}));

/** The model with every default: what the value model is when no VALUE_* variable is set. */
export const DEFAULT_VALUE_MODEL: ValueModel = createValueModel(DEFAULT_VALUE_SETTINGS);
