/** Entry point: `node services/ingest/src/main.ts [--help]`; configuration from the environment (serviceMain). */
import { hostedService, serviceMain } from '@riskstream/shared';
import { buildIngest } from './app.ts';
import { checkIngestConfig, ingestConfigSchema } from './config.ts';

await serviceMain(
  hostedService({
    name: 'ingest',
    summary: 'transactions.raw.v1 -> transactions.valid.v1 (bad input -> transactions.dlq.v1), POST /transactions',
    schema: ingestConfigSchema,
    check: checkIngestConfig,
    build: (ctx, config) => buildIngest(ctx, config),
  }),
);
