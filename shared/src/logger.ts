import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The values of this process's secret settings (passwords, keys: config fields marked `secret`). The entry
 * point registers them once after loading its config; every logger of the process then cuts them out of
 * each line it writes, whatever field or message carries them (an error quoting a URL with credentials,
 * a dependency's log entry). Module state on purpose: loggers are created in many places, secrets are
 * known in one.
 */
let secrets: readonly string[] = [];

export const REDACTED = '<redacted>';

export function redactFromLogs(values: readonly string[]): void {
  const merged = new Set([...secrets, ...values.filter((v) => v.trim() !== '')]);
  // Longest first: a secret that contains another is cut out whole.
  secrets = Object.freeze([...merged].sort((a, b) => b.length - a.length));
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    // JSON escapes some characters: match the secret as it appears inside a JSON string too.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.replaceAll(escaped, REDACTED);
  }
  return out;
}

/** Fields that hold credentials by name, wherever a caller puts them in a log entry. */
const REDACT_PATHS = ['password', '*.password', '*.*.password', 'sasl', '*.sasl', 'headers.authorization', '*.headers.authorization'];

/**
 * One logger per process. Errors are logged as `{ err, code }`; the serializer keeps the AppError code
 * and strips nothing else, so never put a clear card number in an error message (ingest masks first).
 */
export function createLogger(name: string, options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const opts: LoggerOptions = {
    name,
    level: options.level ?? 'info',
    base: { service: name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: (line) => (secrets.length === 0 ? line : redactSecrets(line)) },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
