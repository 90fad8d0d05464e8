import { checkConnectionConfig, describeConfig, loadConfig, runService } from '@riskstream/shared';
import { buildFeatures } from './app.ts';
import { featuresConfigSchema } from './config.ts';

if (process.argv.includes('--help')) {
  process.stdout.write(
    `riskstream features: transactions.valid.v1 (+ labels) -> transactions.enriched.v1, Redis feature store\n\nEnvironment:\n${describeConfig(featuresConfigSchema)}\n`,
  );
  process.exit(0);
}

const config = loadConfig(featuresConfigSchema, process.env, checkConnectionConfig);
await runService('features', config, (ctx) => buildFeatures(ctx, config));
