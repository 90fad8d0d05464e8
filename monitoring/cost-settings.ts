import { describeConfig, field, loadConfig, type ConfigOf } from '@riskstream/shared';

/**
 * The price of compute, for the cost per 1,000 scores the rules record (compute-cost.ts). The committed
 * rule file is generated with these defaults; a deployment with its own price sets COST_PER_CORE_HOUR (and
 * COST_CURRENCY) when it runs `node monitoring/generate.ts`, and runs `--check` with the same variables.
 *
 * The default is a typical on-demand cloud price of one vCPU for one hour (general-purpose instances,
 * memory included), so the cost tracks what the pipeline would cost to rent rather than a marginal price.
 */
export const costSchema = {
  costPerCoreHour: field.number({
    env: 'COST_PER_CORE_HOUR',
    description: 'price of one CPU core busy for one hour, in COST_CURRENCY: CPU seconds per 1,000 scores / 3600 × this = cost per 1,000 scores',
    default: 0.04,
    min: 0,
  }),
  costCurrency: field.string({ env: 'COST_CURRENCY', description: 'ISO 4217 code of COST_PER_CORE_HOUR (the recorded cost carries it as its currency label)', default: 'EUR', pattern: /^[A-Z]{3}$/ }),
} as const;

export type CostSettings = ConfigOf<typeof costSchema>;

/** The settings of the committed files. */
export const DEFAULT_COST_SETTINGS: CostSettings = loadConfig(costSchema, {});

/** COST_* from `env`, validated once (ConfigError naming every bad variable). */
export function loadCostSettings(env: Readonly<Record<string, string | undefined>>): CostSettings {
  return loadConfig(costSchema, env);
}

export function describeCostSettings(): string {
  return describeConfig(costSchema);
}
