import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { DEFAULT_CADENCE, DEFAULT_MAX_RECORD_BYTES } from './runner/runner-defaults.ts';

/**
 * Config is declared as a schema of fields, each bound to one environment variable. `loadConfig` parses
 * every field, collects every problem (not just the first), applies defaults and returns a frozen, typed
 * object. Only entry points (main.ts, the CLI) pass `process.env` in; everything else receives the result.
 * A secret field (`secret: true`) may instead come from a file named by `<VAR>_FILE`, and its value is
 * never quoted in a problem.
 */

export interface Field<T> {
  readonly env: string;
  readonly description: string;
  readonly default?: T;
  readonly secret?: boolean;
  parse(raw: string): T;
}

type Spec<T> = { env: string; description: string; default?: T; secret?: boolean };

class Invalid extends Error {}

function parseInteger(raw: string, range: { min?: number; max?: number }): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new Invalid(`must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (range.min !== undefined && n < range.min) throw new Invalid(`must be >= ${range.min}, got ${n}`);
  if (range.max !== undefined && n > range.max) throw new Invalid(`must be <= ${range.max}, got ${n}`);
  return n;
}

export const field = {
  string(spec: Spec<string> & { pattern?: RegExp }): Field<string> {
    return {
      ...spec,
      parse(raw) {
        if (spec.pattern && !spec.pattern.test(raw)) throw new Invalid(`must match ${spec.pattern}`);
        return raw;
      },
    };
  },
  optionalString(spec: Omit<Spec<string | undefined>, 'default'>): Field<string | undefined> {
    return { ...spec, default: undefined, parse: (raw) => (raw === '' ? undefined : raw) };
  },
  int(spec: Spec<number> & { min?: number; max?: number }): Field<number> {
    return { ...spec, parse: (raw) => parseInteger(raw, spec) };
  },
  /** An integer or, when unset, undefined: the caller derives the value (e.g. from the cluster). */
  optionalInt(spec: Omit<Spec<number | undefined>, 'default'> & { min?: number; max?: number }): Field<number | undefined> {
    return { ...spec, default: undefined, parse: (raw) => parseInteger(raw, spec) };
  },
  number(spec: Spec<number> & { min?: number; max?: number }): Field<number> {
    return {
      ...spec,
      parse(raw) {
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n)) throw new Invalid(`must be a number, got "${raw}"`);
        if (spec.min !== undefined && n < spec.min) throw new Invalid(`must be >= ${spec.min}, got ${n}`);
        if (spec.max !== undefined && n > spec.max) throw new Invalid(`must be <= ${spec.max}, got ${n}`);
        return n;
      },
    };
  },
  bool(spec: Spec<boolean>): Field<boolean> {
    return {
      ...spec,
      parse(raw) {
        const v = raw.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(v)) return true;
        if (['0', 'false', 'no', 'off'].includes(v)) return false;
        throw new Invalid(`must be true or false, got "${raw}"`);
      },
    };
  },
  oneOf<const V extends string>(spec: Spec<V> & { values: readonly V[] }): Field<V> {
    return {
      ...spec,
      parse(raw) {
        if (!(spec.values as readonly string[]).includes(raw)) {
          throw new Invalid(`must be one of ${spec.values.join(', ')}, got "${raw}"`);
        }
        return raw as V;
      },
    };
  },
  url(spec: Spec<string> & { protocols: readonly string[] }): Field<string> {
    return {
      ...spec,
      parse(raw) {
        let u: URL;
        try {
          u = new URL(raw);
        } catch {
          throw new Invalid(`must be a URL, got "${raw}"`);
        }
        if (!spec.protocols.includes(u.protocol)) {
          throw new Invalid(`must use ${spec.protocols.join(' or ')}, got "${u.protocol}"`);
        }
        return raw.replace(/\/+$/, '');
      },
    };
  },
  /** host:port,host:port */
  hostList(spec: Spec<readonly string[]>): Field<readonly string[]> {
    return {
      ...spec,
      parse(raw) {
        const hosts = raw.split(',').map((s) => s.trim()).filter(Boolean);
        if (hosts.length === 0) throw new Invalid('must list at least one host:port');
        for (const h of hosts) {
          const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(h);
          if (!m || Number(m[2]) > 65535) throw new Invalid(`"${h}" is not host:port`);
        }
        return Object.freeze(hosts);
      },
    };
  },
} as const;

export type Schema = Record<string, Field<unknown>>;
export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export function loadConfig<S extends Schema>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  check?: (config: ConfigOf<S>) => ConfigIssue[],
): ConfigOf<S> {
  const issues: ConfigIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(schema)) {
    const raw = rawValue(f, env, issues);
    if (raw === null) continue;
    if (raw === undefined) {
      if ('default' in f) {
        out[key] = f.default;
      } else {
        issues.push({ field: f.env, problem: `is required (${f.description})` });
      }
      continue;
    }
    try {
      out[key] = f.parse(raw);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      // A parser quotes what it got; a secret's value never goes into an error message.
      issues.push({ field: f.env, problem: f.secret ? err.message.replaceAll(raw, '<redacted>') : err.message });
    }
  }
  if (issues.length === 0 && check) issues.push(...check(out as ConfigOf<S>));
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(out) as ConfigOf<S>;
}

/** The environment variable naming a file that holds a secret field's value (Docker/Kubernetes secrets). */
export function secretFileEnv(f: Field<unknown>): string {
  return `${f.env}_FILE`;
}

/**
 * A field's raw text: its variable, or for a secret the content of the file its _FILE variable names (one
 * trailing newline dropped: `echo secret > file`). undefined when unset, null when unusable (issue added).
 */
function rawValue(f: Field<unknown>, env: Readonly<Record<string, string | undefined>>, issues: ConfigIssue[]): string | undefined | null {
  const direct = env[f.env] === '' ? undefined : env[f.env];
  const file = f.secret && env[secretFileEnv(f)] !== '' ? env[secretFileEnv(f)] : undefined;
  if (file === undefined) return direct;
  if (direct !== undefined) {
    issues.push({ field: `${f.env}/${secretFileEnv(f)}`, problem: 'set one of them, not both' });
    return null;
  }
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    issues.push({ field: secretFileEnv(f), problem: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
    return null;
  }
}

/**
 * Every value of the schema's secret fields present in this environment, from the variable or its file:
 * what the entry point cuts out of everything it prints and logs.
 */
export function secretValues(schema: Schema, env: Readonly<Record<string, string | undefined>>): string[] {
  const values: string[] = [];
  for (const f of Object.values(schema)) {
    if (!f.secret) continue;
    const value = rawValue(f, env, []);
    if (typeof value === 'string' && value.trim() !== '') values.push(value);
  }
  return values;
}

/** Lines for `--help`: every variable, its default and meaning. Secrets show no default. */
export function describeConfig(schema: Schema): string {
  return Object.values(schema)
    .map((f) => {
      const def = f.secret ? ` (or ${secretFileEnv(f)}: a file holding it)` : 'default' in f && f.default !== undefined ? ` (default: ${String(f.default)})` : '';
      return `  ${f.env.padEnd(34)} ${f.description}${def}`;
    })
    .join('\n');
}

/** The connection settings every process shares. Services spread this into their own schema. */
export const connectionSchema = {
  kafkaBrokers: field.hostList({ env: 'KAFKA_BROKERS', description: 'Kafka bootstrap servers', default: ['127.0.0.1:9092'] }),
  kafkaClientId: field.string({ env: 'KAFKA_CLIENT_ID', description: 'Kafka client id prefix', default: 'riskstream' }),
  kafkaSaslMechanism: field.oneOf({
    env: 'KAFKA_SASL_MECHANISM',
    description: 'SASL mechanism: none, scram-sha-256 or scram-sha-512',
    values: ['none', 'scram-sha-256', 'scram-sha-512'] as const,
    default: 'none',
  }),
  kafkaSaslUsername: field.optionalString({ env: 'KAFKA_SASL_USERNAME', description: 'SASL/SCRAM user' }),
  kafkaSaslPassword: field.optionalString({ env: 'KAFKA_SASL_PASSWORD', description: 'SASL/SCRAM password', secret: true }),
  kafkaTls: field.bool({ env: 'KAFKA_TLS', description: 'connect to Kafka over TLS', default: false }),
  kafkaTlsCaFile: field.optionalString({ env: 'KAFKA_TLS_CA_FILE', description: 'PEM CA bundle for Kafka TLS' }),
  schemaRegistryUrl: field.url({
    env: 'SCHEMA_REGISTRY_URL',
    description: 'Confluent-compatible schema registry base URL',
    protocols: ['http:', 'https:'],
    default: 'http://127.0.0.1:8081/apis/ccompat/v7',
  }),
  schemaRegistryUsername: field.optionalString({ env: 'SCHEMA_REGISTRY_USERNAME', description: 'registry basic-auth user' }),
  schemaRegistryPassword: field.optionalString({ env: 'SCHEMA_REGISTRY_PASSWORD', description: 'registry basic-auth password', secret: true }),
  schemaRegistryStartupWaitMs: field.int({
    env: 'SCHEMA_REGISTRY_STARTUP_WAIT_MS',
    description: 'at start-up, how long a process keeps retrying a schema registry it cannot reach (registering its schemas) before it exits; 0 = no wait',
    default: 300_000,
    min: 0,
    max: 86_400_000,
  }),
  redisUrl: field.url({
    env: 'REDIS_URL',
    description: 'Redis URL (rediss:// for TLS)',
    protocols: ['redis:', 'rediss:'],
    default: 'redis://127.0.0.1:6379',
  }),
  redisUsername: field.optionalString({ env: 'REDIS_USERNAME', description: 'Redis ACL user' }),
  redisPassword: field.optionalString({ env: 'REDIS_PASSWORD', description: 'Redis ACL password', secret: true }),
  redisTlsCaFile: field.optionalString({ env: 'REDIS_TLS_CA_FILE', description: 'PEM CA bundle for rediss://' }),
  instanceId: field.optionalString({
    env: 'INSTANCE_ID',
    description: 'this process\'s stable name in its consumer groups (transactional id <group>.<instance>; a restart with the same name fences its predecessor at once); default <hostname>-<pid>',
  }),
  commitIntervalMs: field.int({
    env: 'COMMIT_INTERVAL_MS',
    description: 'transactional stages: commit what was processed at least this often (ms), like Kafka Streams\' commit.interval.ms',
    default: DEFAULT_CADENCE.intervalMs,
    min: 0,
    max: 60_000,
  }),
  commitMaxRecords: field.int({
    env: 'COMMIT_MAX_RECORDS',
    description: 'transactional stages: commit as soon as this many input records are pending',
    default: DEFAULT_CADENCE.maxRecords,
    min: 1,
    max: 100_000,
  }),
  testHandlerDelayMs: field.int({
    env: 'RUNNER_TEST_HANDLER_DELAY_MS',
    description: 'TEST ONLY (fault suite): every RUNNER_TEST_HANDLER_DELAY_EVERY-th handler call of this process first waits this long, in ms (asynchronously: a slow dependency); 0 = never',
    default: 0,
    min: 0,
    max: 600_000,
  }),
  testHandlerDelayEvery: field.int({
    env: 'RUNNER_TEST_HANDLER_DELAY_EVERY',
    description: 'TEST ONLY (fault suite): which handler calls RUNNER_TEST_HANDLER_DELAY_MS slows: every n-th',
    default: 1,
    min: 1,
    max: 1_000_000,
  }),
  topicReplicationFactor: field.optionalInt({
    env: 'TOPIC_REPLICATION_FACTOR',
    description: 'replication factor of the topics a process creates (existing topics are left alone); unset: 3 on a cluster of 3 or more brokers, else 1',
    min: 1,
    max: 32767,
  }),
  topicMinInsyncReplicas: field.optionalInt({
    env: 'TOPIC_MIN_INSYNC_REPLICAS',
    description: 'min.insync.replicas of the topics a process creates: replicas that must have a write before it is acknowledged; unset: 2 with a replication factor of 3 or more, else 1',
    min: 1,
    max: 32767,
  }),
  topicUnderReplicated: field.oneOf({
    env: 'TOPIC_UNDER_REPLICATED',
    description: 'an existing topic with fewer replicas than TOPIC_REPLICATION_FACTOR (or the derived factor) at start-up: warn (log it, gauge riskstream_topics_under_replicated) or fail (refuse to start)',
    values: ['warn', 'fail'] as const,
    default: 'warn',
  }),
  maxRecordBytes: field.int({
    env: 'MAX_RECORD_BYTES',
    description: 'larger input records, and inputs whose output would be larger, go to the DLQ (keep it under the topics\' max.message.bytes)',
    default: DEFAULT_MAX_RECORD_BYTES,
    min: 1024,
  }),
  logLevel: field.oneOf({
    env: 'LOG_LEVEL',
    description: 'pino log level',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
    default: 'info',
  }),
} as const;

export type ConnectionConfig = ConfigOf<typeof connectionSchema>;

/** Cross-field rules that a single field cannot express; returns issues so loadConfig callers can merge. */
export function checkConnectionConfig(c: ConnectionConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (c.kafkaSaslMechanism !== 'none' && (!c.kafkaSaslUsername || !c.kafkaSaslPassword)) {
    issues.push({ field: 'KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD', problem: `are required when KAFKA_SASL_MECHANISM=${c.kafkaSaslMechanism}` });
  }
  if (c.topicReplicationFactor !== undefined && c.topicMinInsyncReplicas !== undefined && c.topicMinInsyncReplicas > c.topicReplicationFactor) {
    issues.push({
      field: 'TOPIC_MIN_INSYNC_REPLICAS',
      problem: `must be <= TOPIC_REPLICATION_FACTOR (${c.topicReplicationFactor}), got ${c.topicMinInsyncReplicas}: no write could ever be acknowledged`,
    });
  }
  if (c.redisPassword === undefined && c.redisUsername !== undefined) {
    issues.push({ field: 'REDIS_PASSWORD', problem: 'is required when REDIS_USERNAME is set' });
  }
  return issues;
}

/** Connection settings plus what every service process adds: topic namespace and its HTTP endpoint. */
export function serviceSchema(defaultPort: number) {
  return {
    ...connectionSchema,
    topicNamespace: field.string({
      env: 'TOPIC_NAMESPACE',
      description: 'prefix for every topic name (isolates tenants or test runs on one cluster)',
      default: '',
      pattern: /^[A-Za-z0-9._-]*$/,
    }),
    httpPort: field.int({ env: 'HTTP_PORT', description: 'port of /metrics, /healthz, /readyz (0 = any free port)', default: defaultPort, min: 0, max: 65535 }),
    httpHost: field.string({ env: 'HTTP_HOST', description: 'address the HTTP endpoint binds', default: '127.0.0.1' }),
    httpHeadersTimeoutMs: field.int({ env: 'HTTP_HEADERS_TIMEOUT_MS', description: 'a client must send its request headers within this long, in ms', default: 5000, min: 100 }),
    httpRequestTimeoutMs: field.int({ env: 'HTTP_REQUEST_TIMEOUT_MS', description: 'a client must send its whole request within this long, in ms (a slow client cannot hold a connection)', default: 10000, min: 100 }),
  } as const;
}
