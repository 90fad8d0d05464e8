import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import type { ConnectionConfig } from './config.ts';
import { DecodeError, DependencyError, SchemaRegistryError, AppError } from './errors.ts';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.ts';
import { TOPICS, TOPIC_KEYS, valueSubject, type TopicKey, type TopicNames } from './topics.ts';

export const SCHEMAS_DIR = join(import.meta.dirname, '..', '..', 'schemas');

/** Confluent wire format: magic byte 0, then a big-endian 4-byte schema id, then the Avro body. */
const MAGIC_BYTE = 0;
const WIRE_HEADER_BYTES = 5;

export function readSchemaFile(name: string, dir = SCHEMAS_DIR): string {
  return readFileSync(join(dir, `${name}.avsc`), 'utf8');
}

export function createSchemaRegistryClient(config: ConnectionConfig): SchemaRegistry {
  const auth =
    config.schemaRegistryUsername !== undefined
      ? { username: config.schemaRegistryUsername, password: config.schemaRegistryPassword ?? '' }
      : undefined;
  return new SchemaRegistry({ host: config.schemaRegistryUrl, ...(auth ? { auth } : {}), retry: { retries: 3 } });
}

/**
 * True when a registry failure is worth retrying (network, 5xx) rather than a refusal (4xx). The client
 * reports a dropped connection as "status 400: socket hang up", so the message is checked as well.
 */
function isTransient(err: unknown): boolean {
  if (isNetworkFailure(err)) return true;
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number') return status >= 500;
  return true;
}

function isNetworkFailure(err: unknown): boolean {
  return isNetworkError(err) || /socket hang up|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test((err as Error).message ?? '');
}

/**
 * Registers a process's schemas at start-up, waiting out a registry it cannot reach (a DependencyError:
 * network, 5xx) for up to `waitMs`, with a backoff capped at 5 s; a refusal (an incompatible schema) is
 * final at once. Schemas already registered are not asked again.
 */
export async function registerWhenReachable(
  codec: Pick<TopicCodec, 'register'>,
  waitMs: number,
  onWait: (err: DependencyError, attempt: number) => void,
  pause: (ms: number) => Promise<unknown> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await codec.register();
    } catch (err) {
      const left = deadline - Date.now();
      if (!(err instanceof DependencyError) || left <= 0) throw err;
      onWait(err, attempt);
      await pause(Math.min(250 * 2 ** Math.min(attempt, 5), 5000, left));
    }
  }
}

/**
 * Encodes and decodes topic values. Subjects follow the TopicNameStrategy (`<topic>-value`), so kcat and
 * Confluent serdes can read our topics.
 *
 * Apicurio vs Confluent: Apicurio's ccompat API defaults the global compatibility to NONE, where a
 * Confluent registry defaults to BACKWARD. Left alone, an incompatible schema change would be accepted
 * silently on Apicurio. So every subject is registered with an explicit BACKWARD compatibility level
 * (set on first registration), which both registries then enforce.
 */
export class TopicCodec {
  readonly registry: SchemaRegistry;
  readonly names: TopicNames;
  readonly #ids = new Map<TopicKey, number>();

  constructor(registry: SchemaRegistry, names: TopicNames) {
    this.registry = registry;
    this.names = names;
  }

  /** Registers (idempotently) the value schema of the given topics, or of every topic with a schema. */
  async register(keys: readonly TopicKey[] = TOPIC_KEYS, schemasDir = SCHEMAS_DIR): Promise<void> {
    for (const key of keys) {
      const schemaName = TOPICS[key].schema;
      if (schemaName === null || this.#ids.has(key)) continue;
      const subject = valueSubject(this.names[key]);
      try {
        const { id } = await this.registry.register(
          { type: SchemaType.AVRO, schema: readSchemaFile(schemaName, schemasDir) },
          { subject, compatibility: COMPATIBILITY.BACKWARD, updateConfig: true },
        );
        this.#ids.set(key, id);
      } catch (err) {
        if (isTransient(err)) throw new DependencyError('schema-registry', `registering ${subject} failed: ${(err as Error).message}`, err);
        throw new SchemaRegistryError(subject, (err as Error).message, err);
      }
    }
  }

  schemaId(key: TopicKey): number {
    const id = this.#ids.get(key);
    if (id === undefined) throw new AppError('SCHEMA_REGISTRY_FAILED', `schema for ${this.names[key]} was not registered before use`);
    return id;
  }

  async encode(key: TopicKey, value: unknown): Promise<Buffer> {
    try {
      return await this.registry.encode(this.schemaId(key), value);
    } catch (err) {
      if (err instanceof AppError) throw err;
      // avsc reports the invalid paths; an unencodable value is a bug in the producer, not transient.
      throw new AppError('VALIDATION_FAILED', `value does not match ${this.names[key]} schema: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Decodes Confluent-framed Avro; for 'avro-or-json' topics also plain UTF-8 JSON objects. */
  async decode(key: TopicKey, value: Buffer | null): Promise<unknown> {
    const topic = this.names[key];
    if (value === null || value.length === 0) throw new DecodeError(topic, 'empty value (tombstone) where a record was expected');
    if (TOPICS[key].encoding === 'json') return parseJsonObject(topic, value);
    if (value[0] === MAGIC_BYTE) {
      if (value.length < WIRE_HEADER_BYTES) throw new DecodeError(topic, `truncated wire header (${value.length} bytes)`);
      try {
        return await this.registry.decode(value);
      } catch (err) {
        const status = (err as { status?: unknown }).status;
        if (typeof status === 'number' && status === 404) {
          throw new DecodeError(topic, `unknown schema id ${value.readUInt32BE(1)}`, err);
        }
        // Only a registry we could not reach is worth a retry; anything else about this record is final.
        if (isNetworkFailure(err) || (typeof status === 'number' && status >= 500)) {
          throw new DependencyError('schema-registry', (err as Error).message, err);
        }
        throw new DecodeError(topic, `corrupt Avro body: ${(err as Error).message}`, err);
      }
    }
    if (TOPICS[key].encoding !== 'avro-or-json') {
      throw new DecodeError(topic, `expected Confluent Avro (magic byte 0), got first byte 0x${value[0]!.toString(16)}`);
    }
    return parseJsonObject(topic, value);
  }
}

function parseJsonObject(topic: string, value: Buffer): object {
  if (exceedsJsonDepth(value)) throw new DecodeError(topic, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new DecodeError(topic, `neither Confluent Avro nor JSON: ${(err as Error).message}`, err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DecodeError(topic, 'JSON value must be an object');
  }
  return parsed;
}

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown; cause?: { code?: unknown } }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|UND_ERR)/.test(code);
}
