/** Entry point of the decision API: `node services/decisions/src/main.ts [--help]`; configuration from the environment (serviceMain). */
import { hostedService, serviceMain } from '@riskstream/shared';
import { buildDecisions } from './app.ts';
import { checkDecisionsConfig, decisionsConfigSchema } from './config.ts';

await serviceMain(
  hostedService({
    name: 'decisions',
    summary:
      'POST /v1/decisions: a transaction\'s decision inline (validation, features, champion, thresholds, reasons), recorded once on ' +
      'transactions.valid.v1, transactions.enriched.v1 and transactions.scored.v1 through the transactions.decisions.v1 outbox; ' +
      'the model alone over the Open Inference Protocol v2 (/v2/...) and MLflow /invocations',
    schema: decisionsConfigSchema,
    check: checkDecisionsConfig,
    build: (ctx, config) => buildDecisions(ctx, config),
  }),
);
