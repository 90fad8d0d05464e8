/** Entry point of the fused topology: `node services/fused/src/main.ts [--help]`; configuration from the environment (serviceMain). */
import { hostedService, serviceMain } from '@riskstream/shared';
import { buildFused } from './app.ts';
import { checkFusedConfig, fusedConfigSchema } from './config.ts';

await serviceMain(
  hostedService({
    name: 'fused',
    summary:
      'transactions.raw.v1 -> transactions.valid.v1, transactions.enriched.v1, transactions.scored.v1 (bad input -> transactions.dlq.v1) ' +
      'in one transaction per commit: ingest, features and scoring chained in memory',
    schema: fusedConfigSchema,
    check: checkFusedConfig,
    build: (ctx, config) => buildFused(ctx, config),
  }),
);
