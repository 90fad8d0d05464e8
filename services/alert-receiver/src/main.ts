import { checkConnectionConfig, ConfigError, describeConfig, loadConfig, runService } from '@riskstream/shared';
import { buildAlertReceiver } from './app.ts';
import { alertReceiverConfigSchema, checkAlertReceiverConfig } from './config.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    'riskstream alert-receiver: POST /alerts/alertmanager (bearer token) and POST /alerts/grafana (HMAC-SHA256 signature)\n' +
      '-> models.retrain.v1 (RetrainRequested, action RETRAIN or ROLLBACK from the alert label `action`, with the drift monitor\'s evidence)\n\n' +
      `Environment:\n${describeConfig(alertReceiverConfigSchema)}\n`,
  );
  process.exit(0);
}

let config;
try {
  config = loadConfig(alertReceiverConfigSchema, process.env, (c) => [...checkConnectionConfig(c), ...checkAlertReceiverConfig(c)]);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // The message lists variables and problems only; secrets are never echoed.
  process.stderr.write(`alert-receiver: ${err.message}\n`);
  process.exit(2);
}
const receiverConfig = config;
await runService('alert-receiver', receiverConfig, (ctx) => buildAlertReceiver(ctx, receiverConfig));
