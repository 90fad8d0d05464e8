/** Entry point: `node services/alert-receiver/src/main.ts [--help]`; configuration from the environment (serviceMain). */
import { hostedService, serviceMain } from '@riskstream/shared';
import { buildAlertReceiver } from './app.ts';
import { alertReceiverConfigSchema, checkAlertReceiverConfig } from './config.ts';

await serviceMain(
  hostedService({
    name: 'alert-receiver',
    summary:
      'POST /alerts/alertmanager (bearer token) and POST /alerts/grafana (HMAC-SHA256 signature) -> models.retrain.v1 ' +
      "(RetrainRequested, action RETRAIN or ROLLBACK from the alert label `action`, with the drift monitor's evidence)",
    schema: alertReceiverConfigSchema,
    check: checkAlertReceiverConfig,
    build: (ctx, config) => buildAlertReceiver(ctx, config),
  }),
);
