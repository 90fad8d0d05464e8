/** Entry point: `node training/src/worker/main.ts [--help]`; configuration from the environment (serviceMain). */
import { hostedService, serviceMain } from '@riskstream/shared';
import { ParquetOfflineStore } from '../data/parquet-offline-store.ts';
import { buildTrainer } from './app.ts';
import { checkTrainerConfig, trainerConfigSchema } from './config.ts';

await serviceMain(
  hostedService({
    name: 'trainer',
    summary: 'models.retrain.v1 -> retrain from the offline store (gated promotion, optional shadow) or roll back -> models.lifecycle.v1',
    schema: trainerConfigSchema,
    check: checkTrainerConfig,
    build: (ctx, config) => {
      const storeDir = config.offlineStoreDir;
      return buildTrainer(ctx, config, storeDir ? { openStore: () => new ParquetOfflineStore(storeDir) } : {});
    },
  }),
);
