/** Entry point: `node services/features/src/main.ts [--help]`; configuration from the environment (serviceMain). */
import { hostedService, serviceMain } from '@riskstream/shared';
import { buildFeatures } from './app.ts';
import { featuresConfigSchema } from './config.ts';

await serviceMain(
  hostedService({
    name: 'features',
    summary: 'transactions.valid.v1 (+ labels) -> transactions.enriched.v1, Redis feature store',
    schema: featuresConfigSchema,
    build: (ctx, config) => buildFeatures(ctx, config),
  }),
);
