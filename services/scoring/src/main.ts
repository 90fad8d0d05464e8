/**
 * Entry point: reads the environment once, then runs the service (SIGTERM drains the in-flight batch).
 *   node services/scoring/src/main.ts [--help]
 */
import { AppError, describeConfig, loadConfig, runService } from '@riskstream/shared';
import { buildScoring } from './app.ts';
import { checkScoringConfig, scoringConfigSchema } from './config.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    'riskstream scoring: transactions.enriched.v1 -> transactions.scored.v1 with the champion model; ' +
      'hot-swaps on models.lifecycle.v1.\n\nEnvironment:\n' +
      `${describeConfig(scoringConfigSchema)}\n`,
  );
  process.exit(0);
}

try {
  const config = loadConfig(scoringConfigSchema, process.env, checkScoringConfig);
  await runService('scoring', config, (ctx) => buildScoring(ctx, config));
} catch (err) {
  // Configuration and start-up failures are the operator's to fix: say what, without a stack trace.
  if (err instanceof AppError) {
    process.stderr.write(`scoring: ${err.code}: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
