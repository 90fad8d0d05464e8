import { checkConnectionConfig, ConfigError, describeConfig, loadConfig, runService } from '@riskstream/shared';
import { buildIngest } from './app.ts';
import { checkIngestConfig, ingestConfigSchema } from './config.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    'riskstream ingest: transactions.raw.v1 -> transactions.valid.v1 (bad input -> transactions.dlq.v1), POST /transactions\n\n' +
      `Environment:\n${describeConfig(ingestConfigSchema)}\n`,
  );
  process.exit(0);
}

let config;
try {
  config = loadConfig(ingestConfigSchema, process.env, (c) => [...checkConnectionConfig(c), ...checkIngestConfig(c)]);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // The message lists variables and problems only; secrets are never echoed.
  process.stderr.write(`ingest: ${err.message}\n`);
  process.exit(2);
}
const ingestConfig = config;
await runService('ingest', ingestConfig, (ctx) => buildIngest(ctx, ingestConfig));
