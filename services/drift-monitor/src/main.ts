/** Entry point: `node services/drift-monitor/src/main.ts [--help]`; configuration from the environment (serviceMain). */
import { hostedService, serviceMain } from '@riskstream/shared';
import { buildDriftMonitor } from './app.ts';
import { checkDriftMonitorConfig, driftMonitorConfigSchema } from './config.ts';

await serviceMain(
  hostedService({
    name: 'drift-monitor',
    summary:
      'transactions.enriched.v1 + transactions.scored.v1 + transactions.labels.v1 -> drift and performance gauges on /metrics ' +
      'and evidence on GET /v1/drift; follows the champion on models.lifecycle.v1',
    schema: driftMonitorConfigSchema,
    check: checkDriftMonitorConfig,
    build: (ctx, config) => buildDriftMonitor(ctx, config),
  }),
);
