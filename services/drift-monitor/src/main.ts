/**
 * Entry point: reads the environment once, then runs the service (SIGTERM drains the in-flight batch).
 *   node services/drift-monitor/src/main.ts [--help]
 */
import { AppError, describeConfig, loadConfig, runService, checkConnectionConfig } from '@riskstream/shared';
import { buildDriftMonitor } from './app.ts';
import { checkDriftMonitorConfig, driftMonitorConfigSchema } from './config.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    'riskstream drift-monitor: transactions.enriched.v1 + transactions.scored.v1 + transactions.labels.v1 -> ' +
      'drift and performance gauges on /metrics and evidence on GET /v1/drift; follows the champion on models.lifecycle.v1.\n\nEnvironment:\n' +
      `${describeConfig(driftMonitorConfigSchema)}\n`,
  );
  process.exit(0);
}

try {
  const config = loadConfig(driftMonitorConfigSchema, process.env, (c) => [...checkConnectionConfig(c), ...checkDriftMonitorConfig(c)]);
  await runService('drift-monitor', config, (ctx) => buildDriftMonitor(ctx, config));
} catch (err) {
  // Configuration and start-up failures are the operator's to fix: say what, without a stack trace.
  if (err instanceof AppError) {
    process.stderr.write(`drift-monitor: ${err.code}: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
