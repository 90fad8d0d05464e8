import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

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
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
