/**
 * Every error riskstream throws is an AppError: a stable `code` (documented in ERROR_CODES), a `retriable`
 * flag that the consumer runner uses to decide between retry-with-backoff and the DLQ, an optional `cause`,
 * and structured fields instead of prose.
 */

export const ERROR_CODES = {
  CONFIG_INVALID: 'one or more configuration values are missing or malformed',
  DECODE_FAILED: 'a message could not be decoded (bad magic byte, unknown schema id, corrupt Avro or JSON)',
  VALIDATION_FAILED: 'a decoded message violates its schema or a business rule',
  HANDLER_FAILED: 'a message handler failed with an unexpected error',
  DEPENDENCY_UNAVAILABLE: 'a dependency (Kafka, the schema registry, Redis) did not answer; safe to retry',
  SCHEMA_REGISTRY_FAILED: 'the schema registry refused a request',
  TOPIC_UNKNOWN: 'a topic name is not declared in the topic catalog',
  STACK_FAILED: 'a local stack component failed to start or become healthy',
  MODEL_INVALID: 'a model artifact failed to load or produced invalid output',
  NOT_FOUND: 'a requested entity does not exist',
  USAGE: 'a command was called with wrong arguments',
  SHUTDOWN: 'work was interrupted by a graceful shutdown',
  RECORD_TOO_LARGE: 'an input record exceeds the configured size, or an output it produced exceeds what the broker accepts',
  TRANSACTION_FAILED: 'a Kafka transaction did not commit; its inputs are processed again from the committed offsets',
  UNAUTHORIZED: 'a request carried no valid credentials (missing or wrong bearer token, bad or stale signature)',
  CREDENTIALS_REJECTED: 'Kafka or Redis refused this process\'s credentials (SASL or ACL user, password, TLS): retrying cannot help',
  DEPENDENCY_PATCH_MISSING: 'a dependency runs without riskstream\'s patch to it (e.g. npm ci --ignore-scripts): run node scripts/patch-dependencies.mjs',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, retriable: this.retriable, message: this.message };
  }
}

export interface ConfigIssue {
  /** The environment variable (or option path) that is wrong. */
  field: string;
  problem: string;
}

export class ConfigError extends AppError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(
      'CONFIG_INVALID',
      `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.field}: ${i.problem}`).join('\n'),
    );
    this.issues = Object.freeze([...issues]);
  }
}

export class DecodeError extends AppError {
  readonly topic: string;
  constructor(topic: string, message: string, cause?: unknown) {
    super('DECODE_FAILED', message, { cause, retriable: false });
    this.topic = topic;
  }
}

export interface ValidationIssue {
  path: string;
  problem: string;
}

export class ValidationError extends AppError {
  readonly issues: readonly ValidationIssue[];
  /** A short machine-readable reason, e.g. AMOUNT_OUT_OF_RANGE; goes into the DLQ headers. */
  readonly reason: string;
  constructor(reason: string, issues: readonly ValidationIssue[]) {
    super('VALIDATION_FAILED', `${reason}: ${issues.map((i) => `${i.path} ${i.problem}`).join('; ')}`);
    this.reason = reason;
    this.issues = Object.freeze([...issues]);
  }
}

export class RecordTooLargeError extends AppError {
  readonly direction: 'input' | 'output';
  readonly bytes: number;
  readonly limit: number;
  /** DLQ reason header: INPUT_TOO_LARGE or OUTPUT_TOO_LARGE. */
  readonly reason: string;
  constructor(direction: 'input' | 'output', bytes: number, limit: number, topic?: string) {
    super('RECORD_TOO_LARGE', `${direction} record of ${bytes} bytes${topic ? ` for ${topic}` : ''} exceeds the limit of ${limit}`);
    this.direction = direction;
    this.bytes = bytes;
    this.limit = limit;
    this.reason = direction === 'input' ? 'INPUT_TOO_LARGE' : 'OUTPUT_TOO_LARGE';
  }
}

export class TransactionError extends AppError {
  /** The kafkajs error type (e.g. ILLEGAL_GENERATION, PRODUCER_FENCED), when there is one. */
  readonly kafkaType: string | undefined;
  constructor(message: string, cause: unknown) {
    super('TRANSACTION_FAILED', message, { cause, retriable: true });
    this.kafkaType = (cause as { type?: string } | undefined)?.type;
  }
}

export class DependencyError extends AppError {
  readonly dependency: string;
  constructor(dependency: string, message: string, cause?: unknown) {
    super('DEPENDENCY_UNAVAILABLE', `${dependency}: ${message}`, { cause, retriable: true });
    this.dependency = dependency;
  }
}

/**
 * Kafka (SASL) or Redis (ACL AUTH) refused the configured credentials. Not retriable: the same user and
 * password fail the same way every time, so a process stops at once and names the dependency and the
 * settings to check (never the password) instead of retrying for minutes.
 */
export class CredentialsError extends AppError {
  readonly dependency: string;
  constructor(dependency: string, message: string, cause?: unknown) {
    super('CREDENTIALS_REJECTED', `${dependency}: ${message}`, { cause, retriable: false });
    this.dependency = dependency;
  }
}

export class SchemaRegistryError extends AppError {
  readonly subject: string;
  constructor(subject: string, message: string, cause?: unknown) {
    super('SCHEMA_REGISTRY_FAILED', `${subject}: ${message}`, { cause, retriable: false });
    this.subject = subject;
  }
}

export class StackError extends AppError {
  readonly component: string;
  constructor(component: string, message: string, cause?: unknown) {
    super('STACK_FAILED', `${component}: ${message}`, { cause });
    this.component = component;
  }
}

export class ModelError extends AppError {
  readonly model: string;
  constructor(model: string, message: string, cause?: unknown) {
    super('MODEL_INVALID', `${model}: ${message}`, { cause });
    this.model = model;
  }
}

/**
 * A model artifact refused before it could serve. `reason` is one of MODEL_REJECTION_REASONS
 * (shared/src/model/model-rejection.ts): the `reason` label of the rejection metrics and the log field.
 */
export class ModelRejectedError extends ModelError {
  readonly reason: string;
  constructor(model: string, reason: string, message: string, cause?: unknown) {
    super(model, message, cause);
    this.reason = reason;
  }
}

export class NotFoundError extends AppError {
  readonly entity: string;
  constructor(entity: string, message: string) {
    super('NOT_FOUND', `${entity}: ${message}`);
    this.entity = entity;
  }
}

export class UsageError extends AppError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** Wraps anything thrown into an AppError so callers only ever see `code` and `retriable`. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isKafkaRetriable(err)) {
    return new DependencyError('kafka', (err as Error).message, err);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('HANDLER_FAILED', message, { cause: err });
}

function isKafkaRetriable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}
