import { serviceSchema, type ConfigIssue, type ConfigOf, type Schema } from '@riskstream/shared';
import { checkIngestConfig, ingestConfigSchema, type IngestConfig } from '@riskstream/ingest';
import { featuresConfigSchema, type FeaturesConfig } from '@riskstream/features';
import { checkScoringConfig, scoringConfigSchema, type ScoringConfig } from '@riskstream/scoring';

export const FUSED_PORT = 8099;

const hostSchema = serviceSchema(FUSED_PORT);
const hostEnvs = new Set(Object.values(hostSchema).map((f) => f.env));

/** A stage's own fields, keyed `<stage>.<field>`; the connection, namespace and port are the host's. */
function stageFields(stage: string, schema: Schema): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([, f]) => !hostEnvs.has(f.env)).map(([k, f]) => [`${stage}.${k}`, f]));
}

/**
 * The fused process reads each stage's own variables (INGEST_*, FEATURE_*, SCORING_*, ...) exactly as
 * the split services do, so one environment configures either topology.
 */
export const fusedConfigSchema = {
  ...hostSchema,
  ...stageFields('ingest', ingestConfigSchema),
  ...stageFields('features', featuresConfigSchema),
  ...stageFields('scoring', scoringConfigSchema),
};

export type FusedConfig = ConfigOf<typeof fusedConfigSchema>;

export interface StageConfigs {
  readonly ingest: IngestConfig;
  readonly features: FeaturesConfig;
  readonly scoring: ScoringConfig;
}

export function stageConfigs(config: FusedConfig): StageConfigs {
  const all = config as unknown as Record<string, unknown>;
  const host = Object.fromEntries(Object.keys(hostSchema).map((k) => [k, all[k]]));
  const stage = (name: string) =>
    Object.freeze({ ...host, ...Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(`${name}.`)).map(([k, v]) => [k.slice(name.length + 1), v])) });
  return { ingest: stage('ingest') as IngestConfig, features: stage('features') as FeaturesConfig, scoring: stage('scoring') as ScoringConfig };
}

export function checkFusedConfig(config: FusedConfig): ConfigIssue[] {
  const s = stageConfigs(config);
  return [...checkIngestConfig(s.ingest), ...checkScoringConfig(s.scoring)];
}
