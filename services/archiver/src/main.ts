import { checkConnectionConfig, describeConfig, loadConfig, runService, TOPICS } from '@riskstream/shared';
import { buildArchiver } from './app.ts';
import { ARCHIVED_TOPICS } from './archive-records.ts';
import { archiverConfigSchema } from './config.ts';

if (process.argv.includes('--help')) {
  const inputs = Object.values(ARCHIVED_TOPICS).map((k) => TOPICS[k].name).join(', ');
  process.stdout.write(
    `riskstream archiver: ${inputs} -> offline store (Parquet partitioned by event date, exactly once per record)\n\n` +
      `Environment:\n${describeConfig(archiverConfigSchema)}\n`,
  );
  process.exit(0);
}

const config = loadConfig(archiverConfigSchema, process.env, checkConnectionConfig);
await runService('archiver', config, (ctx) => buildArchiver(ctx, config));
