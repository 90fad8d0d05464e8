import { serviceSchema, stageConfig, stageFields, type ConfigIssue, type ConfigOf } from '@riskstream/shared';
import { checkIngestConfig, ingestConfigSchema, type IngestConfig } from '@riskstream/ingest';
import { featuresConfigSchema, type FeaturesConfig } from '@riskstream/features';
import { checkScoringConfig, scoringConfigSchema, type ScoringConfig } from '@riskstream/scoring';

export const FUSED_PORT = 8099;

const hostSchema = serviceSchema(FUSED_PORT);

/**
 * The fused process reads each stage's own variables (INGEST_*, FEATURE_*, SCORING_*, ...) exactly as
 * the split services do, so one environment configures either topology.
 */
export const fusedConfigSchema = {
  ...hostSchema,
  ...stageFields('ingest', ingestConfigSchema, hostSchema),
  ...stageFields('features', featuresConfigSchema, hostSchema),
  ...stageFields('scoring', scoringConfigSchema, hostSchema),
};

export type FusedConfig = ConfigOf<typeof fusedConfigSchema>;

export interface StageConfigs {
  readonly ingest: IngestConfig;
  readonly features: FeaturesConfig;
  readonly scoring: ScoringConfig;
}

export function stageConfigs(config: FusedConfig): StageConfigs {
  return {
    ingest: stageConfig<IngestConfig>(config, hostSchema, 'ingest'),
    features: stageConfig<FeaturesConfig>(config, hostSchema, 'features'),
    scoring: stageConfig<ScoringConfig>(config, hostSchema, 'scoring'),
  };
}

export function checkFusedConfig(config: FusedConfig): ConfigIssue[] {
  const s = stageConfigs(config);
  return [...checkIngestConfig(s.ingest), ...checkScoringConfig(s.scoring)];
}
