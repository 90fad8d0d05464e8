/**
 * Entry point of the fused topology: one process runs ingest, features and scoring chained in memory.
 *   node services/fused/src/main.ts [--help]
 */
import { checkConnectionConfig, ConfigError, describeConfig, loadConfig, runService } from '@riskstream/shared';
import { buildFused } from './app.ts';
import { checkFusedConfig, fusedConfigSchema } from './config.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    'riskstream fused: transactions.raw.v1 -> transactions.valid.v1, transactions.enriched.v1, transactions.scored.v1 (bad input -> transactions.dlq.v1) in one transaction per commit\n\n' +
      `Environment:\n${describeConfig(fusedConfigSchema)}\n`,
  );
  process.exit(0);
}

let config;
try {
  config = loadConfig(fusedConfigSchema, process.env, (c) => [...checkConnectionConfig(c), ...checkFusedConfig(c)]);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`fused: ${err.message}\n`);
  process.exit(2);
}
const fusedConfig = config;
await runService('fused', fusedConfig, (ctx) => buildFused(ctx, fusedConfig));
