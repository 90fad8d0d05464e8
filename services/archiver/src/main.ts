/** Entry point: `node services/archiver/src/main.ts [--help]`; configuration from the environment (serviceMain). */
import { hostedService, serviceMain, TOPICS } from '@riskstream/shared';
import { buildArchiver } from './app.ts';
import { ARCHIVED_TOPICS } from './archive-records.ts';
import { archiverConfigSchema } from './config.ts';

const inputs = Object.values(ARCHIVED_TOPICS).map((k) => TOPICS[k].name).join(', ');

await serviceMain(
  hostedService({
    name: 'archiver',
    summary: `${inputs} -> offline store (Parquet partitioned by event date, exactly once per record)`,
    schema: archiverConfigSchema,
    build: (ctx, config) => buildArchiver(ctx, config),
  }),
);
