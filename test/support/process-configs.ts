import type { ConfigIssue, Schema } from '@riskstream/shared';
import { checkIngestConfig, ingestConfigSchema } from '../../services/ingest/src/config.ts';
import { featuresConfigSchema } from '../../services/features/src/config.ts';
import { checkScoringConfig, scoringConfigSchema } from '../../services/scoring/src/config.ts';
import { checkDriftMonitorConfig, driftMonitorConfigSchema } from '../../services/drift-monitor/src/config.ts';
import { alertReceiverConfigSchema, checkAlertReceiverConfig } from '../../services/alert-receiver/src/config.ts';
import { archiverConfigSchema } from '../../services/archiver/src/config.ts';
import { checkTrainerConfig, trainerConfigSchema } from '../../training/src/worker/config.ts';
// By package (their entries re-export the config): test/tsconfig.json references them as packages.
import { checkFusedConfig, fusedConfigSchema } from '@riskstream/fused';
import { checkDecisionsConfig, decisionsConfigSchema } from '@riskstream/decisions';
import { checkUiConfig, uiConfigSchema } from '../../cli/src/ui/ui-config.ts';

export type Check = (c: never) => ConfigIssue[];

/**
 * The config schema (and the cross-field check its main.ts runs) of each process that runs a main.ts:
 * what the k8s manifests and the compose file must configure it with.
 */
export const PROCESS_CONFIGS: Readonly<Record<string, { schema: Schema; check?: Check }>> = {
  ingest: { schema: ingestConfigSchema, check: checkIngestConfig as Check },
  features: { schema: featuresConfigSchema },
  scoring: { schema: scoringConfigSchema, check: checkScoringConfig as Check },
  fused: { schema: fusedConfigSchema, check: checkFusedConfig as Check },
  decisions: { schema: decisionsConfigSchema, check: checkDecisionsConfig as Check },
  'drift-monitor': { schema: driftMonitorConfigSchema, check: checkDriftMonitorConfig as Check },
  'alert-receiver': { schema: alertReceiverConfigSchema, check: checkAlertReceiverConfig as Check },
  archiver: { schema: archiverConfigSchema },
  trainer: { schema: trainerConfigSchema, check: checkTrainerConfig as Check },
  ui: { schema: uiConfigSchema, check: checkUiConfig as Check },
};
