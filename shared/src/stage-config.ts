import type { Schema } from './config.ts';

/**
 * Configuration of a process that composes several stages (the fused topology, the decisions process):
 * each stage reads its own variables (INGEST_*, FEATURE_*, SCORING_*, ...) exactly as its own service
 * does, so one environment configures every process; the connection, namespace and HTTP fields are the
 * host's. A stage's fields are keyed `<stage>.<field>` in the composed schema.
 */
export function stageFields(stage: string, schema: Schema, host: Schema): Schema {
  const hostEnvs = new Set(Object.values(host).map((f) => f.env));
  return Object.fromEntries(Object.entries(schema).filter(([, f]) => !hostEnvs.has(f.env)).map(([k, f]) => [`${stage}.${k}`, f]));
}

/** One stage's configuration out of a composed one: the host's fields plus the stage's own, unprefixed. */
export function stageConfig<C>(composed: object, host: Schema, stage: string): C {
  const all = composed as Record<string, unknown>;
  const prefix = `${stage}.`;
  return Object.freeze({
    ...Object.fromEntries(Object.keys(host).map((k) => [k, all[k]])),
    ...Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])),
  }) as C;
}
