import { checkConnectionConfig, describeConfig, loadConfig, runService } from '@riskstream/shared';
import { ParquetOfflineStore } from '../data/parquet-offline-store.ts';
import { buildTrainer } from './app.ts';
import { checkTrainerConfig, trainerConfigSchema } from './config.ts';

if (process.argv.includes('--help')) {
  process.stdout.write(
    'riskstream trainer: models.retrain.v1 -> retrain from the offline store (gated promotion, optional shadow) or roll back -> models.lifecycle.v1\n\n' +
      `Environment:\n${describeConfig(trainerConfigSchema)}\n`,
  );
  process.exit(0);
}

const config = loadConfig(trainerConfigSchema, process.env, (c) => [...checkConnectionConfig(c), ...checkTrainerConfig(c)]);
const storeDir = config.offlineStoreDir;
await runService('trainer', config, (ctx) => buildTrainer(ctx, config, storeDir ? { openStore: () => new ParquetOfflineStore(storeDir) } : {}));
