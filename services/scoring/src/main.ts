/** Entry point: `node services/scoring/src/main.ts [--help]`; configuration from the environment (serviceMain). */
import { hostedService, serviceMain } from '@riskstream/shared';
import { buildScoring } from './app.ts';
import { checkScoringConfig, scoringConfigSchema } from './config.ts';

await serviceMain(
  hostedService({
    name: 'scoring',
    summary: 'transactions.enriched.v1 -> transactions.scored.v1 with the champion model; hot-swaps on models.lifecycle.v1',
    schema: scoringConfigSchema,
    check: checkScoringConfig,
    build: (ctx, config) => buildScoring(ctx, config),
  }),
);
